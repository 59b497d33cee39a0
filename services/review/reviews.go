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

// CreateReview records an assigned reviewer's scores, once it declared no conflict on the
// application. The review that completes the application (every reviewer it needs, replacements
// included, has reviewed) signals its workflow in the same transaction.
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
		// The call first, shared, as the other changes take it before the application: the
		// signature of the minutes (forUpdate) cannot slip between the check below and the commit.
		c, _, err := loadCall(ctx, tx, callID, forShare)
		if err != nil {
			return err
		}
		// Locking the application serialises its reviews (and déports), so exactly one of them
		// sees the application complete and signals the workflow.
		st, ok, err := seatOf(ctx, tx, appName, p.Subject, true)
		if err != nil {
			return err
		}
		// Unassigned and recused reviewers alike see no such application.
		if !ok || !st.active() {
			return notFound("application %s not found", appName)
		}
		if err := requireSigned(ctx, tx, callID, p.Subject); err != nil {
			return err
		}
		// The signed minutes froze the jury's work: a review (of a replacement, say) comes too late.
		if err := refuseIfSigned(ctx, tx, callID, "review an application"); err != nil {
			return err
		}
		if st.declaration != domain.NoConflict {
			return errUndeclared
		}
		var reviewed bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM reviews WHERE application = $1 AND reviewer = $2)`,
			appName, p.Subject).Scan(&reviewed); err != nil {
			return err
		}
		if reviewed {
			return status.Errorf(codes.AlreadyExists, "you already reviewed %s", appName)
		}
		scores, err := domain.CheckReview(c.Criteria, given, req.GetReview().GetComment())
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
		// The application is locked (seatOf): its staffing read now, plus this review, is what
		// the commit leaves.
		staffed, err := staffingOf(ctx, tx, appName)
		if err != nil {
			return err
		}
		staffed.reviewed++
		// The review, the assignment's state, the workflow's signal and the audit entry go in one
		// round trip, the entry last: the chain's lock is then held only until the commit.
		change := &pgx.Batch{}
		change.Queue(`INSERT INTO reviews (application, reviewer, scores, comment, total, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			appName, p.Subject, scoresJSON, comment, total, now)
		change.Queue(`UPDATE assignments SET state = 'REVIEWED' WHERE application = $1 AND reviewer = $2`, appName, p.Subject)
		if staffed.complete() {
			if err := outbox.Queue(ctx, change, outbox.Message{
				WorkflowID: flow.ApplicationWorkflowID(appName),
				Signal:     flow.SignalReviewsComplete,
				Payload:    flow.ReviewsComplete{Reviews: staffed.reviewed},
			}); err != nil {
				return err
			}
		}
		out = reviewProto(appName, p.Subject, scores, comment, total, now)
		return audit.AppendAfter(ctx, tx, change, audit.Entry{At: now, Action: "review.created", Object: out.GetName(),
			Before: map[string]any{"state": "ASSIGNED"},
			After:  map[string]any{"state": "REVIEWED", "scores": scores, "total": total, "comment": comment}}.FromPrincipal(p))
	})
	if err != nil {
		return nil, err
	}
	s.publishLive(ctx, callID, "review", appName)
	return out, nil
}

// ListReviews shows an application's reviews: its chair sees all, with each total calibrated
// against its reviewer's habits; an assigned reviewer that declared no conflict sees its own,
// and the others' once its own is in, so that they cannot sway it. A déport hides the file from
// its declarant, chair or not.
func (s *Service) ListReviews(ctx context.Context, req *reviewv1.ListReviewsRequest) (*reviewv1.ListReviewsResponse, error) {
	p := auth.FromContext(ctx)
	appName := req.GetParent()
	callID, _, err := resource.ParseApplication(appName)
	if err != nil {
		return nil, badName("parent", appName, "calls/*/applications/*")
	}
	var out []*reviewv1.Review
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		st, chair, err := mayRead(ctx, tx, callID, appName, p)
		if err != nil {
			return err
		}
		where, args := `application = $1 AND reviewer = $2`, []any{appName, p.Subject}
		if chair || st.state == reviewed {
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
		if err != nil || !chair {
			return err
		}
		return calibrate(ctx, tx, callID, appName, out)
	})
	if err != nil {
		return nil, err
	}
	return &reviewv1.ListReviewsResponse{Reviews: out}, nil
}

// mayRead decides whether p may read an application's file: a jury member assigned to it (not
// recused) who signed the call's declaration of interests and declared no conflict on it, or the
// call's chair (unless recused). Anyone else is told the application does not exist.
func mayRead(ctx context.Context, tx pgx.Tx, callID, appName string, p auth.Principal) (st seat, chair bool, err error) {
	st, ok, err := seatOf(ctx, tx, appName, p.Subject, false)
	if err != nil {
		return seat{}, false, err
	}
	if !ok || st.state == recused {
		return seat{}, false, notFound("application %s not found", appName)
	}
	c, _, err := loadCall(ctx, tx, callID, noLock)
	if err != nil {
		return seat{}, false, err
	}
	chair = c.chairedBy(p)
	if !chair && !st.active() {
		return seat{}, false, notFound("application %s not found", appName)
	}
	if err := requireSigned(ctx, tx, callID, p.Subject); err != nil {
		return seat{}, false, err
	}
	// A member on the file reads it only once it declared no conflict, the chair included.
	if st.active() && st.declaration != domain.NoConflict {
		return seat{}, false, errUndeclared
	}
	return st, chair, nil
}

// CheckReader tells the applications service whether a jury member may read an application's
// file (without bank details). Internal (role system).
func (s *Service) CheckReader(ctx context.Context, req *reviewv1.CheckReaderRequest) (*reviewv1.CheckReaderResponse, error) {
	callID, _, err := resource.ParseApplication(req.GetApplication())
	if err != nil {
		return nil, badName("application", req.GetApplication(), "calls/*/applications/*")
	}
	reader := auth.Principal{Subject: req.GetReader(), Role: auth.Role(req.GetRole())}
	out := &reviewv1.CheckReaderResponse{}
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		_, _, err := mayRead(ctx, tx, callID, req.GetApplication(), reader)
		if err == nil {
			out.Allowed = true
			return nil
		}
		if st, ok := status.FromError(err); ok && (st.Code() == codes.NotFound || st.Code() == codes.FailedPrecondition) {
			out.Reason = st.Message()
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// calibrate fills the calibrated totals of an application's reviews, each against all of its
// reviewer's reviews in the call.
func calibrate(ctx context.Context, tx pgx.Tx, callID, appName string, reviews []*reviewv1.Review) error {
	if len(reviews) == 0 {
		return nil
	}
	var reviewers []string
	for _, r := range reviews {
		reviewers = append(reviewers, r.GetReviewer())
	}
	rows, err := tx.Query(ctx, `SELECT r.application, r.reviewer, r.total FROM reviews r JOIN applications p ON p.name = r.application
		WHERE p.call = $1 AND r.reviewer = ANY($2)`, callID, reviewers)
	if err != nil {
		return err
	}
	var (
		totals []domain.ReviewTotal
		t      domain.ReviewTotal
	)
	if _, err := pgx.ForEachRow(rows, []any{&t.Application, &t.Reviewer, &t.Total}, func() error {
		totals = append(totals, t)
		return nil
	}); err != nil {
		return err
	}
	z := domain.Calibrate(totals)
	for _, r := range reviews {
		v, ok := z[domain.Pair{Application: appName, Reviewer: r.GetReviewer()}]
		if !ok {
			return errors.New("calibration lost the review of " + r.GetName())
		}
		r.CalibratedTotal = &v
	}
	return nil
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
