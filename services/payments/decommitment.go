package payments

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/domain"
)

// decommitmentView is what the audit log records of a decommitment.
type decommitmentView struct {
	AmountCents        int64    `json:"amountCents"`
	CancelledCents     int64    `json:"cancelledCents,omitempty"`
	CancellationReason string   `json:"cancellationReason,omitempty"`
	CancelledTranches  []string `json:"cancelledTranches,omitempty"`
	KeptTranches       []string `json:"keptTranches,omitempty"`
}

// CancelRemainingTranches cancels the tranches of a project whose payment is not yet ordered, when
// the programme officer ends the funding (an overdue report, an abandoned project): the commitment
// and the call's committed amount shrink by what is cancelled, so that money is available again in
// the envelope, in the budget and in the ledger. Tranches already ordered or exported are kept, and
// the response lists them: their order binds the payer. A repeat changes nothing.
func (s *Service) CancelRemainingTranches(ctx context.Context, req *paymentsv1.CancelRemainingTranchesRequest) (*paymentsv1.Commitment, error) {
	application, err := parseCommitmentName(req.GetName())
	if err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(req.GetReason())
	if reason == "" {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "reason", Description: "a decommitment needs its reason"})
	}
	p := auth.FromContext(ctx)
	var out *paymentsv1.Commitment
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// Tranches first, then the commitment, then the budget: the order in which OrderTranche and
		// ConfirmPaymentBatch lock them too, so that a decommitment racing an order waits for it
		// (and keeps the ordered tranche) or goes first (and the order finds the tranche cancelled).
		ts, err := collectTranches(tx.Query(ctx, `SELECT `+trancheColumns+` FROM tranches WHERE application = $1 ORDER BY id FOR UPDATE`, application))
		if err != nil {
			return err
		}
		c, err := loadCommitment(ctx, tx, application, "FOR UPDATE")
		if err != nil {
			return err
		}
		var cancelled []tranche
		var next []domain.Tranche
		var cents int64
		for _, t := range ts {
			n, changed, err := t.Cancel(p.Subject, reason)
			switch {
			case errors.Is(err, domain.ErrWrongState):
				continue // ordered, exported or paid: kept
			case err != nil:
				return err
			case changed:
				cancelled, next = append(cancelled, t), append(next, n)
				cents += t.AmountCents
			}
		}
		if len(cancelled) == 0 {
			if c.cancelledAt == nil {
				return status.Errorf(codes.FailedPrecondition, "every tranche of %s is already ordered, exported or paid: there is nothing left to cancel", application)
			}
			out, err = commitmentWithTranches(ctx, tx, c)
			return err
		}
		if c.cancelledAt != nil {
			// A decommitment cancels every tranche that can be; none can become cancellable later.
			return status.Errorf(codes.Internal, "%s was decommitted but has tranches left to cancel", application)
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM call_budgets WHERE call = $1 FOR UPDATE`, c.call); err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE commitments SET amount_cents = amount_cents - $2, cancelled_cents = cancelled_cents + $2,
			cancelled_by = $3, cancellation_reason = $4, cancelled_at = $5, updated_at = $5 WHERE application = $1`,
			application, cents, p.Subject, reason, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE call_budgets SET committed_cents = committed_cents - $2, updated_at = $3 WHERE call = $1`,
			c.call, cents, now); err != nil {
			return err
		}
		if err := post(ctx, tx, "decommit:"+application, now,
			posting{commitmentAccount(application), -cents},
			posting{envelopeAccount(c.call), cents}); err != nil {
			return err
		}
		for i, t := range cancelled {
			if _, err := s.saveTranche(ctx, tx, p, "tranche.cancel", t, next[i], domain.Cancelled); err != nil {
				return err
			}
		}
		after, err := loadCommitment(ctx, tx, application, "")
		if err != nil {
			return err
		}
		if out, err = commitmentWithTranches(ctx, tx, after); err != nil {
			return err
		}
		names := make([]string, len(cancelled))
		for i, t := range cancelled {
			names[i] = resource.TrancheName(t.ID)
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "commitment.cancel", Object: out.GetName(),
			Before: decommitmentView{AmountCents: c.amount},
			After: decommitmentView{AmountCents: after.amount, CancelledCents: cents, CancellationReason: reason,
				CancelledTranches: names, KeptTranches: out.GetKeptTranches()}}.FromPrincipal(p))
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}
