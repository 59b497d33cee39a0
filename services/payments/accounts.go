package payments

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/bank"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/pg"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/domain"
)

// accountView is what the audit log records of a beneficiary's bank account.
type accountView struct {
	IBAN       string          `json:"iban"`
	BIC        string          `json:"bic,omitempty"`
	ApprovedBy string          `json:"approvedBy,omitempty"`
	Pending    *pendingAccount `json:"pending,omitempty"`
}

func accountOf(c commitment) accountView {
	return accountView{IBAN: c.beneficiary.IBAN, BIC: c.beneficiary.BIC, ApprovedBy: c.accountApprovedBy, Pending: c.pending}
}

// UpdateBeneficiaryAccount records the account the beneficiary corrected (typically after the bank
// rejected a transfer) as awaiting approval: a changed IBAN is where fraud diverts public money, so a
// finance officer checks it before any payment file uses it, and meanwhile none of the project's
// tranches can be put in a batch. Payment files keep using the approved account until then. A repeat
// of the same account changes nothing; going back to the approved account withdraws the correction.
func (s *Service) UpdateBeneficiaryAccount(ctx context.Context, req *paymentsv1.UpdateBeneficiaryAccountRequest) (*paymentsv1.Commitment, error) {
	application, err := parseCommitmentName(req.GetName())
	if err != nil {
		return nil, err
	}
	iban, bic := bank.NormalizeIBAN(req.GetIban()), strings.ToUpper(strings.TrimSpace(req.GetBic()))
	var violations []grpcx.Violation
	if err := domain.CheckIBAN(iban); err != nil {
		violations = append(violations, grpcx.Violation{Field: "iban", Description: err.Error()})
	}
	if bic != "" {
		if err := domain.CheckBIC(bic); err != nil {
			violations = append(violations, grpcx.Violation{Field: "bic", Description: err.Error()})
		}
	}
	if len(violations) > 0 {
		return nil, grpcx.InvalidArgument(violations...)
	}
	p := auth.FromContext(ctx)
	var out *paymentsv1.Commitment
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		c, err := loadCommitment(ctx, tx, application, "FOR UPDATE")
		if err != nil {
			return err
		}
		approved := c.beneficiary.IBAN == iban && c.beneficiary.BIC == bic
		samePending := c.pending != nil && c.pending.IBAN == iban && c.pending.BIC == bic
		if samePending || (approved && c.pending == nil) {
			out, err = commitmentWithTranches(ctx, tx, c)
			return err
		}
		now := s.now()
		if approved {
			_, err = tx.Exec(ctx, `UPDATE commitments SET pending_iban = NULL, pending_bic = NULL, pending_requested_by = NULL,
				pending_requested_at = NULL, updated_at = $2 WHERE application = $1`, application, now)
		} else {
			_, err = tx.Exec(ctx, `UPDATE commitments SET pending_iban = $2, pending_bic = $3, pending_requested_by = $4,
				pending_requested_at = $5, updated_at = $5 WHERE application = $1`, application, iban, bic, p.Subject, now)
		}
		if err != nil {
			return err
		}
		after, err := loadCommitment(ctx, tx, application, "")
		if err != nil {
			return err
		}
		if out, err = commitmentWithTranches(ctx, tx, after); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "beneficiary.account.update", Object: out.GetName(),
			Before: accountOf(c), After: accountOf(after)}.FromPrincipal(p))
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}

// ApproveBeneficiaryAccount makes the corrected account awaiting approval the one payment files
// use. The request names the IBAN the finance officer checked, so that an account the applicant
// changed again in the meantime is not approved unseen. A repeat changes nothing.
func (s *Service) ApproveBeneficiaryAccount(ctx context.Context, req *paymentsv1.ApproveBeneficiaryAccountRequest) (*paymentsv1.Commitment, error) {
	application, err := parseCommitmentName(req.GetName())
	if err != nil {
		return nil, err
	}
	iban := bank.NormalizeIBAN(req.GetIban())
	p := auth.FromContext(ctx)
	var out *paymentsv1.Commitment
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		c, err := loadCommitment(ctx, tx, application, "FOR UPDATE")
		if err != nil {
			return err
		}
		switch {
		case c.pending == nil && c.accountApprovedBy != "" && c.beneficiary.IBAN == iban:
			out, err = commitmentWithTranches(ctx, tx, c)
			return err
		case c.pending == nil:
			return status.Errorf(codes.FailedPrecondition, "no change of the bank account of %s awaits approval", application)
		case c.pending.IBAN != iban:
			return status.Errorf(codes.FailedPrecondition, "the account of %s awaiting approval is %s, not %s: it changed since it was checked",
				application, c.pending.IBAN, iban)
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE commitments SET beneficiary_iban = pending_iban, beneficiary_bic = pending_bic,
			account_requested_by = pending_requested_by, account_requested_at = pending_requested_at,
			account_approved_by = $2, account_approved_at = $3,
			pending_iban = NULL, pending_bic = NULL, pending_requested_by = NULL, pending_requested_at = NULL, updated_at = $3
			WHERE application = $1`, application, p.Subject, now); err != nil {
			return err
		}
		after, err := loadCommitment(ctx, tx, application, "")
		if err != nil {
			return err
		}
		if out, err = commitmentWithTranches(ctx, tx, after); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "beneficiary.account.approve", Object: out.GetName(),
			Before: accountOf(c), After: accountOf(after)}.FromPrincipal(p))
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}
