package payments

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/resource"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/domain"
)

// tranche is a row of tranches.
type tranche struct {
	domain.Tranche
	Application string
	Title       string
	DueDate     string
	UpdatedAt   time.Time
}

const trancheColumns = `id, application, sequence, title, COALESCE(to_char(due_date, 'YYYY-MM-DD'), ''), amount_cents, state,
	COALESCE(report, ''), COALESCE(certified_by, ''), COALESCE(ordered_by, ''), COALESCE(paid_by, ''), COALESCE(batch, ''),
	rejection_reason, COALESCE(cancelled_by, ''), cancellation_reason, updated_at`

func scanTranche(row pgx.Row) (tranche, error) {
	var t tranche
	var state string
	err := row.Scan(&t.ID, &t.Application, &t.Sequence, &t.Title, &t.DueDate, &t.AmountCents, &state,
		&t.Report, &t.CertifiedBy, &t.OrderedBy, &t.PaidBy, &t.Batch,
		&t.RejectionReason, &t.CancelledBy, &t.CancellationReason, &t.UpdatedAt)
	t.State = domain.State(state)
	return t, err
}

func collectTranches(rows pgx.Rows, err error) ([]tranche, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tranche, error) { return scanTranche(r) })
}

// lockTranche reads a tranche and locks it until the end of tx; NotFound when there is none.
func lockTranche(ctx context.Context, tx pgx.Tx, id string) (tranche, error) {
	t, err := scanTranche(tx.QueryRow(ctx, `SELECT `+trancheColumns+` FROM tranches WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, notFound(resource.TrancheName(id))
	}
	return t, err
}

// lockTranches locks tranches in id order, the one order every transaction uses, so that two
// transactions locking overlapping sets wait for each other instead of deadlocking.
func lockTranches(ctx context.Context, tx pgx.Tx, ids []string) (map[string]tranche, error) {
	ts, err := collectTranches(tx.Query(ctx, `SELECT `+trancheColumns+` FROM tranches WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]tranche, len(ts))
	for _, t := range ts {
		byID[t.ID] = t
	}
	return byID, nil
}

func listTranches(ctx context.Context, q querier, application string) ([]tranche, error) {
	return collectTranches(q.Query(ctx, `SELECT `+trancheColumns+` FROM tranches WHERE application = $1 ORDER BY sequence`, application))
}

// trancheView is what the audit log records of a tranche.
type trancheView struct {
	State              string `json:"state"`
	AmountCents        int64  `json:"amountCents"`
	Report             string `json:"report,omitempty"`
	CertifiedBy        string `json:"certifiedBy,omitempty"`
	OrderedBy          string `json:"orderedBy,omitempty"`
	PaidBy             string `json:"paidBy,omitempty"`
	Batch              string `json:"batch,omitempty"`
	RejectionReason    string `json:"rejectionReason,omitempty"`
	CancelledBy        string `json:"cancelledBy,omitempty"`
	CancellationReason string `json:"cancellationReason,omitempty"`
}

func view(t domain.Tranche) trancheView {
	v := trancheView{State: string(t.State), AmountCents: t.AmountCents, Report: t.Report, CertifiedBy: t.CertifiedBy,
		OrderedBy: t.OrderedBy, PaidBy: t.PaidBy, RejectionReason: t.RejectionReason,
		CancelledBy: t.CancelledBy, CancellationReason: t.CancellationReason}
	if t.Batch != "" {
		v.Batch = resource.BatchName(t.Batch)
	}
	return v
}

// saveTranche writes the transition of a tranche from before to next, with its audit entry and
// the signal to the application's workflow, all in tx. event is the state the workflow is told:
// the new state, or REJECTED for a payment the bank refused (the tranche is then ORDERED again).
func (s *Service) saveTranche(ctx context.Context, tx pgx.Tx, p auth.Principal, action string, before tranche, next domain.Tranche, event domain.State) (tranche, error) {
	now := s.now()
	_, err := tx.Exec(ctx, `UPDATE tranches SET state = $2, certified_by = NULLIF($3, ''), ordered_by = NULLIF($4, ''),
		paid_by = NULLIF($5, ''), batch = NULLIF($6, ''), rejection_reason = $7, updated_at = $8,
		report = NULLIF($9, ''), cancelled_by = NULLIF($10, ''), cancellation_reason = $11,
		certified_at = CASE WHEN certified_by IS NULL AND $3 <> '' THEN $8 ELSE certified_at END,
		ordered_at = CASE WHEN ordered_by IS NULL AND $4 <> '' THEN $8 ELSE ordered_at END,
		paid_at = CASE WHEN paid_by IS NULL AND $5 <> '' THEN $8 ELSE paid_at END,
		report_submitted_at = CASE WHEN report IS DISTINCT FROM NULLIF($9, '') THEN
			CASE WHEN $9 = '' THEN NULL ELSE $8 END ELSE report_submitted_at END,
		cancelled_at = CASE WHEN cancelled_by IS NULL AND $10 <> '' THEN $8 ELSE cancelled_at END
		WHERE id = $1`,
		next.ID, string(next.State), next.CertifiedBy, next.OrderedBy, next.PaidBy, next.Batch, next.RejectionReason, now,
		next.Report, next.CancelledBy, next.CancellationReason)
	if err != nil {
		return before, err
	}
	name := resource.TrancheName(next.ID)
	err = audit.Append(ctx, tx, audit.Entry{At: now, Action: action, Object: name, Before: view(before.Tranche), After: view(next)}.FromPrincipal(p))
	if err != nil {
		return before, err
	}
	err = outbox.Enqueue(ctx, tx, outbox.Message{
		WorkflowID: flow.ApplicationWorkflowID(before.Application),
		Signal:     flow.SignalTrancheChanged,
		Payload:    flow.TrancheChange{Tranche: name, State: string(event)},
	})
	if err != nil {
		return before, err
	}
	after := before
	after.Tranche, after.UpdatedAt = next, now
	return after, nil
}

// posting is one line of a ledger transaction.
type posting struct {
	account string
	cents   int64
}

// post writes a balanced ledger transaction. Its id names the event it records, so posting the
// same event twice breaks the (txn, account) key; the database also refuses, at commit, a
// transaction that does not sum to zero.
func post(ctx context.Context, tx pgx.Tx, txn string, at time.Time, lines ...posting) error {
	for _, l := range lines {
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_entries (txn, account, amount_cents, created_at) VALUES ($1, $2, $3, $4)`,
			txn, l.account, l.cents, at); err != nil {
			return err
		}
	}
	return nil
}

// Ledger accounts.
func appropriationAccount(call string) string { return "appropriation:" + call }
func envelopeAccount(call string) string      { return "envelope:" + call }
func commitmentAccount(app string) string     { return "commitment:" + app }
func paidAccount(app string) string           { return "paid:" + app }

func trancheProto(t tranche) *paymentsv1.Tranche {
	out := &paymentsv1.Tranche{
		Name:               resource.TrancheName(t.ID),
		Application:        t.Application,
		Sequence:           t.Sequence,
		Title:              t.Title,
		AmountCents:        t.AmountCents,
		DueDate:            t.DueDate,
		State:              string(t.State),
		CertifiedBy:        t.CertifiedBy,
		OrderedBy:          t.OrderedBy,
		PaidBy:             t.PaidBy,
		RejectionReason:    t.RejectionReason,
		UpdateTime:         timestamppb.New(t.UpdatedAt),
		Report:             t.Report,
		CancelledBy:        t.CancelledBy,
		CancellationReason: t.CancellationReason,
	}
	if t.Batch != "" {
		out.Batch = resource.BatchName(t.Batch)
	}
	return out
}

func tranchesProto(ts []tranche) []*paymentsv1.Tranche {
	out := make([]*paymentsv1.Tranche, len(ts))
	for i, t := range ts {
		out[i] = trancheProto(t)
	}
	return out
}
