package review_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// TestOutstandingReviewsAndNotices: the outstanding list holds what each reviewer still has to
// score (not what it reviewed, not what it recused itself from); a notice is recorded once
// whatever the retries, the escalation audited once; only the workflow worker may call either.
func TestOutstandingReviewsAndNotices(t *testing.T) {
	h := newHarness(t)
	a1 := reviewers(h.assign(assignRequest("a1", 10_000_00, 0)))
	h.assign(assignRequest("a2", 10_000_00, 1))
	scorer, deporter := a1[0], a1[1]
	for _, sub := range jury {
		h.sign(auth.Reviewer, sub)
	}
	h.sign(auth.JuryChair, chair)
	h.review(scorer, appName("a1"), scores(4, 4, 4))
	h.declare(deporter, appName("a1"), true, "I advised the applicant")

	worker := h.as(auth.System, "worker")
	got, err := h.client.ListOutstandingReviews(worker, &reviewv1.ListOutstandingReviewsRequest{Call: callName})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for _, app := range []string{appName("a1"), appName("a2")} {
		for _, r := range h.assignmentsOf(app, "ASSIGNED") {
			want[r] = append(want[r], app)
		}
	}
	have := map[string][]string{}
	for _, r := range got.GetReviewers() {
		for _, a := range r.GetApplications() {
			if a.GetTitle() == "" {
				t.Fatalf("%s without title", a.GetApplication())
			}
			have[r.GetReviewer()] = append(have[r.GetReviewer()], a.GetApplication())
		}
	}
	for r := range have {
		slices.Sort(have[r])
		slices.Sort(want[r])
	}
	if len(have) != len(want) {
		t.Fatalf("outstanding = %v, want %v", have, want)
	}
	for r, apps := range want {
		if !slices.Equal(have[r], apps) {
			t.Fatalf("outstanding of %s = %v, want %v", r, have[r], apps)
		}
	}
	for _, who := range []string{scorer, deporter} {
		if slices.Contains(have[who], appName("a1")) {
			t.Fatalf("%s still has a1 outstanding: %v", who, have[who])
		}
	}
	if len(want) == 0 || len(got.GetNotices()) != 0 {
		t.Fatalf("nothing outstanding, or notices already: %v", got)
	}

	// A reminder, then the same reminder again (a retried activity): recorded once, unchanged.
	reviewer := got.GetReviewers()[0]
	reminder := &reviewv1.JuryNotice{Call: callName, Kind: "REMINDER", Recipient: reviewer.GetReviewer(), Email: "r@jury.example.org",
		Applications: []string{reviewer.GetApplications()[0].GetApplication()}, MessageId: "reminder.c1@guichet.localhost"}
	first, err := h.client.RecordJuryNotice(worker, &reviewv1.RecordJuryNoticeRequest{Notice: reminder})
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	again, err := h.client.RecordJuryNotice(worker, &reviewv1.RecordJuryNoticeRequest{Notice: reminder})
	if err != nil {
		t.Fatal(err)
	}
	if !first.GetSendTime().AsTime().Equal(again.GetSendTime().AsTime()) || again.GetEmail() != "r@jury.example.org" {
		t.Fatalf("repeat changed the notice: %v then %v", first, again)
	}
	if n := h.auditCount("review.escalated"); n != 0 {
		t.Fatalf("a reminder was audited as an escalation (%d)", n)
	}

	escalation := &reviewv1.JuryNotice{Call: callName, Kind: "ESCALATION", Recipient: chair, Email: "chair@jury.example.org",
		Applications: []string{appName("a1"), appName("a2")}, MessageId: "escalation.c1@guichet.localhost"}
	for range 2 {
		if _, err := h.client.RecordJuryNotice(worker, &reviewv1.RecordJuryNoticeRequest{Notice: escalation}); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.auditCount("review.escalated"); n != 1 {
		t.Fatalf("escalation audited %d times", n)
	}
	h.verifyAudit()
	got, err = h.client.ListOutstandingReviews(worker, &reviewv1.ListOutstandingReviewsRequest{Call: callName})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetNotices()) != 2 {
		t.Fatalf("notices = %v", got.GetNotices())
	}

	// An application of another call is refused, by its field.
	bad := &reviewv1.JuryNotice{Call: callName, Kind: "REMINDER", Recipient: "reviewer-9", Email: "r9@jury.example.org",
		Applications: []string{"calls/other/applications/a1"}, MessageId: "x@guichet.localhost"}
	_, err = h.client.RecordJuryNotice(worker, &reviewv1.RecordJuryNoticeRequest{Notice: bad})
	if v := fieldViolations(wantCode(t, err, codes.InvalidArgument)); !slices.Equal(v, []string{"notice.applications[0]"}) {
		t.Fatalf("violations = %v", v)
	}

	// A reminder to someone outside the jury, or an escalation to a reviewer, is refused: the log
	// would say the chair or a reviewer was told.
	for _, wrong := range []*reviewv1.JuryNotice{
		{Call: callName, Kind: "REMINDER", Recipient: "mallory", Email: "m@example.org", Applications: reminder.GetApplications(), MessageId: "m@guichet.localhost"},
		{Call: callName, Kind: "ESCALATION", Recipient: reminder.GetRecipient(), Email: "r@example.org", Applications: reminder.GetApplications(), MessageId: "e@guichet.localhost"},
	} {
		_, err = h.client.RecordJuryNotice(worker, &reviewv1.RecordJuryNoticeRequest{Notice: wrong})
		if v := fieldViolations(wantCode(t, err, codes.InvalidArgument)); !slices.Equal(v, []string{"notice.recipient"}) {
			t.Fatalf("%s to %s: violations = %v", wrong.GetKind(), wrong.GetRecipient(), v)
		}
	}

	for _, role := range []auth.Role{auth.Reviewer, auth.JuryChair, auth.ProgrammeOfficer, auth.Auditor} {
		_, err := h.client.ListOutstandingReviews(h.as(role, chair), &reviewv1.ListOutstandingReviewsRequest{Call: callName})
		wantCode(t, err, codes.PermissionDenied)
		_, err = h.client.RecordJuryNotice(h.as(role, chair), &reviewv1.RecordJuryNoticeRequest{Notice: reminder})
		wantCode(t, err, codes.PermissionDenied)
	}
}

// TestAJuryListedLooselyIsOneJury: the jury is trimmed and deduplicated when the call is
// configured, so a reminder to a reviewer named with stray spaces in the call's list is accepted,
// and the assignments name the same reviewers.
func TestAJuryListedLooselyIsOneJury(t *testing.T) {
	h := newHarness(t)
	req := assignRequest("a1", 10_000_00, 0)
	req.Reviewers = []string{" reviewer-1", "reviewer-2 ", "reviewer-2", "reviewer-3", ""}
	assigned := reviewers(h.assign(req))
	slices.Sort(assigned)
	if want := []string{"reviewer-1", "reviewer-2", "reviewer-3"}; !slices.Equal(assigned, want) {
		t.Fatalf("assigned %v, want %v", assigned, want)
	}
	worker := h.as(auth.System, "worker")
	reminder := &reviewv1.JuryNotice{Call: callName, Kind: "REMINDER", Recipient: "reviewer-1", Email: "r1@jury.example.org",
		Applications: []string{appName("a1")}, MessageId: "reminder.loose@guichet.localhost"}
	if _, err := h.client.RecordJuryNotice(worker, &reviewv1.RecordJuryNoticeRequest{Notice: reminder}); err != nil {
		t.Fatalf("reminder to a reviewer of the call: %v", err)
	}
	// The same jury listed another way (the workflow hands the call over with each application)
	// is no reconfiguration of the call.
	req = assignRequest("a2", 10_000_00, 1)
	req.Reviewers = []string{"reviewer-3", "reviewer-1", " reviewer-2", "reviewer-1 "}
	h.assign(req)
	if n := h.auditCount("call.reconfigured"); n != 0 {
		t.Fatalf("the same jury, listed differently, reconfigured the call (%d times)", n)
	}
}
