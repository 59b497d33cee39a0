package review_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/guichet/guichet/platform/auth"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

func (h *harness) feedback(ctx context.Context, app string) (*reviewv1.Feedback, error) {
	return h.client.GetFeedback(ctx, &reviewv1.GetFeedbackRequest{Name: app + "/feedback"})
}

// The feedback of each decision of rankedCall: a2 selected, a1 first on the reserve list, a3
// rejected below the data threshold; the reviewers are labelled, never named.
func TestFeedbackOnEachDecision(t *testing.T) {
	h := rankedCall(t)
	system := h.as(auth.System, "worker")

	reserve, err := h.feedback(system, appName("a1"))
	if err != nil {
		t.Fatal(err)
	}
	if reserve.GetName() != appName("a1")+"/feedback" || reserve.GetDecision() != "RESERVE" || reserve.GetReservePosition() != 1 ||
		reserve.GetTitle() != "Project a1" || reserve.GetTotal() != 16 || reserve.GetOverallThreshold() != 12 || !reserve.GetAboveThresholds() ||
		reserve.GetConsensus() || reserve.GetConsensusComment() != "" || !strings.Contains(reserve.GetReason(), "reserve list position 1") {
		t.Fatalf("reserve feedback %v", reserve)
	}
	if len(reserve.GetCriteria()) != 3 || len(reserve.GetReviewers()) != 3 {
		t.Fatalf("criteria %v, reviewers %v", reserve.GetCriteria(), reserve.GetReviewers())
	}
	impact := reserve.GetCriteria()[0]
	if impact.GetCriterion() != "impact" || impact.GetWeight() != 2 || impact.GetThreshold() != 3 || impact.GetScore() != 4 || !impact.GetReached() ||
		len(impact.GetReviewerScores()) != 3 {
		t.Fatalf("impact %v", impact)
	}
	for i, r := range reserve.GetReviewers() {
		label := "Reviewer " + string(rune('A'+i))
		if r.GetReviewer() != label || r.GetComment() != "read with care" || r.GetTotal() != 16 || impact.GetReviewerScores()[i].GetReviewer() != label {
			t.Fatalf("reviewer %d: %v", i, r)
		}
	}
	// No reviewer's subject appears anywhere in what the applicant is shown.
	doc, err := protojson.Marshal(reserve)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range jury {
		if strings.Contains(string(doc), r) {
			t.Fatalf("the feedback names %s: %s", r, doc)
		}
	}

	selected, err := h.feedback(system, appName("a2"))
	if err != nil {
		t.Fatal(err)
	}
	if selected.GetDecision() != "SELECTED" || selected.GetRank() != 2 || selected.GetReservePosition() != 0 || !strings.HasPrefix(selected.GetReason(), "funded") {
		t.Fatalf("selected feedback %v", selected)
	}

	rejected, err := h.feedback(h.as(auth.ProgrammeOfficer, "po"), appName("a3"))
	if err != nil {
		t.Fatal(err)
	}
	data := rejected.GetCriteria()[1]
	if rejected.GetDecision() != "REJECTED" || rejected.GetAboveThresholds() || !strings.Contains(rejected.GetReason(), "criterion data") ||
		data.GetCriterion() != "data" || data.GetScore() != 2 || data.GetReached() || !rejected.GetCriteria()[0].GetReached() {
		t.Fatalf("rejected feedback %v", rejected)
	}
	// a3's first reviewer declared a conflict: its replacement's review is one of three, labelled alike.
	if len(rejected.GetReviewers()) != 3 {
		t.Fatalf("reviewers of a3 %v", rejected.GetReviewers())
	}

	t.Run("who may read it", func(t *testing.T) {
		for _, ctx := range []context.Context{h.as(auth.JuryChair, chair), h.as(auth.Auditor, "auditor")} {
			if _, err := h.feedback(ctx, appName("a1")); err != nil {
				t.Fatal(err)
			}
		}
		_, err := h.feedback(h.iss.Context(context.Background(), auth.Applicant, "alice", "13002526500013"), appName("a1"))
		wantCode(t, err, codes.PermissionDenied)
		_, err = h.feedback(h.as(auth.Reviewer, "reviewer-1"), appName("a1"))
		wantCode(t, err, codes.PermissionDenied)
		_, err = h.feedback(h.as(auth.JuryChair, "other-chair"), appName("a1"))
		wantCode(t, err, codes.NotFound)
		_, err = h.feedback(system, appName("zz"))
		wantCode(t, err, codes.NotFound)
		_, err = h.client.GetFeedback(system, &reviewv1.GetFeedbackRequest{Name: appName("a1")})
		wantCode(t, err, codes.InvalidArgument)
	})

	t.Run("not before the decision", func(t *testing.T) {
		h.assign(assignRequest("a4", 100_000_00, 3*time.Hour))
		_, err := h.feedback(system, appName("a4"))
		if st := wantCode(t, err, codes.FailedPrecondition); !strings.Contains(st.Message(), "no decision yet") {
			t.Fatalf("message %q", st.Message())
		}
	})

	t.Run("a promoted reserve project reads SELECTED", func(t *testing.T) {
		if _, err := h.client.RecordWithdrawal(system, &reviewv1.RecordWithdrawalRequest{Application: appName("a2"), Withdrawn: true, Reason: "the team left"}); err != nil {
			t.Fatal(err)
		}
		promoted, err := h.feedback(system, appName("a1"))
		if err != nil {
			t.Fatal(err)
		}
		if promoted.GetDecision() != "SELECTED" || promoted.GetReservePosition() != 0 || !strings.Contains(promoted.GetReason(), "promoted from the reserve list") {
			t.Fatalf("promoted feedback %v", promoted)
		}
	})
}

// A divergent application's feedback gives the chair's consensus as the final score, with its
// comment, beside the reviewers' own scores.
func TestFeedbackWithConsensus(t *testing.T) {
	h := newHarness(t)
	a1 := reviewers(h.assign(assignRequest("a1", 600_000_00, 0)))
	for _, r := range jury {
		h.sign(auth.Reviewer, r)
	}
	h.sign(auth.JuryChair, chair)
	h.review(a1[0], appName("a1"), scores(5, 4, 4))
	h.review(a1[1], appName("a1"), scores(3, 4, 4))
	h.review(a1[2], appName("a1"), scores(4.5, 4, 4))
	chairCtx := h.as(auth.JuryChair, chair)
	const comment = "the jury agreed on 4 after discussion"
	if _, err := h.client.RecordConsensus(chairCtx, &reviewv1.RecordConsensusRequest{Parent: appName("a1"), Consensus: consensus(4, 4, 4, comment)}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.RankCall(chairCtx, &reviewv1.RankCallRequest{Name: callName}); err != nil {
		t.Fatal(err)
	}
	f, err := h.feedback(h.as(auth.System, "worker"), appName("a1"))
	if err != nil {
		t.Fatal(err)
	}
	impact := f.GetCriteria()[0]
	if !f.GetConsensus() || f.GetConsensusComment() != comment || f.GetTotal() != 16 || impact.GetScore() != 4 {
		t.Fatalf("feedback %v", f)
	}
	var got []float64
	for _, s := range impact.GetReviewerScores() {
		got = append(got, s.GetScore())
	}
	if len(got) != 3 || got[0] != 5 || got[1] != 3 || got[2] != 4.5 {
		t.Fatalf("reviewers' impact scores %v, want 5, 3, 4.5 in the order of submission", got)
	}
}

// The ranking and its inputs are the jury's until the minutes are signed, and everyone's after.
func TestRankingPublishedBySigningTheMinutes(t *testing.T) {
	h := rankedCall(t)
	name := callName + "/ranking"
	outsiders := map[string]context.Context{
		"applicant":   h.iss.Context(context.Background(), auth.Applicant, "alice", "13002526500013"),
		"reviewer":    h.as(auth.Reviewer, "reviewer-1"),
		"finance":     h.as(auth.FinanceOfficer, "finance-1"),
		"other chair": h.as(auth.JuryChair, "other-chair"),
		"anonymous":   context.Background(),
	}
	read := func(ctx context.Context) error {
		if _, err := h.client.GetRanking(ctx, &reviewv1.GetRankingRequest{Name: name}); err != nil {
			return err
		}
		_, err := h.client.GetRankingInputs(ctx, &reviewv1.GetRankingInputsRequest{Name: name})
		return err
	}

	for _, ctx := range []context.Context{h.as(auth.JuryChair, chair), h.as(auth.ProgrammeOfficer, "po"), h.as(auth.Auditor, "auditor")} {
		if err := read(ctx); err != nil {
			t.Fatalf("before publication: %v", err)
		}
	}
	for who, ctx := range outsiders {
		err := read(ctx)
		if who == "other chair" {
			wantCode(t, err, codes.NotFound)
			continue
		}
		st := wantCode(t, err, codes.PermissionDenied)
		if !strings.Contains(st.Message(), "not published yet") {
			t.Fatalf("%s: %q", who, st.Message())
		}
		var reason string
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok {
				reason = info.GetReason()
			}
		}
		if reason != "RANKING_NOT_PUBLISHED" {
			t.Fatalf("%s: details %v", who, st.Details())
		}
	}

	if _, err := h.client.SignMinutes(h.as(auth.JuryChair, chair), &reviewv1.SignMinutesRequest{Name: callName + "/minutes"}); err != nil {
		t.Fatal(err)
	}
	for who, ctx := range outsiders {
		got, err := h.client.GetRanking(ctx, &reviewv1.GetRankingRequest{Name: name})
		if err != nil {
			t.Fatalf("%s after publication: %v", who, err)
		}
		if len(got.GetEntries()) != 3 || got.GetEntries()[1].GetApplication() != appName("a2") {
			t.Fatalf("%s reads %v", who, got)
		}
		body, err := h.client.GetRankingInputs(ctx, &reviewv1.GetRankingInputsRequest{Name: name})
		if err != nil || !strings.Contains(string(body.GetData()), `"overallThreshold"`) {
			t.Fatalf("%s reads the inputs: %v %s", who, err, body.GetData())
		}
	}
	// Publication opens a ranking that exists, nothing more.
	_, err := h.client.GetRanking(context.Background(), &reviewv1.GetRankingRequest{Name: "calls/unknown/ranking"})
	wantCode(t, err, codes.PermissionDenied)
}
