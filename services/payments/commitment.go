package payments

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/resource"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/domain"
)

// Account states of a beneficiary.
const (
	accountApproved        = "APPROVED"
	accountPendingApproval = "PENDING_APPROVAL"
)

// commitment is a row of commitments.
type commitment struct {
	application, call string
	// agreement is the amount of the grant agreement; amount what remains committed of it after a
	// decommitment; ordered the tranches ordered, exported or paid; paid those paid.
	agreement, amount, ordered, paid, cancelled int64
	beneficiary                                 domain.Beneficiary
	createdAt                                   time.Time
	cancelledBy, cancellationReason             string
	cancelledAt                                 *time.Time
	accountRequestedBy, accountApprovedBy       string
	accountRequestedAt                          time.Time
	accountApprovedAt                           *time.Time
	// pending is a correction of the account awaiting approval, nil when there is none.
	pending *pendingAccount
}

type pendingAccount struct {
	IBAN        string    `json:"iban"`
	BIC         string    `json:"bic,omitempty"`
	RequestedBy string    `json:"requestedBy"`
	RequestedAt time.Time `json:"requestedAt"`
}

const commitmentColumns = `application, call, agreement_cents, amount_cents, ordered_cents, paid_cents, cancelled_cents,
	beneficiary_name, beneficiary_siret, beneficiary_iban, beneficiary_bic, created_at,
	COALESCE(cancelled_by, ''), cancellation_reason, cancelled_at,
	account_requested_by, account_requested_at, COALESCE(account_approved_by, ''), account_approved_at,
	pending_iban, pending_bic, pending_requested_by, pending_requested_at`

func scanCommitment(row pgx.Row) (commitment, error) {
	var c commitment
	var pendingIBAN, pendingBIC, pendingBy *string
	var pendingAt *time.Time
	err := row.Scan(&c.application, &c.call, &c.agreement, &c.amount, &c.ordered, &c.paid, &c.cancelled,
		&c.beneficiary.Name, &c.beneficiary.Siret, &c.beneficiary.IBAN, &c.beneficiary.BIC, &c.createdAt,
		&c.cancelledBy, &c.cancellationReason, &c.cancelledAt,
		&c.accountRequestedBy, &c.accountRequestedAt, &c.accountApprovedBy, &c.accountApprovedAt,
		&pendingIBAN, &pendingBIC, &pendingBy, &pendingAt)
	if err == nil && pendingIBAN != nil {
		c.pending = &pendingAccount{IBAN: *pendingIBAN, BIC: *pendingBIC, RequestedBy: *pendingBy, RequestedAt: *pendingAt}
	}
	return c, err
}

// loadCommitment reads the commitment of an application, locked as lock says ("", "FOR SHARE" or
// "FOR UPDATE"); NotFound when there is none.
func loadCommitment(ctx context.Context, q querier, application, lock string) (commitment, error) {
	c, err := scanCommitment(q.QueryRow(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE application = $1 `+lock, application))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, notFound(application + "/commitment")
	}
	return c, err
}

// lockCommitments locks the commitments of applications, in application order, the one order every
// transaction uses; lock is "FOR SHARE" or "FOR UPDATE".
func lockCommitments(ctx context.Context, tx pgx.Tx, applications []string, lock string) (map[string]commitment, error) {
	rows, err := tx.Query(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE application = ANY($1) ORDER BY application `+lock, applications)
	if err != nil {
		return nil, err
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (commitment, error) { return scanCommitment(r) })
	if err != nil {
		return nil, err
	}
	out := make(map[string]commitment, len(cs))
	for _, c := range cs {
		out[c.application] = c
	}
	return out, nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}

func commitmentWithTranches(ctx context.Context, q querier, c commitment) (*paymentsv1.Commitment, error) {
	ts, err := listTranches(ctx, q, c.application)
	if err != nil {
		return nil, err
	}
	return commitmentProto(c, ts), nil
}

func commitmentProto(c commitment, ts []tranche) *paymentsv1.Commitment {
	out := &paymentsv1.Commitment{
		Name:                 c.application + "/commitment",
		AmountCents:          c.amount,
		Tranches:             tranchesProto(ts),
		CreateTime:           timestamppb.New(c.createdAt),
		AgreementAmountCents: c.agreement,
		PaidCents:            c.paid,
		CancelledCents:       c.cancelled,
		CancelledBy:          c.cancelledBy,
		CancellationReason:   c.cancellationReason,
		Account: &paymentsv1.BeneficiaryAccount{
			Holder:      c.beneficiary.Name,
			Iban:        c.beneficiary.IBAN,
			Bic:         c.beneficiary.BIC,
			State:       accountApproved,
			RequestedBy: c.accountRequestedBy,
			RequestTime: timestamppb.New(c.accountRequestedAt),
			ApprovedBy:  c.accountApprovedBy,
		},
	}
	if c.accountApprovedAt != nil {
		out.Account.ApproveTime = timestamppb.New(*c.accountApprovedAt)
	}
	if c.cancelledAt != nil {
		out.CancelTime = timestamppb.New(*c.cancelledAt)
		for _, t := range ts {
			if t.State != domain.Cancelled {
				out.KeptTranches = append(out.KeptTranches, resource.TrancheName(t.ID))
			}
		}
	}
	if c.pending != nil {
		out.PendingAccount = &paymentsv1.BeneficiaryAccount{
			Holder:      c.beneficiary.Name,
			Iban:        c.pending.IBAN,
			Bic:         c.pending.BIC,
			State:       accountPendingApproval,
			RequestedBy: c.pending.RequestedBy,
			RequestTime: timestamppb.New(c.pending.RequestedAt),
		}
	}
	return out
}

// parseCommitmentName returns the application of calls/{call}/applications/{application}/commitment.
func parseCommitmentName(name string) (string, error) {
	application, ok := strings.CutSuffix(name, "/commitment")
	if !ok {
		return "", grpcx.InvalidArgument(grpcx.Violation{Field: "name", Description: "must be calls/{call}/applications/{application}/commitment"})
	}
	if _, _, err := resource.ParseApplication(application); err != nil {
		return "", grpcx.InvalidArgument(grpcx.Violation{Field: "name", Description: err.Error()})
	}
	return application, nil
}

// GetCommitment returns a project's commitment. An applicant sees only the projects of its own
// organisation; any other is NotFound, like a project that does not exist.
func (s *Service) GetCommitment(ctx context.Context, req *paymentsv1.GetCommitmentRequest) (*paymentsv1.Commitment, error) {
	application, err := parseCommitmentName(req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := loadCommitment(ctx, s.pool, application, "")
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if p := auth.FromContext(ctx); p.Role == auth.Applicant && (p.Siret == "" || p.Siret != c.beneficiary.Siret) {
		return nil, notFound(req.GetName())
	}
	out, err := commitmentWithTranches(ctx, s.pool, c)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}
