package review_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

func consensus(impact, data, feasibility float64, comment string) *reviewv1.Consensus {
	c := scores(impact, data, feasibility)
	return &reviewv1.Consensus{Scores: c.GetScores(), Comment: comment}
}

// Divergent reviews flag the application; the call cannot be ranked until the chair records a
// consensus, which then is the application's score, never the reviewers' average.
func TestDivergenceAndConsensus(t *testing.T) {
	h := newHarness(t)
	a1 := reviewers(h.assign(assignRequest("a1", 600_000_00, 0)))
	a2 := reviewers(h.assign(assignRequest("a2", 300_000_00, time.Hour)))
	for _, r := range jury {
		h.sign(auth.Reviewer, r)
	}
	h.sign(auth.JuryChair, chair)
	chairCtx := h.as(auth.JuryChair, chair)
	record := func(app string, c *reviewv1.Consensus) (*reviewv1.Consensus, error) {
		return h.client.RecordConsensus(chairCtx, &reviewv1.RecordConsensusRequest{Parent: app, Consensus: c})
	}

	// a1: impact spreads from 3 to 5. a2: the reviewers agree.
	h.review(a1[0], appName("a1"), scores(5, 4, 4))
	h.review(a1[1], appName("a1"), scores(3, 4, 4))
	for _, r := range a2 {
		h.review(r, appName("a2"), scores(4, 4, 4))
	}

	t.Run("the queue shows a divergence before every review is in", func(t *testing.T) {
		list, err := h.client.ListDivergences(chairCtx, &reviewv1.ListDivergencesRequest{Parent: callName})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.GetDivergences()) != 1 {
			t.Fatalf("divergences %v, want a1 only", list.GetDivergences())
		}
		d := list.GetDivergences()[0]
		if d.GetApplication() != appName("a1") || d.GetApplicationTitle() != "Project a1" || d.GetReviews() != 2 || d.GetReviewers() != 3 ||
			d.GetConsensusRecorded() || d.GetMinTotal() != 14 || d.GetMaxTotal() != 18 || len(d.GetSpreads()) != 3 {
			t.Fatalf("divergence %v", d)
		}
		impact := d.GetSpreads()[0]
		if impact.GetCriterion() != "impact" || impact.GetMin() != 3 || impact.GetMax() != 5 || impact.GetSpread() != 2 || !impact.GetDivergent() ||
			d.GetSpreads()[1].GetDivergent() || !strings.Contains(strings.Join(d.GetReasons(), ";"), "criterion impact spreads from 3 to 5") {
			t.Fatalf("spreads %v, reasons %q", d.GetSpreads(), d.GetReasons())
		}
		_, err = record(appName("a1"), consensus(4, 4, 4, "the jury agreed on 4 after discussion"))
		if st := wantCode(t, err, codes.FailedPrecondition); !strings.Contains(st.Message(), "2 of 3 reviews") {
			t.Fatalf("message %q", st.Message())
		}
	})

	h.review(a1[2], appName("a1"), scores(4, 4, 4))

	t.Run("no ranking without the consensus", func(t *testing.T) {
		_, err := h.client.RankCall(chairCtx, &reviewv1.RankCallRequest{Name: callName})
		st := wantCode(t, err, codes.FailedPrecondition)
		if !strings.Contains(st.Message(), appName("a1")) || strings.Contains(st.Message(), appName("a2")) {
			t.Fatalf("message %q should name a1 only", st.Message())
		}
		var subjects []string
		for _, d := range st.Details() {
			if pf, ok := d.(*errdetails.PreconditionFailure); ok {
				for _, v := range pf.GetViolations() {
					if v.GetType() == "CONSENSUS_MISSING" {
						subjects = append(subjects, v.GetSubject())
					}
				}
			}
		}
		if !slices.Equal(subjects, []string{appName("a1")}) {
			t.Fatalf("details name %v", subjects)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		_, err := h.client.RecordConsensus(h.as(auth.Reviewer, a1[0]), &reviewv1.RecordConsensusRequest{Parent: appName("a1"), Consensus: consensus(4, 4, 4, "I decide, being a reviewer")})
		wantCode(t, err, codes.PermissionDenied)
		_, err = h.client.RecordConsensus(h.as(auth.JuryChair, "chair-2"), &reviewv1.RecordConsensusRequest{Parent: appName("a1"), Consensus: consensus(4, 4, 4, "another call's chair")})
		wantCode(t, err, codes.NotFound)
		_, err = h.client.ListDivergences(h.as(auth.JuryChair, "chair-2"), &reviewv1.ListDivergencesRequest{Parent: callName})
		wantCode(t, err, codes.NotFound)
		_, err = h.client.ListDivergences(h.as(auth.Reviewer, a1[0]), &reviewv1.ListDivergencesRequest{Parent: callName})
		wantCode(t, err, codes.PermissionDenied)
		_, err = record(appName("a2"), consensus(4, 4, 4, "they agreed anyway"))
		if st := wantCode(t, err, codes.FailedPrecondition); !strings.Contains(st.Message(), "agree") {
			t.Fatalf("message %q", st.Message())
		}
		for _, tc := range []struct {
			name      string
			consensus *reviewv1.Consensus
			field     string
		}{
			{"short comment", consensus(4, 4, 4, "ok"), "consensus.comment"},
			{"blank comment", consensus(4, 4, 4, "          "), "consensus.comment"},
			{"quarter step", consensus(3.25, 4, 4, "the jury agreed"), "consensus.scores[0].score"},
			{"above five", consensus(4, 5.5, 4, "the jury agreed"), "consensus.scores[1].score"},
			{"criterion missing", &reviewv1.Consensus{Scores: scores(4, 4, 4).GetScores()[:2], Comment: "the jury agreed"}, "consensus.scores"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := record(appName("a1"), tc.consensus)
				st := wantCode(t, err, codes.InvalidArgument)
				if f := fieldViolations(st); !slices.Contains(f, tc.field) {
					t.Fatalf("violations %v, want %s", f, tc.field)
				}
			})
		}
		if n := h.auditCount("consensus.recorded"); n != 0 {
			t.Fatalf("%d consensus entries from refusals", n)
		}
	})

	t.Run("recorded, revised, then ranked on it", func(t *testing.T) {
		c, err := record(appName("a1"), consensus(3.5, 4, 4, "impact discussed: the data access is uncertain"))
		if err != nil {
			t.Fatal(err)
		}
		if c.GetName() != appName("a1")+"/consensus" || c.GetChair() != chair || c.GetTotal() != 15 || c.GetScores()[0].GetScore() != 3.5 ||
			!c.GetCreateTime().AsTime().Equal(start) {
			t.Fatalf("consensus %v", c)
		}
		h.clock.Advance(time.Hour)
		c, err = record(appName("a1"), consensus(3, 4, 4, "revised: the partner letter is missing"))
		if err != nil {
			t.Fatal(err)
		}
		if c.GetTotal() != 14 || !c.GetCreateTime().AsTime().Equal(start) || !c.GetUpdateTime().AsTime().Equal(start.Add(time.Hour)) {
			t.Fatalf("revised consensus %v", c)
		}
		if h.auditCount("consensus.recorded") != 1 || h.auditCount("consensus.revised") != 1 {
			t.Fatal("the consensus and its revision are not both audited")
		}
		list, err := h.client.ListDivergences(chairCtx, &reviewv1.ListDivergencesRequest{Parent: callName})
		if err != nil || len(list.GetDivergences()) != 1 || !list.GetDivergences()[0].GetConsensusRecorded() {
			t.Fatalf("divergences %v (%v)", list.GetDivergences(), err)
		}

		ranking, err := h.client.RankCall(chairCtx, &reviewv1.RankCallRequest{Name: callName})
		if err != nil {
			t.Fatal(err)
		}
		// a1's reviews average (5+3+4)/3 = 4 on impact, total 16, which would rank it first.
		// Its consensus of 3 makes 14, below a2's 16.
		e := ranking.GetEntries()
		if len(e) != 2 || e[0].GetApplication() != appName("a2") || e[0].GetConsensus() || e[0].GetTotal() != 16 ||
			e[1].GetApplication() != appName("a1") || !e[1].GetConsensus() || e[1].GetTotal() != 14 || e[1].GetScores()[0].GetScore() != 3 {
			t.Fatalf("ranking %v", e)
		}
		_, err = record(appName("a1"), consensus(5, 5, 5, "after the ranking, a change of heart"))
		if st := wantCode(t, err, codes.FailedPrecondition); !strings.Contains(st.Message(), "decided") {
			t.Fatalf("message %q", st.Message())
		}
	})
	h.verifyAudit()
}

// The chair reads each review's total beside its calibration against its reviewer's habits; a
// reviewer never gets the calibration.
func TestCalibratedTotals(t *testing.T) {
	h := newHarness(t)
	req := func(id string) *reviewv1.AssignReviewersRequest {
		r := assignRequest(id, 100_000_00, 0)
		r.Reviewers = jury[:3]
		return r
	}
	h.assign(req("a1"))
	h.assign(req("a2"))
	for _, r := range jury[:3] {
		h.sign(auth.Reviewer, r)
	}
	h.sign(auth.JuryChair, chair)
	// reviewer-1 is severe (12, then 14), reviewer-2 generous (18, then 19), reviewer-3 gives 16 twice.
	h.review(jury[0], appName("a1"), scores(3, 3, 3))
	h.review(jury[0], appName("a2"), scores(3.5, 3.5, 3.5))
	h.review(jury[1], appName("a1"), scores(4.5, 4.5, 4.5))
	h.review(jury[1], appName("a2"), scores(5, 4.5, 4.5))
	h.review(jury[2], appName("a1"), scores(4, 4, 4))
	h.review(jury[2], appName("a2"), scores(4, 4, 4))

	list, err := h.client.ListReviews(h.as(auth.JuryChair, chair), &reviewv1.ListReviewsRequest{Parent: appName("a1")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ total, calibrated float64 }{
		jury[0]: {12, -1}, jury[1]: {18, -1}, jury[2]: {16, 0},
	}
	for _, r := range list.GetReviews() {
		w := want[r.GetReviewer()]
		if r.GetTotal() != w.total || r.CalibratedTotal == nil || math.Abs(r.GetCalibratedTotal()-w.calibrated) > 1e-12 {
			t.Fatalf("%s: total %v calibrated %v, want %v and %v", r.GetReviewer(), r.GetTotal(), r.CalibratedTotal, w.total, w.calibrated)
		}
	}
	if len(list.GetReviews()) != 3 {
		t.Fatalf("%d reviews", len(list.GetReviews()))
	}
	mine, err := h.client.ListReviews(h.as(auth.Reviewer, jury[0]), &reviewv1.ListReviewsRequest{Parent: appName("a1")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range mine.GetReviews() {
		if r.CalibratedTotal != nil {
			t.Fatalf("a reviewer sees the calibration %v", r)
		}
	}
}
