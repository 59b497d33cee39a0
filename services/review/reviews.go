package review

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// CreateReview records an assigned reviewer's scores. The last review of an application signals
// its workflow, in the same transaction, that the reviews are complete.
func (s *Service) CreateReview(ctx context.Context, req *reviewv1.CreateReviewRequest) (*reviewv1.Review, error) {
	p := auth.FromContext(ctx)
	appName := req.GetParent()
	callID, _, err := resource.ParseApplication(appName)
	if err != nil {
		return nil, badName("parent", appName, "calls/*/applications/*")
	}
	given := make([]domain.Score, len(req.GetReview().GetScores()))
	for i, sc := range req.GetReview().GetScores() {
		given[i] = domain.Score{Criterion: sc.GetCriterion(), Score: sc.GetScore()}
	}
	now := s.now()
	var out *reviewv1.Review
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// Locking the application serialises its reviews, so exactly one of them sees the count
		// reach the number of assignments and signals the workflow.
		var assigned bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM assignments WHERE application = $1 AND reviewer = $2)
			FROM applications WHERE name = $1 FOR UPDATE`, appName, p.Subject).Scan(&assigned)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !assigned) {
			return notFound("application %s not found", appName)
		}
		if err != nil {
			return err
		}
		c, _, err := loadCall(ctx, tx, callID, false)
		if err != nil {
			return err
		}
		if err := requireSigned(ctx, tx, callID, p.Subject); err != nil {
			return err
		}
		var reviewed bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM reviews WHERE application = $1 AND reviewer = $2)`,
			appName, p.Subject).Scan(&reviewed); err != nil {
			return err
		}
		if reviewed {
			return status.Errorf(codes.AlreadyExists, "you already reviewed %s", appName)
		}
		scores, err := domain.CheckScores(c.Criteria, given)
		var bad domain.Invalid
		if errors.As(err, &bad) {
			return invalid("review.", bad)
		}
		if err != nil {
			return err
		}
		total := domain.Total(c.Criteria, scores)
		scoresJSON, err := json.Marshal(scores)
		if err != nil {
			return err
		}
		comment := req.GetReview().GetComment()
		if _, err := tx.Exec(ctx, `INSERT INTO reviews (application, reviewer, scores, comment, total, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			appName, p.Subject, scoresJSON, comment, total, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE assignments SET state = 'REVIEWED' WHERE application = $1 AND reviewer = $2`, appName, p.Subject); err != nil {
			return err
		}
		out = reviewProto(appName, p.Subject, scores, comment, total, now)
		if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "review.created", Object: out.GetName(),
			Before: map[string]any{"state": "ASSIGNED"},
			After:  map[string]any{"state": "REVIEWED", "scores": scores, "total": total, "comment": comment}}.FromPrincipal(p)); err != nil {
			return err
		}
		var reviews, assignmentCount int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM reviews WHERE application = $1),
			(SELECT count(*) FROM assignments WHERE application = $1)`, appName).Scan(&reviews, &assignmentCount); err != nil {
			return err
		}
		if reviews < assignmentCount {
			return nil
		}
		return outbox.Enqueue(ctx, tx, outbox.Message{
			WorkflowID: flow.ApplicationWorkflowID(appName),
			Signal:     flow.SignalReviewsComplete,
			Payload:    flow.ReviewsComplete{Reviews: reviews},
		})
	})
	if err != nil {
		return nil, s.edge(ctx, err)
	}
	return out, nil
}

// ListReviews shows an application's reviews: its chair sees all; an assigned reviewer sees its
// own, and the others' once its own is in, so that they cannot sway it.
func (s *Service) ListReviews(ctx context.Context, req *reviewv1.ListReviewsRequest) (*reviewv1.ListReviewsResponse, error) {
	p := auth.FromContext(ctx)
	appName := req.GetParent()
	callID, _, err := resource.ParseApplication(appName)
	if err != nil {
		return nil, badName("parent", appName, "calls/*/applications/*")
	}
	var out []*reviewv1.Review
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		var assigned, reviewed bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM assignments WHERE application = $1 AND reviewer = $2),
			EXISTS (SELECT 1 FROM reviews WHERE application = $1 AND reviewer = $2)
			FROM applications WHERE name = $1`, appName, p.Subject).Scan(&assigned, &reviewed)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("application %s not found", appName)
		}
		if err != nil {
			return err
		}
		c, _, err := loadCall(ctx, tx, callID, false)
		if err != nil {
			return err
		}
		chair := c.chairedBy(p)
		if !chair && !assigned {
			return notFound("application %s not found", appName)
		}
		if err := requireSigned(ctx, tx, callID, p.Subject); err != nil {
			return err
		}
		where, args := `application = $1 AND reviewer = $2`, []any{appName, p.Subject}
		if chair || reviewed {
			where, args = `application = $1`, []any{appName}
		}
		rows, err := tx.Query(ctx, `SELECT reviewer, scores, comment, total, created_at FROM reviews WHERE `+where+` ORDER BY created_at, reviewer`, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*reviewv1.Review, error) {
			var (
				reviewer, comment string
				scoresJSON        []byte
				total             float64
				created           time.Time
				scores            []domain.Score
			)
			if err := row.Scan(&reviewer, &scoresJSON, &comment, &total, &created); err != nil {
				return nil, err
			}
			if err := json.Unmarshal(scoresJSON, &scores); err != nil {
				return nil, err
			}
			return reviewProto(appName, reviewer, scores, comment, total, created), nil
		})
		return err
	})
	if err != nil {
		return nil, s.edge(ctx, err)
	}
	return &reviewv1.ListReviewsResponse{Reviews: out}, nil
}

func reviewProto(appName, reviewer string, scores []domain.Score, comment string, total float64, created time.Time) *reviewv1.Review {
	r := &reviewv1.Review{
		Name:       appName + "/reviews/" + reviewer,
		Reviewer:   reviewer,
		Comment:    comment,
		Total:      total,
		CreateTime: timestamppb.New(created),
	}
	for _, sc := range scores {
		r.Scores = append(r.Scores, &reviewv1.CriterionScore{Criterion: sc.Criterion, Score: sc.Score})
	}
	return r
}
