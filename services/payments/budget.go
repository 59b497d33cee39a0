package payments

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/bank"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/money"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/domain"
)

type budget struct {
	call                      string
	envelope, committed, paid int64
	limits                    domain.ScheduleLimits
}

const budgetColumns = `envelope_cents, committed_cents, paid_cents, advance_max_percent, interim_max_percent`

func (b *budget) scan(row pgx.Row) error {
	return row.Scan(&b.envelope, &b.committed, &b.paid, &b.limits.AdvanceMaxPercent, &b.limits.InterimMaxPercent)
}

func (b budget) proto() *paymentsv1.CallBudget {
	return &paymentsv1.CallBudget{
		Name:              resource.CallName(b.call) + "/budget",
		EnvelopeCents:     b.envelope,
		CommittedCents:    b.committed,
		PaidCents:         b.paid,
		AvailableCents:    b.envelope - b.committed,
		AdvanceMaxPercent: b.limits.AdvanceMaxPercent,
		InterimMaxPercent: b.limits.InterimMaxPercent,
	}
}

// budgetOpening is what the audit log records of an opened budget.
type budgetOpening struct {
	EnvelopeCents int64 `json:"envelopeCents"`
	domain.ScheduleLimits
}

// GetCallBudget returns the envelope of a call and what is committed and paid of it.
func (s *Service) GetCallBudget(ctx context.Context, req *paymentsv1.GetCallBudgetRequest) (*paymentsv1.CallBudget, error) {
	parts, err := resource.Parse(req.GetName(), "calls/*/budget")
	if err != nil {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "name", Description: err.Error()})
	}
	b := budget{call: parts[0]}
	err = b.scan(s.pool.QueryRow(ctx, `SELECT `+budgetColumns+` FROM call_budgets WHERE call = $1`, b.call))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(req.GetName())
	}
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return b.proto(), nil
}

// OpenCallBudget opens the budget of a call with its envelope and the limits of its grants'
// schedules. The workflow retries it, so opening it again with the same envelope and limits changes
// nothing; another envelope or other limits are refused, since changing them is a decision of its
// own, not a retry, and the grants already committed were checked against the first ones.
func (s *Service) OpenCallBudget(ctx context.Context, req *paymentsv1.OpenCallBudgetRequest) (*paymentsv1.CallBudget, error) {
	call, err := resource.ParseCall(req.GetCall())
	if err != nil {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "call", Description: err.Error()})
	}
	if req.GetEnvelopeCents() <= 0 {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "envelopeCents", Description: "must be positive"})
	}
	limits, err := domain.ResolveScheduleLimits(req.GetAdvanceMaxPercent(), req.GetInterimMaxPercent())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	p := auth.FromContext(ctx)
	b := budget{call: call}
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		now := s.now()
		tag, err := tx.Exec(ctx, `INSERT INTO call_budgets (call, envelope_cents, advance_max_percent, interim_max_percent, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (call) DO NOTHING`,
			call, req.GetEnvelopeCents(), limits.AdvanceMaxPercent, limits.InterimMaxPercent, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			if err := post(ctx, tx, "open:"+call, now,
				posting{appropriationAccount(call), -req.GetEnvelopeCents()},
				posting{envelopeAccount(call), req.GetEnvelopeCents()}); err != nil {
				return err
			}
			if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "budget.open", Object: b.proto().GetName(),
				After: budgetOpening{EnvelopeCents: req.GetEnvelopeCents(), ScheduleLimits: limits}}.FromPrincipal(p)); err != nil {
				return err
			}
		}
		if err := b.scan(tx.QueryRow(ctx, `SELECT `+budgetColumns+` FROM call_budgets WHERE call = $1`, call)); err != nil {
			return err
		}
		if b.envelope != req.GetEnvelopeCents() {
			return status.Errorf(codes.FailedPrecondition, "the budget of %s is already open with an envelope of %s EUR, not %s EUR",
				req.GetCall(), money.Decimal(b.envelope), money.Decimal(req.GetEnvelopeCents()))
		}
		if b.limits != limits {
			return status.Errorf(codes.FailedPrecondition, "the budget of %s is already open with an advance of at most %d%% and %d%% before the final report, not %d%% and %d%%",
				req.GetCall(), b.limits.AdvanceMaxPercent, b.limits.InterimMaxPercent, limits.AdvanceMaxPercent, limits.InterimMaxPercent)
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return b.proto(), nil
}

var siretShape = regexp.MustCompile(`^[0-9]{14}$`)

// grant is a CommitGrantRequest whose fields are checked one by one; its schedule is checked
// against the limits of the call's budget, inside the transaction that reads them.
type grant struct {
	call, application string
	amount            int64
	beneficiary       domain.Beneficiary
	tranches          []plannedTranche
	// For the open data on awards: the project's title and budget (0: unknown), the RNA number.
	title       string
	budgetCents int64
	rna         string
}

func (g grant) amounts() []int64 {
	out := make([]int64, len(g.tranches))
	for i, t := range g.tranches {
		out[i] = t.amount
	}
	return out
}

type plannedTranche struct {
	title   string
	dueDate *time.Time
	amount  int64
}

func parseGrant(req *paymentsv1.CommitGrantRequest) (grant, error) {
	var g grant
	var violations []grpcx.Violation
	bad := func(field, desc string) {
		violations = append(violations, grpcx.Violation{Field: field, Description: desc})
	}
	var err error
	if g.call, _, err = resource.ParseApplication(req.GetApplication()); err != nil {
		bad("application", err.Error())
	}
	g.application, g.amount = req.GetApplication(), req.GetAmountCents()
	g.title, g.budgetCents, g.rna = strings.TrimSpace(req.GetTitle()), req.GetProjectBudgetCents(), req.GetBeneficiary().GetRna()
	b := req.GetBeneficiary()
	g.beneficiary = domain.Beneficiary{
		Name:  strings.TrimSpace(b.GetName()),
		Siret: strings.TrimSpace(b.GetSiret()),
		IBAN:  bank.NormalizeIBAN(b.GetIban()),
		BIC:   strings.ToUpper(strings.TrimSpace(b.GetBic())),
	}
	if g.beneficiary.Name == "" {
		bad("beneficiary.name", "is required")
	}
	if g.beneficiary.Siret != "" && !siretShape.MatchString(g.beneficiary.Siret) {
		bad("beneficiary.siret", "must be 14 digits")
	}
	if err := domain.CheckIBAN(g.beneficiary.IBAN); err != nil {
		bad("beneficiary.iban", err.Error())
	}
	if g.beneficiary.BIC != "" {
		if err := domain.CheckBIC(g.beneficiary.BIC); err != nil {
			bad("beneficiary.bic", err.Error())
		}
	}
	for i, t := range req.GetTranches() {
		pt := plannedTranche{title: strings.TrimSpace(t.GetTitle()), amount: t.GetAmountCents()}
		if pt.title == "" {
			pt.title = fmt.Sprintf("Tranche %d", i+1)
		}
		if t.GetDueDate() != "" {
			d, err := time.Parse(time.DateOnly, t.GetDueDate())
			if err != nil {
				bad(fmt.Sprintf("tranches[%d].dueDate", i), "must be a date YYYY-MM-DD")
			}
			pt.dueDate = &d
		}
		g.tranches = append(g.tranches, pt)
	}
	if len(violations) > 0 {
		return g, grpcx.InvalidArgument(violations...)
	}
	return g, nil
}

// CommitGrant commits the amount of a signed grant agreement against the call's envelope and plans
// its tranches, once the schedule is checked against the call's limits. The workflow retries it: a
// repeat with the same amount returns the commitment made the first time.
func (s *Service) CommitGrant(ctx context.Context, req *paymentsv1.CommitGrantRequest) (*paymentsv1.Commitment, error) {
	g, err := parseGrant(req)
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	var out *paymentsv1.Commitment
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// The budget row is the lock every commitment of the call takes: commitments are checked
		// against the envelope one at a time, so concurrent ones cannot overshoot it together.
		b := budget{call: g.call}
		err := b.scan(tx.QueryRow(ctx, `SELECT `+budgetColumns+` FROM call_budgets WHERE call = $1 FOR UPDATE`, g.call))
		if errors.Is(err, pgx.ErrNoRows) {
			return status.Errorf(codes.FailedPrecondition, "the budget of %s is not open", resource.CallName(g.call))
		}
		if err != nil {
			return err
		}
		if err := domain.CheckSchedule(g.amount, g.amounts(), b.limits); err != nil {
			return err
		}
		existing, err := loadCommitment(ctx, tx, g.application, "")
		switch {
		case err == nil:
			if existing.agreement != g.amount {
				return status.Errorf(codes.FailedPrecondition, "%s is already committed for %s EUR, not %s EUR",
					g.application, money.Decimal(existing.agreement), money.Decimal(g.amount))
			}
			out, err = commitmentWithTranches(ctx, tx, existing)
			return err
		case status.Code(err) != codes.NotFound:
			return err
		}
		if err := domain.CanCommit(b.envelope, b.committed, g.amount); err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO commitments (application, call, amount_cents, agreement_cents, beneficiary_name, beneficiary_siret,
			beneficiary_iban, beneficiary_bic, created_by, created_at, updated_at, account_requested_by, account_requested_at,
			title, project_budget_cents, beneficiary_rna)
			VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $9, $8, $9, $10, $11, $12)`,
			g.application, g.call, g.amount, g.beneficiary.Name, g.beneficiary.Siret, g.beneficiary.IBAN, g.beneficiary.BIC, p.Subject, now,
			g.title, g.budgetCents, g.rna); err != nil {
			return err
		}
		for i, pt := range g.tranches {
			if _, err := tx.Exec(ctx, `INSERT INTO tranches (id, application, sequence, title, due_date, amount_cents, state, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, ids.New(), g.application, i+1, pt.title, pt.dueDate, pt.amount, string(domain.Planned), now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE call_budgets SET committed_cents = committed_cents + $2, updated_at = $3 WHERE call = $1`,
			g.call, g.amount, now); err != nil {
			return err
		}
		if err := post(ctx, tx, "commit:"+g.application, now,
			posting{envelopeAccount(g.call), -g.amount},
			posting{commitmentAccount(g.application), g.amount}); err != nil {
			return err
		}
		c, err := loadCommitment(ctx, tx, g.application, "")
		if err != nil {
			return err
		}
		if out, err = commitmentWithTranches(ctx, tx, c); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "grant.commit", Object: out.GetName(), After: commitmentView{
			AmountCents: g.amount, Beneficiary: g.beneficiary, Limits: b.limits, Tranches: viewTranches(out.GetTranches()),
		}}.FromPrincipal(p))
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}

type commitmentView struct {
	AmountCents int64                 `json:"amountCents"`
	Beneficiary domain.Beneficiary    `json:"beneficiary"`
	Limits      domain.ScheduleLimits `json:"limits"`
	Tranches    []plannedView         `json:"tranches"`
}

type plannedView struct {
	Tranche     string `json:"tranche"`
	Title       string `json:"title"`
	DueDate     string `json:"dueDate,omitempty"`
	AmountCents int64  `json:"amountCents"`
}

func viewTranches(ts []*paymentsv1.Tranche) []plannedView {
	out := make([]plannedView, len(ts))
	for i, t := range ts {
		out[i] = plannedView{Tranche: t.GetName(), Title: t.GetTitle(), DueDate: t.GetDueDate(), AmountCents: t.GetAmountCents()}
	}
	return out
}
