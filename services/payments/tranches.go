package payments

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/domain"
)

// ListTranches lists the tranches of a committed project. An applicant sees only the projects of
// its own organisation; any other is NotFound, like a project that does not exist.
func (s *Service) ListTranches(ctx context.Context, req *paymentsv1.ListTranchesRequest) (*paymentsv1.ListTranchesResponse, error) {
	if _, _, err := resource.ParseApplication(req.GetParent()); err != nil {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "parent", Description: err.Error()})
	}
	p := auth.FromContext(ctx)
	var siret string
	err := s.pool.QueryRow(ctx, `SELECT beneficiary_siret FROM commitments WHERE application = $1`, req.GetParent()).Scan(&siret)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(req.GetParent() + "/tranches")
	}
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if p.Role == auth.Applicant && (p.Siret == "" || p.Siret != siret) {
		return nil, notFound(req.GetParent() + "/tranches")
	}
	ts, err := listTranches(ctx, s.pool, req.GetParent())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &paymentsv1.ListTranchesResponse{Tranches: tranchesProto(ts)}, nil
}

// CertifyTranche records that the milestone of a tranche is done ("service fait"): on its milestone
// report, or on signature for the advance.
func (s *Service) CertifyTranche(ctx context.Context, req *paymentsv1.CertifyTrancheRequest) (*paymentsv1.Tranche, error) {
	id, err := resource.ParseTranche(req.GetName())
	if err != nil {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "name", Description: err.Error()})
	}
	p := auth.FromContext(ctx)
	var out tranche
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		t, err := lockTranche(ctx, tx, id)
		if err != nil {
			return err
		}
		next, changed, err := t.Certify(p.Subject)
		if err != nil {
			return refuse("tranche.certify.refused", req.GetName(), err)
		}
		if !changed {
			out = t
			return nil
		}
		out, err = s.saveTranche(ctx, tx, p, "tranche.certify", t, next, next.State)
		return err
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return trancheProto(out), nil
}

// OrderTranche orders the payment of a certified tranche. The finance officer who orders may not be
// the programme officer who certified it.
func (s *Service) OrderTranche(ctx context.Context, req *paymentsv1.OrderTrancheRequest) (*paymentsv1.Tranche, error) {
	id, err := resource.ParseTranche(req.GetName())
	if err != nil {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "name", Description: err.Error()})
	}
	p := auth.FromContext(ctx)
	var out tranche
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		t, err := lockTranche(ctx, tx, id)
		if err != nil {
			return err
		}
		next, changed, err := t.Order(p.Subject)
		if err != nil {
			return refuse("tranche.order.refused", req.GetName(), err)
		}
		if !changed {
			out = t
			return nil
		}
		// The commitment row serialises the orders of one project, so two tranches ordered at
		// once cannot together exceed it.
		var commitment, engaged int64
		if err := tx.QueryRow(ctx, `SELECT amount_cents FROM commitments WHERE application = $1 FOR UPDATE`, t.Application).
			Scan(&commitment); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(sum(amount_cents), 0) FROM tranches WHERE application = $1 AND state = ANY($2)`,
			t.Application, []string{string(domain.Ordered), string(domain.Exported), string(domain.Paid)}).Scan(&engaged); err != nil {
			return err
		}
		if err := domain.CanOrder(commitment, engaged, t.AmountCents); err != nil {
			return err
		}
		// The database holds the same ceiling: ordered_cents may not exceed the commitment.
		if _, err := tx.Exec(ctx, `UPDATE commitments SET ordered_cents = ordered_cents + $2, updated_at = $3 WHERE application = $1`,
			t.Application, t.AmountCents, s.now()); err != nil {
			return err
		}
		out, err = s.saveTranche(ctx, tx, p, "tranche.order", t, next, next.State)
		return err
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return trancheProto(out), nil
}
