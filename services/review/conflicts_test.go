package review_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// loads counts each reviewer's live assignments in the call, as the chair sees them.
func (h *harness) loads() map[string]int {
	h.t.Helper()
	all, err := h.client.ListAssignments(h.as(auth.JuryChair, chair), &reviewv1.ListAssignmentsRequest{Parent: callName})
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]int{}
	for _, a := range all.GetAssignments() {
		if a.GetState() != "RECUSED" {
			out[a.GetReviewer()]++
		}
	}
	return out
}

// A déport hides the file from its declarant (404 on reading and scoring it), is audited, and
// brings in the least loaded jury member not already on the file, in the same transaction; the
// replacement's review completes the set and signals the workflow.
func TestDeport(t *testing.T) {
	h := newHarness(t)
	a1 := reviewers(h.assign(assignRequest("a1", 100_000_00, 0)))
	h.assign(assignRequest("a2", 100_000_00, 0))
	h.assign(assignRequest("a3", 100_000_00, 0))
	for _, r := range jury {
		h.sign(auth.Reviewer, r)
	}
	h.sign(auth.JuryChair, chair)
	deporter, stayers := a1[0], a1[1:]
	ctx := h.as(auth.Reviewer, deporter)

	// A déport needs its reason, and the declaration of interests first.
	_, err := h.client.CreateConflict(ctx, &reviewv1.CreateConflictRequest{Parent: appName("a1"), Conflict: true, Reason: "  "})
	if st := wantCode(t, err, codes.InvalidArgument); !slices.Equal(fieldViolations(st), []string{"reason"}) {
		t.Fatalf("violations %v", fieldViolations(st))
	}

	// The deporter had declared no conflict and started reading; it finds one and withdraws.
	h.declare(deporter, appName("a1"), false, "")
	before := h.loads()
	d := h.declare(deporter, appName("a1"), true, "I advised the applicant on this project in 2025")
	if !d.GetConflict() || d.GetReason() != "I advised the applicant on this project in 2025" || d.GetName() != appName("a1")+"/conflicts/"+deporter {
		t.Fatalf("declaration %v", d)
	}

	t.Run("the file is gone for the deporter", func(t *testing.T) {
		_, err := h.client.CreateReview(ctx, &reviewv1.CreateReviewRequest{Parent: appName("a1"), Review: scores(4, 4, 4)})
		wantCode(t, err, codes.NotFound)
		_, err = h.client.ListReviews(ctx, &reviewv1.ListReviewsRequest{Parent: appName("a1")})
		wantCode(t, err, codes.NotFound)
		_, err = h.client.CreateConflict(ctx, &reviewv1.CreateConflictRequest{Parent: appName("a1"), Conflict: false})
		wantCode(t, err, codes.NotFound)
		mine, err := h.client.ListAssignments(ctx, &reviewv1.ListAssignmentsRequest{Parent: callName})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range mine.GetAssignments() {
			if a.GetApplication() == appName("a1") {
				t.Fatalf("%s still lists %v", deporter, a)
			}
		}
	})

	var replacement string
	t.Run("a replacement, the least loaded free member", func(t *testing.T) {
		if got := h.assignmentsOf(appName("a1"), "RECUSED"); !slices.Equal(got, []string{deporter}) {
			t.Fatalf("recused %v, want %s kept for the minutes", got, deporter)
		}
		active := h.assignmentsOf(appName("a1"), "ASSIGNED", "REVIEWED")
		if len(active) != 3 {
			t.Fatalf("a1 has %v, want 3 reviewers", active)
		}
		for _, r := range active {
			if !slices.Contains(stayers, r) {
				replacement = r
			}
		}
		if replacement == "" || replacement == deporter {
			t.Fatalf("no replacement among %v", active)
		}
		for _, r := range jury {
			if !slices.Contains(a1, r) && before[r] < before[replacement] {
				t.Fatalf("%s (load %d) replaced %s though %s had %d; loads %v", replacement, before[replacement], deporter, r, before[r], before)
			}
		}
		// The chair sees the conflict declared on the recused assignment.
		all, err := h.client.ListAssignments(h.as(auth.JuryChair, chair), &reviewv1.ListAssignmentsRequest{Parent: callName})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range all.GetAssignments() {
			if a.GetApplication() == appName("a1") && a.GetReviewer() == deporter && a.GetConflictDeclaration() != "CONFLICT" {
				t.Fatalf("recused assignment %v", a)
			}
		}
		if len(all.GetNeedsReviewers()) != 0 {
			t.Fatalf("needs reviewers %v after a replacement", all.GetNeedsReviewers())
		}
		if h.auditCount("conflict.declared") != 2 || h.auditCount("assignment.created") != 10 {
			t.Fatalf("%d conflict.declared and %d assignment.created entries, want 2 and 10",
				h.auditCount("conflict.declared"), h.auditCount("assignment.created"))
		}
		var replaces string
		if err := h.pool.QueryRow(context.Background(), `SELECT after->>'replaces' FROM audit_log
			WHERE action = 'assignment.created' ORDER BY seq DESC LIMIT 1`).Scan(&replaces); err != nil || replaces != deporter {
			t.Fatalf("the replacement's audit entry says it replaces %q (%v)", replaces, err)
		}
	})

	t.Run("no déport after one's review", func(t *testing.T) {
		h.review(stayers[0], appName("a1"), scores(4, 4, 4))
		_, err := h.client.CreateConflict(h.as(auth.Reviewer, stayers[0]),
			&reviewv1.CreateConflictRequest{Parent: appName("a1"), Conflict: true, Reason: "remembered late"})
		if st := wantCode(t, err, codes.FailedPrecondition); !strings.Contains(st.Message(), "already reviewed") {
			t.Fatalf("message %q", st.Message())
		}
	})

	t.Run("the replacement's review completes the set", func(t *testing.T) {
		h.review(stayers[1], appName("a1"), scores(4, 4, 4))
		if sigs := h.outbox(); len(sigs) != 0 {
			t.Fatalf("signals before the replacement's review: %+v", sigs)
		}
		h.review(replacement, appName("a1"), scores(4, 4.5, 4))
		sigs := h.outbox()
		if len(sigs) != 1 || sigs[0].Name != flow.SignalReviewsComplete || sigs[0].WorkflowID != flow.ApplicationWorkflowID(appName("a1")) ||
			sigs[0].Payload["reviews"] != float64(3) {
			t.Fatalf("signals %+v, want reviews-complete for a1 with 3 reviews", sigs)
		}
	})
	h.verifyAudit()
}

// When conflicts and load caps leave no one to replace the deporter, the déport still stands,
// the chair sees the application short of a reviewer, no signal goes out and the call cannot be
// ranked; the workflow's next AssignReviewers, with room in the jury, completes it.
func TestDeportWithoutReplacement(t *testing.T) {
	h := newHarness(t)
	small := func(id string) *reviewv1.AssignReviewersRequest {
		req := assignRequest(id, 100_000_00, 0)
		req.Reviewers = jury[:3]
		return req
	}
	h.assign(small("a1"))
	for _, r := range jury[:3] {
		h.sign(auth.Reviewer, r)
	}
	h.sign(auth.JuryChair, chair)
	deporter := jury[0]
	h.declare(deporter, appName("a1"), true, "The applicant is my former employer")

	all, err := h.client.ListAssignments(h.as(auth.JuryChair, chair), &reviewv1.ListAssignmentsRequest{Parent: callName})
	if err != nil {
		t.Fatal(err)
	}
	if n := all.GetNeedsReviewers(); len(n) != 1 || n[0].GetApplication() != appName("a1") || n[0].GetMissing() != 1 || n[0].GetApplicationTitle() != "Project a1" {
		t.Fatalf("needs reviewers %v", n)
	}
	if h.auditCount("application.needs_reviewers") != 1 {
		t.Fatal("the shortfall is not in the audit log")
	}
	for _, r := range jury[1:3] {
		h.review(r, appName("a1"), scores(4, 4, 4))
	}
	if sigs := h.outbox(); len(sigs) != 0 {
		t.Fatalf("signals with a reviewer missing: %+v", sigs)
	}
	_, err = h.client.RankCall(h.as(auth.JuryChair, chair), &reviewv1.RankCallRequest{Name: callName})
	if st := wantCode(t, err, codes.FailedPrecondition); !strings.Contains(st.Message(), appName("a1")+" (2 of 3 reviews)") {
		t.Fatalf("message %q", st.Message())
	}
	// Reviewers never see the chair's list of shortfalls.
	mine, err := h.client.ListAssignments(h.as(auth.Reviewer, jury[1]), &reviewv1.ListAssignmentsRequest{Parent: callName})
	if err != nil || len(mine.GetNeedsReviewers()) != 0 {
		t.Fatalf("a reviewer sees %v (%v)", mine.GetNeedsReviewers(), err)
	}

	// The jury grows: the retry staffs a1 with the newcomer, never with the deporter.
	got := reviewers(h.assign(assignRequest("a1", 100_000_00, 0)))
	if len(got) != 3 || slices.Contains(got, deporter) {
		t.Fatalf("a1 now has %v", got)
	}
	all, err = h.client.ListAssignments(h.as(auth.JuryChair, chair), &reviewv1.ListAssignmentsRequest{Parent: callName})
	if err != nil || len(all.GetNeedsReviewers()) != 0 {
		t.Fatalf("needs reviewers %v (%v)", all.GetNeedsReviewers(), err)
	}
	newcomer := got[slices.IndexFunc(got, func(r string) bool { return !slices.Contains(jury[1:3], r) })]
	h.sign(auth.Reviewer, newcomer)
	h.review(newcomer, appName("a1"), scores(4, 4, 4))
	if sigs := h.outbox(); len(sigs) != 1 || sigs[0].Name != flow.SignalReviewsComplete {
		t.Fatalf("signals %+v", sigs)
	}
	h.verifyAudit()
}

// A load cap binds the replacement too: with everyone else at the cap, nobody is added.
func TestDeportRespectsLoadCap(t *testing.T) {
	h := newHarness(t)
	capped := func(id string) *reviewv1.AssignReviewersRequest {
		req := assignRequest(id, 100_000_00, 0)
		req.Reviewers = jury[:4]
		limit := int32(3)
		req.MaxLoadPerReviewer = &limit
		return req
	}
	for _, id := range []string{"a1", "a2", "a3", "a4"} {
		h.assign(capped(id))
	}
	h.sign(auth.JuryChair, chair)
	loads := h.loads()
	for _, r := range jury[:4] {
		if loads[r] != 3 {
			t.Fatalf("loads %v, want 3 each", loads)
		}
	}
	deporter := h.assignmentsOf(appName("a1"), "ASSIGNED")[0]
	h.sign(auth.Reviewer, deporter)
	h.declare(deporter, appName("a1"), true, "A relative works for the applicant")
	if active := h.assignmentsOf(appName("a1"), "ASSIGNED"); len(active) != 2 {
		t.Fatalf("a1 has %v: someone went over the cap", active)
	}
	for r, l := range h.loads() {
		if l > 3 {
			t.Fatalf("%s has %d assignments, above the cap of 3", r, l)
		}
	}
}

// A chair the call lists among its reviewers declares like any reviewer; its déport hides the
// file from it as chair too: no reviews to read, no consensus to record, not in its queue.
func TestChairDeport(t *testing.T) {
	h := newHarness(t)
	req := assignRequest("a1", 100_000_00, 0)
	req.Reviewers = jury[:3]
	h.assign(req)
	// The call then lists its chair among the reviewers: the least loaded, it gets a2.
	req = assignRequest("a2", 100_000_00, 0)
	req.Reviewers = []string{jury[0], jury[1], jury[2], chair}
	a2 := reviewers(h.assign(req))
	if !slices.Contains(a2, chair) {
		t.Fatalf("a2 went to %v, not to the idle chair", a2)
	}
	for _, r := range jury[:3] {
		h.sign(auth.Reviewer, r)
	}
	h.sign(auth.JuryChair, chair)
	chairCtx := h.as(auth.JuryChair, chair)
	// Assigned, the chair must declare before reading, like any reviewer.
	_, err := h.client.ListReviews(chairCtx, &reviewv1.ListReviewsRequest{Parent: appName("a2")})
	wantCode(t, err, codes.FailedPrecondition)
	if _, err := h.client.CreateConflict(chairCtx, &reviewv1.CreateConflictRequest{Parent: appName("a2"), Conflict: true, Reason: "I sit on the applicant's board"}); err != nil {
		t.Fatal(err)
	}
	_, err = h.client.ListReviews(chairCtx, &reviewv1.ListReviewsRequest{Parent: appName("a2")})
	wantCode(t, err, codes.NotFound)
	// Its replacement is the one reviewer not yet on a2.
	if active := h.assignmentsOf(appName("a2"), "ASSIGNED"); len(active) != 3 || slices.Contains(active, chair) {
		t.Fatalf("a2 now has %v", active)
	}
	// They diverge on impact, from 3 to 5.
	for i, r := range h.assignmentsOf(appName("a2"), "ASSIGNED") {
		h.review(r, appName("a2"), scores(float64(3+i), 4, 4))
	}
	_, err = h.client.RecordConsensus(chairCtx, &reviewv1.RecordConsensusRequest{Parent: appName("a2"), Consensus: consensus(4, 4, 4, "the chair decides anyway")})
	wantCode(t, err, codes.NotFound)
	list, err := h.client.ListDivergences(chairCtx, &reviewv1.ListDivergencesRequest{Parent: callName})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list.GetDivergences() {
		if d.GetApplication() == appName("a2") {
			t.Fatalf("the chair's queue shows a2, which it withdrew from: %v", d)
		}
	}
	// Not assigned to a1, the chair reads all of its reviews without a declaration.
	if _, err := h.client.ListReviews(chairCtx, &reviewv1.ListReviewsRequest{Parent: appName("a1")}); err != nil {
		t.Fatal(err)
	}
}
