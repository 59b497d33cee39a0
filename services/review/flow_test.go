package review_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// The walking skeleton end to end: three applications get three of six reviewers each, the jury
// signs its declarations and reviews, the last review of each application signals its workflow,
// the chair ranks the call within the envelope and each decision is signalled once.
func TestJuryHappyPath(t *testing.T) {
	h := newHarness(t)

	// 1 000 000 € envelope: a1 (600 000 €) is funded, a2 (500 000 €) no longer fits and waits in
	// reserve, a3 misses the thresholds.
	a1 := h.assign(assignRequest("a1", 600_000_00, 0))
	a2 := h.assign(assignRequest("a2", 500_000_00, time.Hour))
	a3 := h.assign(assignRequest("a3", 100_000_00, 2*time.Hour))
	for _, as := range [][]*reviewv1.Assignment{a1, a2, a3} {
		if len(as) != 3 {
			t.Fatalf("assignments %v, want 3", as)
		}
		for _, a := range as {
			if a.GetState() != "ASSIGNED" || !strings.HasPrefix(a.GetApplicationTitle(), "Project ") || a.GetCreateTime() == nil {
				t.Fatalf("assignment %v", a)
			}
		}
	}
	// The least loaded first: a2 goes to the three reviewers a1 left idle.
	if both := slices.DeleteFunc(reviewers(a2), func(r string) bool { return !slices.Contains(reviewers(a1), r) }); len(both) > 0 {
		t.Fatalf("a1 %v and a2 %v share %v while others were idle", reviewers(a1), reviewers(a2), both)
	}
	if slices.Contains(reviewers(a1), chair) || slices.Contains(reviewers(a2), chair) || slices.Contains(reviewers(a3), chair) {
		t.Fatal("the chair was assigned though the call does not list it as a reviewer")
	}

	for _, r := range jury {
		h.sign(auth.Reviewer, r)
	}
	h.sign(auth.JuryChair, chair)

	// A reviewer lists its own assignments, the chair all of them.
	r1 := reviewers(a1)[0]
	mine, err := h.client.ListAssignments(h.as(auth.Reviewer, r1), &reviewv1.ListAssignmentsRequest{Parent: callName})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range mine.GetAssignments() {
		if a.GetReviewer() != r1 {
			t.Fatalf("%s sees %v", r1, a)
		}
	}
	if len(mine.GetAssignments()) == 0 || mine.GetAssignments()[0].GetApplicationTitle() == "" {
		t.Fatalf("%s's assignments: %v", r1, mine.GetAssignments())
	}
	all, err := h.client.ListAssignments(h.as(auth.JuryChair, chair), &reviewv1.ListAssignmentsRequest{Parent: callName})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.GetAssignments()) != 9 {
		t.Fatalf("the chair sees %d assignments, want 9", len(all.GetAssignments()))
	}

	// a1: two reviews leave the workflow waiting, the third signals it.
	rs := reviewers(a1)
	got := h.review(rs[0], appName("a1"), scores(5, 4.5, 4))
	if got.GetTotal() != 2*5+4.5+4 || got.GetName() != appName("a1")+"/reviews/"+rs[0] || got.GetReviewer() != rs[0] {
		t.Fatalf("review %v", got)
	}
	h.review(rs[1], appName("a1"), scores(4.5, 4, 4))
	if sigs := h.outbox(); len(sigs) != 0 {
		t.Fatalf("signals before the last review: %v", sigs)
	}
	h.review(rs[2], appName("a1"), scores(4, 4, 4.5))
	sigs := h.outbox()
	if len(sigs) != 1 || sigs[0].WorkflowID != flow.ApplicationWorkflowID(appName("a1")) || sigs[0].Name != flow.SignalReviewsComplete ||
		sigs[0].Payload["reviews"] != float64(3) {
		t.Fatalf("signals after a1's last review: %+v", sigs)
	}
	mine, err = h.client.ListAssignments(h.as(auth.Reviewer, rs[2]), &reviewv1.ListAssignmentsRequest{Parent: callName})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range mine.GetAssignments() {
		if a.GetApplication() == appName("a1") && a.GetState() != "REVIEWED" {
			t.Fatalf("assignment after the review: %v", a)
		}
	}

	// The chair cannot rank while a2 and a3 wait for reviews, and is told which.
	_, err = h.client.RankCall(h.as(auth.JuryChair, chair), &reviewv1.RankCallRequest{Name: callName})
	st := wantCode(t, err, codes.FailedPrecondition)
	if !strings.Contains(st.Message(), appName("a2")) || !strings.Contains(st.Message(), appName("a3")) || strings.Contains(st.Message(), appName("a1")+" ") {
		t.Fatalf("message %q should name a2 and a3 only", st.Message())
	}

	for _, r := range reviewers(a2) {
		h.review(r, appName("a2"), scores(4, 4, 4))
	}
	for _, r := range reviewers(a3) {
		h.review(r, appName("a3"), scores(4.5, 2.5, 5))
	}
	sigs = h.outbox()
	if len(sigs) != 3 || sigs[1].WorkflowID != flow.ApplicationWorkflowID(appName("a2")) || sigs[2].WorkflowID != flow.ApplicationWorkflowID(appName("a3")) {
		t.Fatalf("signals after every review: %+v", sigs)
	}

	// The chair sees every review of an application.
	list, err := h.client.ListReviews(h.as(auth.JuryChair, chair), &reviewv1.ListReviewsRequest{Parent: appName("a1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetReviews()) != 3 {
		t.Fatalf("the chair sees %d reviews of a1", len(list.GetReviews()))
	}

	h.clock.Advance(time.Hour)
	ranking, err := h.client.RankCall(h.as(auth.JuryChair, chair), &reviewv1.RankCallRequest{Name: callName})
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		app, decision string
		rank          int32
	}
	var lines []line
	for _, e := range ranking.GetEntries() {
		lines = append(lines, line{e.GetApplication(), e.GetDecision(), e.GetRank()})
	}
	// a1 totals 17.33; a3 2×4.5+2.5+5 = 16.5, above a2's 16, but misses the data threshold.
	want := []line{{appName("a1"), domain.Selected, 1}, {appName("a3"), domain.Rejected, 2}, {appName("a2"), domain.Reserve, 3}}
	if !slices.Equal(lines, want) {
		t.Fatalf("ranking %v, want %v", lines, want)
	}
	if ranking.GetCutoffRank() != 1 || ranking.GetSelectedCents() != 600_000_00 || ranking.GetEnvelopeCents() != 1_000_000_00 ||
		ranking.GetName() != callName+"/ranking" || !ranking.GetRankTime().AsTime().Equal(start.Add(time.Hour)) {
		t.Fatalf("ranking %v", ranking)
	}
	e1 := ranking.GetEntries()[0]
	if e1.GetTitle() != "Project a1" || !e1.GetAboveThresholds() || e1.GetRequestedAmountCents() != 600_000_00 ||
		len(e1.GetScores()) != 3 || e1.GetScores()[0].GetCriterion() != "impact" || e1.GetScores()[0].GetScore() != 4.5 ||
		e1.GetTotal() != 2*4.5+(4.5+4+4)/3.0+(4+4+4.5)/3.0 {
		t.Fatalf("a1's entry %v", e1)
	}
	if r := ranking.GetEntries()[1].GetReason(); !strings.Contains(r, "criterion data") {
		t.Fatalf("a3's reason %q should name the data threshold", r)
	}

	// Each application's decision went to its workflow.
	sigs = h.outbox()
	ranked := map[string]map[string]any{}
	callRanked := 0
	for _, s := range sigs[3:] {
		switch {
		case s.Name == flow.SignalCallRanked && s.WorkflowID == flow.CallWorkflowID(callName):
			callRanked++ // the call's workflow moves the call to selection
		case s.Name == flow.SignalRanked:
			ranked[s.WorkflowID] = s.Payload
		default:
			t.Fatalf("unexpected signal %+v", s)
		}
	}
	if callRanked != 1 {
		t.Fatalf("the call's workflow was told %d times", callRanked)
	}
	for _, w := range want {
		p := ranked[flow.ApplicationWorkflowID(w.app)]
		if p == nil || p["decision"] != w.decision || p["rank"] != float64(w.rank) || p["reason"] == "" {
			t.Fatalf("decision signalled for %s: %v, want %s at %d", w.app, p, w.decision, w.rank)
		}
	}
	if len(sigs) != 7 {
		t.Fatalf("%d signals, want 3 reviews-complete, 3 ranked and the call's", len(sigs))
	}

	// Ranking again stores a new version but never signals a decided application again.
	h.clock.Advance(time.Hour)
	again, err := h.client.RankCall(h.as(auth.JuryChair, chair), &reviewv1.RankCallRequest{Name: callName})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.outbox()); n != 7 {
		t.Fatalf("%d signals after a second ranking, want still 7", n)
	}
	var versions int
	if err := h.pool.QueryRow(context.Background(), `SELECT max(version) FROM rankings WHERE call = 'c1'`).Scan(&versions); err != nil || versions != 2 {
		t.Fatalf("ranking versions %d (%v), want 2", versions, err)
	}

	// The latest ranking is readable by the chair, the programme officer and the auditor.
	for _, who := range []struct {
		role auth.Role
		sub  string
	}{{auth.JuryChair, chair}, {auth.ProgrammeOfficer, "officer-1"}, {auth.Auditor, "auditor-1"}} {
		got, err := h.client.GetRanking(h.as(who.role, who.sub), &reviewv1.GetRankingRequest{Name: callName + "/ranking"})
		if err != nil {
			t.Fatalf("%s: %v", who.role, err)
		}
		if !got.GetRankTime().AsTime().Equal(again.GetRankTime().AsTime()) || len(got.GetEntries()) != 3 ||
			got.GetEntries()[0].GetTotal() != e1.GetTotal() || got.GetEntries()[1].GetReason() != ranking.GetEntries()[1].GetReason() {
			t.Fatalf("%s reads %v, want the latest ranking %v", who.role, got, again)
		}
	}

	// 3 applications received, 1 call configured, 9 assignments, 7 declarations of interests,
	// 9 declarations of no conflict, 9 reviews, 2 ranking runs, 3 decisions: every change is in
	// the chain, and the chain holds.
	if n := h.verifyAudit(); n != 3+1+9+7+9+9+2+3 {
		t.Fatalf("%d audit entries, want %d", n, 3+1+9+7+9+9+2+3)
	}
}
