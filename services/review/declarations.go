package review

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// SignDeclaration records that a jury member signed the call's declaration of interests. It is
// signed once: a repeat returns the first signature.
func (s *Service) SignDeclaration(ctx context.Context, req *reviewv1.SignDeclarationRequest) (*reviewv1.Declaration, error) {
	p := auth.FromContext(ctx)
	callID, err := resource.ParseCall(req.GetParent())
	if err != nil {
		return nil, badName("parent", req.GetParent(), "calls/*")
	}
	now := s.now()
	var signTime time.Time
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		c, ok, err := loadCall(ctx, tx, callID, false)
		if err != nil {
			return err
		}
		// The review service learns a call with its first assignment; until then, and for anyone
		// outside its jury, there is nothing to declare on.
		if !ok || !c.member(p.Subject) {
			return notFound("call %s not found", req.GetParent())
		}
		err = tx.QueryRow(ctx, `INSERT INTO declarations (call, reviewer, sign_time) VALUES ($1, $2, $3)
			ON CONFLICT (call, reviewer) DO NOTHING RETURNING sign_time`, callID, p.Subject, now).Scan(&signTime)
		if errors.Is(err, pgx.ErrNoRows) {
			return tx.QueryRow(ctx, `SELECT sign_time FROM declarations WHERE call = $1 AND reviewer = $2`, callID, p.Subject).Scan(&signTime)
		}
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "declaration.signed", Object: declarationName(callID, p.Subject),
			After: map[string]any{"call": req.GetParent(), "reviewer": p.Subject, "accepted": true}}.FromPrincipal(p))
	})
	if err != nil {
		return nil, s.edge(ctx, err)
	}
	return &reviewv1.Declaration{Name: declarationName(callID, p.Subject), Reviewer: p.Subject, SignTime: timestamppb.New(signTime)}, nil
}

func declarationName(callID, subject string) string {
	return resource.CallName(callID) + "/declarations/" + subject
}

// ListAssignments lists a jury member's assignments in the call, or all of them for its chair.
func (s *Service) ListAssignments(ctx context.Context, req *reviewv1.ListAssignmentsRequest) (*reviewv1.ListAssignmentsResponse, error) {
	p := auth.FromContext(ctx)
	callID, err := resource.ParseCall(req.GetParent())
	if err != nil {
		return nil, badName("parent", req.GetParent(), "calls/*")
	}
	var out []*reviewv1.Assignment
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		c, ok, err := loadCall(ctx, tx, callID, false)
		if err != nil {
			return err
		}
		if !ok || !c.member(p.Subject) {
			return notFound("call %s not found", req.GetParent())
		}
		if err := requireSigned(ctx, tx, callID, p.Subject); err != nil {
			return err
		}
		if c.chairedBy(p) {
			out, err = assignments(ctx, tx, `p.call = $1`, callID)
		} else {
			out, err = assignments(ctx, tx, `p.call = $1 AND a.reviewer = $2`, callID, p.Subject)
		}
		return err
	})
	if err != nil {
		return nil, s.edge(ctx, err)
	}
	return &reviewv1.ListAssignmentsResponse{Assignments: out}, nil
}
