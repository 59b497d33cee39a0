package review

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// CreateConflict records an assigned jury member's declaration on one application. No conflict
// opens the file to it. A conflict (déport) recuses its assignment, which then disappears from
// its view and stays for the minutes, and assigns a replacement in the same transaction; when
// conflicts and load caps leave no one, the application needs reviewers and its chair sees it.
func (s *Service) CreateConflict(ctx context.Context, req *reviewv1.CreateConflictRequest) (*reviewv1.ConflictDeclaration, error) {
	p := auth.FromContext(ctx)
	appName := req.GetParent()
	callID, _, err := resource.ParseApplication(appName)
	if err != nil {
		return nil, badName("parent", appName, "calls/*/applications/*")
	}
	now := s.now()
	out := &reviewv1.ConflictDeclaration{
		Name: appName + "/conflicts/" + p.Subject, Application: appName, Reviewer: p.Subject,
		Conflict: req.GetConflict(), Reason: req.GetReason(),
	}
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// The call's lock first, as AssignReviewers takes it: a replacement changes the loads
		// every assignment in the call depends on. Then the application's, as CreateReview.
		c, ok, err := loadCall(ctx, tx, callID, forUpdate)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("application %s not found", appName)
		}
		st, ok, err := seatOf(ctx, tx, appName, p.Subject, true)
		if err != nil {
			return err
		}
		// Only one's own live assignment can be declared on; after a déport the file is gone.
		if !ok || !st.active() {
			return notFound("application %s not found", appName)
		}
		if err := requireSigned(ctx, tx, callID, p.Subject); err != nil {
			return err
		}
		// A déport after the minutes are signed would name a replacement for a closed review.
		if err := refuseIfSigned(ctx, tx, callID, "declare on an application"); err != nil {
			return err
		}
		action, err := domain.Declare(st.declaration, st.state == reviewed, req.GetConflict(), req.GetReason())
		var bad domain.Invalid
		switch {
		case errors.As(err, &bad):
			return invalid("", bad)
		case errors.Is(err, domain.ErrReviewedAlready):
			return status.Error(codes.FailedPrecondition, err.Error())
		case errors.Is(err, domain.ErrRecusedAlready):
			return notFound("application %s not found", appName)
		case err != nil:
			return err
		}
		if action == domain.Unchanged {
			var declared time.Time
			if err := tx.QueryRow(ctx, `SELECT reason, declared_at FROM conflicts WHERE application = $1 AND reviewer = $2`,
				appName, p.Subject).Scan(&out.Reason, &declared); err != nil {
				return err
			}
			out.CreateTime = timestamppb.New(declared)
			return nil
		}
		out.CreateTime = timestamppb.New(now)
		if _, err := tx.Exec(ctx, `INSERT INTO conflicts (application, reviewer, conflict, reason, declared_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (application, reviewer) DO UPDATE SET conflict = excluded.conflict, reason = excluded.reason, declared_at = excluded.declared_at`,
			appName, p.Subject, req.GetConflict(), req.GetReason(), now); err != nil {
			return err
		}
		after := map[string]any{"declaration": declaration(&out.Conflict), "state": st.state, "reason": out.GetReason()}
		entry := audit.Entry{At: now, Action: "conflict.declared", Object: out.GetName(),
			Before: map[string]any{"declaration": st.declaration, "state": st.state}, After: after}
		if action == domain.Record {
			return audit.Append(ctx, tx, entry.FromPrincipal(p))
		}
		if _, err := tx.Exec(ctx, `UPDATE assignments SET state = 'RECUSED' WHERE application = $1 AND reviewer = $2`, appName, p.Subject); err != nil {
			return err
		}
		after["state"] = recused
		if err := audit.Append(ctx, tx, entry.FromPrincipal(p)); err != nil {
			return err
		}
		_, short, err := staff(ctx, tx, p, now, c, appName, p.Subject)
		if err != nil || short == 0 {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "application.needs_reviewers", Object: appName,
			After: map[string]any{"missing": short, "after": "déport of " + p.Subject}}.FromPrincipal(p))
	})
	if err != nil {
		return nil, err
	}
	s.publishLive(ctx, callID, "conflict", appName)
	return out, nil
}
