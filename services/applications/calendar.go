package applications

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

// callLifecycle is the order of a call's states (DOMAIN.md, "Call").
var callLifecycle = []string{"DRAFT", "OPEN", "CLOSED", "REVIEW", "DELIBERATION", "SELECTION", "FUNDING", "COMPLETED"}

// AdvanceCall moves a call forward in its lifecycle; a state already reached (or passed) is a no-op,
// so the workflow's retries and replays change nothing.
func (s *Service) AdvanceCall(ctx context.Context, req *appv1.AdvanceCallRequest) (*appv1.Call, error) {
	p := auth.FromContext(ctx)
	id, err := resource.ParseCall(req.GetName())
	if err != nil {
		return nil, invalid("name", err.Error())
	}
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM calls WHERE id = $1 FOR UPDATE`, id).Scan(&state); errors.Is(err, pgx.ErrNoRows) {
			return status.Errorf(codes.NotFound, "call %s not found", req.GetName())
		} else if err != nil {
			return err
		}
		if slices.Index(callLifecycle, req.GetState()) <= slices.Index(callLifecycle, state) {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE calls SET state = $2 WHERE id = $1`, id, req.GetState()); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: s.now(), Action: "call.advance", Object: req.GetName(),
			Before: map[string]string{"state": state}, After: map[string]string{"state": req.GetState()}}.FromPrincipal(p))
	})
	if err != nil {
		return nil, err
	}
	return s.getCall(ctx, id, auth.FromContext(ctx))
}

// ExtendCall pushes the call's deadlines back. Once the call is open its closing instant may only
// move later: applicants plan on it.
func (s *Service) ExtendCall(ctx context.Context, req *appv1.ExtendCallRequest) (*appv1.Call, error) {
	p := auth.FromContext(ctx)
	id, err := resource.ParseCall(req.GetName())
	if err != nil {
		return nil, invalid("name", err.Error())
	}
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var opens, closes, review time.Time
		var state string
		if err := tx.QueryRow(ctx, `SELECT state, opens_at, closes_at, review_deadline FROM calls WHERE id = $1 FOR UPDATE`, id).
			Scan(&state, &opens, &closes, &review); errors.Is(err, pgx.ErrNoRows) {
			return status.Errorf(codes.NotFound, "call %s not found", req.GetName())
		} else if err != nil {
			return err
		}
		now := s.now()
		newCloses := req.GetClosesAt().AsTime()
		newReview := review
		if req.GetReviewDeadline() != nil {
			newReview = req.GetReviewDeadline().AsTime()
		}
		switch {
		case !now.Before(closes):
			return status.Errorf(codes.FailedPrecondition, "call %s closed at %s: its deadline can no longer be extended", req.GetName(), clock.ParisTime(closes))
		case newCloses.Before(closes):
			return invalid("closesAt", "may only be extended, never brought forward: the call closes at "+clock.ParisTime(closes)+" (Europe/Paris)")
		case !newReview.After(newCloses):
			return invalid("reviewDeadline", "must be after closesAt")
		case newReview.Before(review):
			return invalid("reviewDeadline", "may only be extended, never brought forward")
		}
		if _, err := tx.Exec(ctx, `UPDATE calls SET closes_at = $2, review_deadline = $3 WHERE id = $1`, id, newCloses, newReview); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "call.extend", Object: req.GetName(),
			Before: map[string]time.Time{"closesAt": closes, "reviewDeadline": review},
			After:  map[string]any{"closesAt": newCloses, "reviewDeadline": newReview, "reason": req.GetReason()}}.FromPrincipal(p)); err != nil {
			return err
		}
		return outbox.Enqueue(ctx, tx, outbox.Message{WorkflowID: flow.CallWorkflowID(req.GetName()), Signal: flow.SignalCallExtended,
			Payload: flow.CallCalendar{Call: req.GetName(), OpensAt: opens, ClosesAt: newCloses, ReviewDeadline: newReview}})
	})
	if err != nil {
		return nil, err
	}
	return s.getCall(ctx, id, auth.FromContext(ctx))
}
