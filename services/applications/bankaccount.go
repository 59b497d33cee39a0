package applications

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/bank"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	"github.com/guichet/guichet/services/applications/domain"
)

// UpdateBankAccount records a corrected bank account of a selected or funded project and tells its
// workflow, which passes it to the payments service where a finance officer must approve it.
func (s *Service) UpdateBankAccount(ctx context.Context, req *appv1.UpdateBankAccountRequest) (*appv1.Application, error) {
	p := auth.FromContext(ctx)
	in := req.GetBankAccount()
	iban := bank.NormalizeIBAN(in.GetIban())
	var v []grpcx.Violation
	if err := bank.CheckIBAN(iban); err != nil {
		v = append(v, grpcx.Violation{Field: "bankAccount.iban", Description: err.Error()})
	}
	if in.GetBic() != "" {
		if err := bank.CheckBIC(in.GetBic()); err != nil {
			v = append(v, grpcx.Violation{Field: "bankAccount.bic", Description: err.Error()})
		}
	}
	if in.GetHolder() == "" {
		v = append(v, grpcx.Violation{Field: "bankAccount.holder", Description: "is required"})
	}
	if len(v) > 0 {
		return nil, grpcx.InvalidArgument(v...)
	}
	account := []string{iban, in.GetBic(), in.GetHolder()}
	var out *appv1.Application
	err := pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		a, err := s.load(ctx, tx, p, req.GetName())
		if err != nil {
			return err
		}
		if a.State != domain.Selected && a.State != domain.Funded {
			return status.Errorf(codes.FailedPrecondition,
				"application %s is %s: the bank account is corrected this way only for a selected or funded project (a draft is changed with PATCH)", a.name(), a.State)
		}
		current := a.Account
		if current == nil {
			current = []string{a.Content.IBAN, a.Content.BIC, a.Content.AccountHolder}
		}
		if slices.Equal(current, account) {
			out = toProto(a, p)
			return nil
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO bank_account_versions (application, iban, bic, holder, changed_by, create_time)
			VALUES ($1, $2, $3, $4, $5, $6)`, a.ID, iban, in.GetBic(), in.GetHolder(), p.Subject, now); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "application.bank_account", Object: a.name(),
			Before: map[string]string{"iban": current[0], "bic": current[1], "holder": current[2]},
			After:  map[string]string{"iban": iban, "bic": in.GetBic(), "holder": in.GetHolder()}}.FromPrincipal(p)); err != nil {
			return err
		}
		a.Account = account
		out = toProto(a, p)
		return outbox.Enqueue(ctx, tx, outbox.Message{WorkflowID: flow.ApplicationWorkflowID(a.name()), Signal: flow.SignalBankAccountChanged,
			Payload: flow.BankAccountChanged{IBAN: iban, BIC: in.GetBic(), Holder: in.GetHolder()}})
	})
	return out, err
}
