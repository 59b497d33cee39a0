package review_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// refusalsSetup assigns a1 and returns its reviewers and a jury member not assigned to it.
func refusalsSetup(t *testing.T) (h *harness, assigned []string, outsider string) {
	h = newHarness(t)
	assigned = reviewers(h.assign(assignRequest("a1", 100_000_00, 0)))
	for _, r := range jury {
		if !slices.Contains(assigned, r) {
			outsider = r
			break
		}
	}
	return h, assigned, outsider
}

func TestDeclarationRequired(t *testing.T) {
	h, assigned, _ := refusalsSetup(t)
	r := assigned[0]
	ctx := h.as(auth.Reviewer, r)

	_, err := h.client.ListAssignments(ctx, &reviewv1.ListAssignmentsRequest{Parent: callName})
	if st := wantCode(t, err, codes.FailedPrecondition); st.Message() != "sign the declaration of interests first" {
		t.Fatalf("message %q", st.Message())
	}
	_, err = h.client.CreateReview(ctx, &reviewv1.CreateReviewRequest{Parent: appName("a1"), Review: scores(4, 4, 4)})
	wantCode(t, err, codes.FailedPrecondition)
	_, err = h.client.ListReviews(ctx, &reviewv1.ListReviewsRequest{Parent: appName("a1")})
	wantCode(t, err, codes.FailedPrecondition)
	_, err = h.client.ListAssignments(h.as(auth.JuryChair, chair), &reviewv1.ListAssignmentsRequest{Parent: callName})
	wantCode(t, err, codes.FailedPrecondition)

	// Signing twice keeps the first signature.
	first := h.sign(auth.Reviewer, r)
	h.clock.Advance(time.Hour)
	second := h.sign(auth.Reviewer, r)
	if !first.GetSignTime().AsTime().Equal(start) || !second.GetSignTime().AsTime().Equal(start) ||
		second.GetName() != callName+"/declarations/"+r || second.GetReviewer() != r {
		t.Fatalf("declarations %v then %v", first, second)
	}
	if n := h.auditCount("declaration.signed"); n != 1 {
		t.Fatalf("%d declaration.signed entries, want 1", n)
	}
	if _, err := h.client.ListAssignments(ctx, &reviewv1.ListAssignmentsRequest{Parent: callName}); err != nil {
		t.Fatal(err)
	}

	// Outside the jury, or on a call the service has never seen, there is nothing to sign.
	_, err = h.client.SignDeclaration(h.as(auth.Reviewer, "reviewer-99"), &reviewv1.SignDeclarationRequest{Parent: callName, Accepted: true})
	wantCode(t, err, codes.NotFound)
	_, err = h.client.SignDeclaration(ctx, &reviewv1.SignDeclarationRequest{Parent: "calls/other", Accepted: true})
	wantCode(t, err, codes.NotFound)
	_, err = h.client.ListAssignments(h.as(auth.Reviewer, "reviewer-99"), &reviewv1.ListAssignmentsRequest{Parent: callName})
	wantCode(t, err, codes.NotFound)
	// The declaration must be accepted (protovalidate).
	_, err = h.client.SignDeclaration(ctx, &reviewv1.SignDeclarationRequest{Parent: callName})
	wantCode(t, err, codes.InvalidArgument)
}

func TestReviewRefusals(t *testing.T) {
	h, assigned, outsider := refusalsSetup(t)
	for _, r := range jury {
		h.sign(auth.Reviewer, r)
	}
	r := assigned[0]

	t.Run("reading and scoring need a declaration of no conflict", func(t *testing.T) {
		ctx := h.as(auth.Reviewer, r)
		_, err := h.client.CreateReview(ctx, &reviewv1.CreateReviewRequest{Parent: appName("a1"), Review: scores(4, 4, 4)})
		if st := wantCode(t, err, codes.FailedPrecondition); !strings.Contains(st.Message(), "conflict of interest") {
			t.Fatalf("message %q", st.Message())
		}
		_, err = h.client.ListReviews(ctx, &reviewv1.ListReviewsRequest{Parent: appName("a1")})
		wantCode(t, err, codes.FailedPrecondition)
		mine, err := h.client.ListAssignments(ctx, &reviewv1.ListAssignmentsRequest{Parent: callName})
		if err != nil || len(mine.GetAssignments()) != 1 || mine.GetAssignments()[0].GetConflictDeclaration() != "UNDECLARED" {
			t.Fatalf("assignments %v (%v)", mine.GetAssignments(), err)
		}
		d := h.declare(r, appName("a1"), false, "")
		if d.GetConflict() || d.GetName() != appName("a1")+"/conflicts/"+r || d.GetReviewer() != r || !d.GetCreateTime().AsTime().Equal(start) {
			t.Fatalf("declaration %v", d)
		}
		// Declaring no conflict again is a no-op that returns the first declaration.
		h.clock.Advance(time.Minute)
		if again := h.declare(r, appName("a1"), false, ""); !again.GetCreateTime().AsTime().Equal(start) {
			t.Fatalf("the repeat returned %v", again)
		}
		if n := h.auditCount("conflict.declared"); n != 1 {
			t.Fatalf("%d conflict.declared entries, want 1", n)
		}
		mine, err = h.client.ListAssignments(ctx, &reviewv1.ListAssignmentsRequest{Parent: callName})
		if err != nil || mine.GetAssignments()[0].GetConflictDeclaration() != "NO_CONFLICT" {
			t.Fatalf("assignments %v (%v)", mine.GetAssignments(), err)
		}
		if _, err := h.client.ListReviews(ctx, &reviewv1.ListReviewsRequest{Parent: appName("a1")}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("unassigned reviewer sees nothing", func(t *testing.T) {
		ctx := h.as(auth.Reviewer, outsider)
		_, err := h.client.CreateReview(ctx, &reviewv1.CreateReviewRequest{Parent: appName("a1"), Review: scores(4, 4, 4)})
		wantCode(t, err, codes.NotFound)
		_, err = h.client.ListReviews(ctx, &reviewv1.ListReviewsRequest{Parent: appName("a1")})
		wantCode(t, err, codes.NotFound)
		// The same answer as for an application that does not exist.
		_, err = h.client.CreateReview(ctx, &reviewv1.CreateReviewRequest{Parent: appName("nothere"), Review: scores(4, 4, 4)})
		wantCode(t, err, codes.NotFound)
		_, err = h.client.ListReviews(ctx, &reviewv1.ListReviewsRequest{Parent: appName("nothere")})
		wantCode(t, err, codes.NotFound)
		// A chair of another call is an outsider too.
		_, err = h.client.ListReviews(h.as(auth.JuryChair, "chair-2"), &reviewv1.ListReviewsRequest{Parent: appName("a1")})
		wantCode(t, err, codes.NotFound)
		// Nor can it declare anything on a file it does not hold.
		_, err = h.client.CreateConflict(ctx, &reviewv1.CreateConflictRequest{Parent: appName("a1"), Conflict: false})
		wantCode(t, err, codes.NotFound)
		_, err = h.client.CreateConflict(ctx, &reviewv1.CreateConflictRequest{Parent: appName("a1"), Conflict: true, Reason: "my brother"})
		wantCode(t, err, codes.NotFound)
	})

	t.Run("bad scores", func(t *testing.T) {
		ctx := h.as(auth.Reviewer, r)
		for _, tc := range []struct {
			name   string
			review *reviewv1.Review
			field  string
		}{
			{"quarter step", scores(3.25, 4, 4), "review.scores[0].score"},
			{"above five", scores(4, 5.5, 4), "review.scores[1].score"},
			{"unknown criterion", &reviewv1.Review{Comment: "c", Scores: []*reviewv1.CriterionScore{
				{Criterion: "impact", Score: 4}, {Criterion: "budget", Score: 4}, {Criterion: "data", Score: 4}, {Criterion: "feasibility", Score: 4},
			}}, "review.scores[1].criterion"},
			{"criterion twice", &reviewv1.Review{Comment: "c", Scores: []*reviewv1.CriterionScore{
				{Criterion: "impact", Score: 4}, {Criterion: "data", Score: 4}, {Criterion: "data", Score: 4}, {Criterion: "feasibility", Score: 4},
			}}, "review.scores[2].criterion"},
			{"criterion missing", &reviewv1.Review{Comment: "c", Scores: []*reviewv1.CriterionScore{
				{Criterion: "impact", Score: 4}, {Criterion: "data", Score: 4},
			}}, "review.scores"},
			{"no comment", &reviewv1.Review{Scores: scores(4, 4, 4).GetScores()}, "review.comment"},
			// The console refuses a blank comment; so does the service, for every other client.
			{"blank comment", &reviewv1.Review{Comment: "  \n ", Scores: scores(4, 4, 4).GetScores()}, "review.comment"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := h.client.CreateReview(ctx, &reviewv1.CreateReviewRequest{Parent: appName("a1"), Review: tc.review})
				st := wantCode(t, err, codes.InvalidArgument)
				if f := fieldViolations(st); !slices.Contains(f, tc.field) {
					t.Fatalf("violations %v, want %s", f, tc.field)
				}
			})
		}
		var n int
		if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM reviews`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d reviews stored (%v) from bad scores", n, err)
		}
	})

	t.Run("others' reviews hidden until one's own is in", func(t *testing.T) {
		other := assigned[1]
		h.review(r, appName("a1"), scores(4, 4, 4))
		h.declare(other, appName("a1"), false, "")
		list, err := h.client.ListReviews(h.as(auth.Reviewer, other), &reviewv1.ListReviewsRequest{Parent: appName("a1")})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.GetReviews()) != 0 {
			t.Fatalf("%s sees %v before reviewing", other, list.GetReviews())
		}
		list, err = h.client.ListReviews(h.as(auth.Reviewer, r), &reviewv1.ListReviewsRequest{Parent: appName("a1")})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.GetReviews()) != 1 || list.GetReviews()[0].GetReviewer() != r {
			t.Fatalf("%s sees %v, want its own review only", r, list.GetReviews())
		}
		h.review(other, appName("a1"), scores(3, 3, 3))
		list, err = h.client.ListReviews(h.as(auth.Reviewer, other), &reviewv1.ListReviewsRequest{Parent: appName("a1")})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.GetReviews()) != 2 {
			t.Fatalf("%s sees %d reviews after its own, want 2", other, len(list.GetReviews()))
		}
	})

	t.Run("one review per reviewer", func(t *testing.T) {
		_, err := h.client.CreateReview(h.as(auth.Reviewer, r), &reviewv1.CreateReviewRequest{Parent: appName("a1"), Review: scores(5, 5, 5)})
		wantCode(t, err, codes.AlreadyExists)
	})

	t.Run("wrong role", func(t *testing.T) {
		applicant := h.iss.Context(context.Background(), auth.Applicant, "applicant-1", "13002526500013")
		_, err := h.client.ListAssignments(applicant, &reviewv1.ListAssignmentsRequest{Parent: callName})
		wantCode(t, err, codes.PermissionDenied)
		_, err = h.client.CreateReview(h.as(auth.ProgrammeOfficer, r), &reviewv1.CreateReviewRequest{Parent: appName("a1"), Review: scores(4, 4, 4)})
		wantCode(t, err, codes.PermissionDenied)
		_, err = h.client.SignDeclaration(h.as(auth.Auditor, r), &reviewv1.SignDeclarationRequest{Parent: callName, Accepted: true})
		wantCode(t, err, codes.PermissionDenied)
		_, err = h.client.GetRanking(h.as(auth.Reviewer, r), &reviewv1.GetRankingRequest{Name: callName + "/ranking"})
		wantCode(t, err, codes.PermissionDenied)
		_, err = h.client.RankCall(h.as(auth.Reviewer, chair), &reviewv1.RankCallRequest{Name: callName})
		wantCode(t, err, codes.PermissionDenied)
		_, err = h.client.ListReviews(context.Background(), &reviewv1.ListReviewsRequest{Parent: appName("a1")})
		wantCode(t, err, codes.Unauthenticated)
	})
	h.verifyAudit()
}

func TestRankingRefusals(t *testing.T) {
	h, assigned, _ := refusalsSetup(t)

	_, err := h.client.GetRanking(h.as(auth.ProgrammeOfficer, "officer-1"), &reviewv1.GetRankingRequest{Name: callName + "/ranking"})
	wantCode(t, err, codes.NotFound)

	// A chair of another call may neither rank this one nor read its ranking; the attempt is audited.
	_, err = h.client.RankCall(h.as(auth.JuryChair, "chair-2"), &reviewv1.RankCallRequest{Name: callName})
	wantCode(t, err, codes.PermissionDenied)
	if n := h.auditCount("ranking.refused"); n != 1 {
		t.Fatalf("%d ranking.refused entries, want 1", n)
	}
	_, err = h.client.GetRanking(h.as(auth.JuryChair, "chair-2"), &reviewv1.GetRankingRequest{Name: callName + "/ranking"})
	wantCode(t, err, codes.NotFound)
	_, err = h.client.RankCall(h.as(auth.JuryChair, chair), &reviewv1.RankCallRequest{Name: "calls/unknown"})
	wantCode(t, err, codes.NotFound)

	// Not before every assigned review is in.
	_, err = h.client.RankCall(h.as(auth.JuryChair, chair), &reviewv1.RankCallRequest{Name: callName})
	wantCode(t, err, codes.FailedPrecondition)
	for _, r := range assigned {
		h.sign(auth.Reviewer, r)
		h.review(r, appName("a1"), scores(4, 4, 4))
	}
	ranking, err := h.client.RankCall(h.as(auth.JuryChair, chair), &reviewv1.RankCallRequest{Name: callName})
	if err != nil {
		t.Fatal(err)
	}
	if len(ranking.GetEntries()) != 1 || ranking.GetEntries()[0].GetDecision() != "SELECTED" {
		t.Fatalf("ranking %v", ranking)
	}
	h.verifyAudit()
}
