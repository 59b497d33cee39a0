package review

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// SignDeclaration records that a jury member signed the call's declaration of interests, with
// the expertise it declares. It is signed once: a repeat returns the first signature, with the
// expertise replaced when it changed (it weighs on the assignments made from then on).
func (s *Service) SignDeclaration(ctx context.Context, req *reviewv1.SignDeclarationRequest) (*reviewv1.Declaration, error) {
	p := auth.FromContext(ctx)
	callID, err := resource.ParseCall(req.GetParent())
	if err != nil {
		return nil, badName("parent", req.GetParent(), "calls/*")
	}
	expertise, err := domain.NormaliseKeywords("expertise", req.GetExpertise())
	var bad domain.Invalid
	if errors.As(err, &bad) {
		return nil, invalid("", bad)
	}
	now := s.now()
	var signTime time.Time
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		c, ok, err := loadCall(ctx, tx, callID, noLock)
		if err != nil {
			return err
		}
		// The review service learns a call with its first assignment; until then, and for anyone
		// outside its jury, there is nothing to declare on.
		if !ok || !c.member(p.Subject) {
			return notFound("call %s not found", req.GetParent())
		}
		err = tx.QueryRow(ctx, `INSERT INTO declarations (call, reviewer, sign_time, expertise) VALUES ($1, $2, $3, $4)
			ON CONFLICT (call, reviewer) DO NOTHING RETURNING sign_time`, callID, p.Subject, now, expertise).Scan(&signTime)
		if errors.Is(err, pgx.ErrNoRows) {
			var before []string
			if err := tx.QueryRow(ctx, `SELECT sign_time, expertise FROM declarations WHERE call = $1 AND reviewer = $2 FOR UPDATE`,
				callID, p.Subject).Scan(&signTime, &before); err != nil {
				return err
			}
			if slices.Equal(before, expertise) {
				return nil
			}
			if _, err := tx.Exec(ctx, `UPDATE declarations SET expertise = $3 WHERE call = $1 AND reviewer = $2`, callID, p.Subject, expertise); err != nil {
				return err
			}
			return audit.Append(ctx, tx, audit.Entry{At: now, Action: "declaration.expertise_changed", Object: declarationName(callID, p.Subject),
				Before: map[string]any{"expertise": before}, After: map[string]any{"expertise": expertise}}.FromPrincipal(p))
		}
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "declaration.signed", Object: declarationName(callID, p.Subject),
			After: map[string]any{"call": req.GetParent(), "reviewer": p.Subject, "accepted": true, "expertise": expertise}}.FromPrincipal(p))
	})
	if err != nil {
		return nil, err
	}
	return &reviewv1.Declaration{Name: declarationName(callID, p.Subject), Reviewer: p.Subject, SignTime: timestamppb.New(signTime),
		Expertise: expertise}, nil
}

func declarationName(callID, subject string) string {
	return resource.CallName(callID) + "/declarations/" + subject
}

// ListAssignments lists a jury member's live assignments in the call (a déport removes one), or
// for its chair all of them, recused ones included, with the applications short of reviewers.
func (s *Service) ListAssignments(ctx context.Context, req *reviewv1.ListAssignmentsRequest) (*reviewv1.ListAssignmentsResponse, error) {
	p := auth.FromContext(ctx)
	callID, err := resource.ParseCall(req.GetParent())
	if err != nil {
		return nil, badName("parent", req.GetParent(), "calls/*")
	}
	var out []*reviewv1.Assignment
	var short []*reviewv1.ReviewerShortfall
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		c, ok, err := loadCall(ctx, tx, callID, noLock)
		if err != nil {
			return err
		}
		if !ok || !c.member(p.Subject) {
			return notFound("call %s not found", req.GetParent())
		}
		if err := requireSigned(ctx, tx, callID, p.Subject); err != nil {
			return err
		}
		if !c.chairedBy(p) {
			out, err = assignments(ctx, tx, `p.call = $1 AND a.reviewer = $2 AND a.state <> 'RECUSED'`, callID, p.Subject)
			return err
		}
		if out, err = assignments(ctx, tx, `p.call = $1`, callID); err != nil {
			return err
		}
		short, err = shortfalls(ctx, tx, callID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &reviewv1.ListAssignmentsResponse{Assignments: out, NeedsReviewers: short}, nil
}

// shortfalls lists the call's applications with fewer live assignments than they need.
func shortfalls(ctx context.Context, tx pgx.Tx, callID string) ([]*reviewv1.ReviewerShortfall, error) {
	rows, err := tx.Query(ctx, `SELECT p.name, p.title, p.reviewers_required - count(a.reviewer)
		FROM applications p LEFT JOIN assignments a ON a.application = p.name AND a.state <> 'RECUSED'
		WHERE p.call = $1 GROUP BY p.name, p.title, p.reviewers_required
		HAVING count(a.reviewer) < p.reviewers_required ORDER BY p.name`, callID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*reviewv1.ReviewerShortfall, error) {
		r := &reviewv1.ReviewerShortfall{}
		return r, row.Scan(&r.Application, &r.ApplicationTitle, &r.Missing)
	})
}
