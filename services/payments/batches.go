package payments

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/domain"
	"github.com/guichet/guichet/services/payments/sepa"
)

// Batch states.
const (
	batchExported  = "EXPORTED"
	batchConfirmed = "CONFIRMED"
)

type batch struct {
	id, createdBy, state string
	total                int64
	executionDate        time.Time
	createdAt            time.Time
	tranches             []string
}

func (b batch) proto() *paymentsv1.PaymentBatch {
	names := make([]string, len(b.tranches))
	for i, t := range b.tranches {
		names[i] = resource.TrancheName(t)
	}
	return &paymentsv1.PaymentBatch{
		Name:                   resource.BatchName(b.id),
		Tranches:               names,
		TotalCents:             b.total,
		State:                  b.state,
		CreatedBy:              b.createdBy,
		CreateTime:             timestamppb.New(b.createdAt),
		RequestedExecutionDate: b.executionDate.Format(time.DateOnly),
	}
}

// batchView is what the audit log records of a new batch.
type batchView struct {
	Tranches               []string `json:"tranches"`
	TotalCents             int64    `json:"totalCents"`
	State                  string   `json:"state"`
	RequestedExecutionDate string   `json:"requestedExecutionDate"`
}

// loadBatch reads a batch and the tranches of its file; lock holds the batch row until the end of tx.
func loadBatch(ctx context.Context, tx pgx.Tx, id string, lock bool) (batch, error) {
	b := batch{id: id}
	q := `SELECT created_by, state, total_cents, requested_execution_date, created_at FROM payment_batches WHERE id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	err := tx.QueryRow(ctx, q, id).Scan(&b.createdBy, &b.state, &b.total, &b.executionDate, &b.createdAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, notFound(resource.BatchName(id))
	}
	if err != nil {
		return b, err
	}
	rows, err := tx.Query(ctx, `SELECT tranche FROM batch_tranches WHERE batch = $1 ORDER BY position`, id)
	if err != nil {
		return b, err
	}
	b.tranches, err = pgx.CollectRows(rows, pgx.RowTo[string])
	return b, err
}

// CreatePaymentBatch gathers ordered tranches into a payment batch, whose SEPA file GetPain001
// returns. The accountant will pay these tranches, so it may have neither certified nor ordered any.
func (s *Service) CreatePaymentBatch(ctx context.Context, req *paymentsv1.CreatePaymentBatchRequest) (*paymentsv1.PaymentBatch, error) {
	trancheIDs := make([]string, len(req.GetTranches()))
	seen := make(map[string]bool, len(req.GetTranches()))
	for i, name := range req.GetTranches() {
		id, err := resource.ParseTranche(name)
		if err != nil {
			return nil, grpcx.InvalidArgument(grpcx.Violation{Field: fmt.Sprintf("tranches[%d]", i), Description: err.Error()})
		}
		if seen[id] {
			return nil, grpcx.InvalidArgument(grpcx.Violation{Field: fmt.Sprintf("tranches[%d]", i), Description: name + " appears twice"})
		}
		seen[id] = true
		trancheIDs[i] = id
	}
	if len(trancheIDs) == 0 {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "tranches", Description: "at least one tranche is required"})
	}
	p := auth.FromContext(ctx)
	now := s.now()
	b := batch{id: ids.New(), createdBy: p.Subject, state: batchExported, executionDate: domain.NextBusinessDay(now),
		createdAt: now, tranches: trancheIDs}
	err := pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		locked, err := lockTranches(ctx, tx, trancheIDs)
		if err != nil {
			return err
		}
		// The accounts are read under a share lock, so that an account correction waits for the batch
		// or the batch sees it.
		commitments, err := lockCommitments(ctx, tx, applicationsOf(locked), "FOR SHARE")
		if err != nil {
			return err
		}
		next := make([]domain.Tranche, len(trancheIDs))
		for i, id := range trancheIDs {
			t, ok := locked[id]
			if !ok {
				return notFound(resource.TrancheName(id))
			}
			if next[i], err = t.Export(p.Subject, b.id); err != nil {
				return refuse("batch.create.refused", resource.TrancheName(id), err)
			}
			if c := commitments[t.Application]; c.pending != nil {
				return status.Errorf(codes.FailedPrecondition, "%s: the bank account of %s was changed to %s and awaits a finance officer's approval",
					resource.TrancheName(id), t.Application, c.pending.IBAN)
			}
			b.total += t.AmountCents
		}
		if _, err := tx.Exec(ctx, `INSERT INTO payment_batches (id, created_by, state, total_cents, requested_execution_date, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, b.id, b.createdBy, b.state, b.total, b.executionDate, b.createdAt); err != nil {
			return err
		}
		for i, id := range trancheIDs {
			// The file keeps the creditor's approved account of today, whatever is approved later.
			creditor := commitments[locked[id].Application].beneficiary
			if _, err := tx.Exec(ctx, `INSERT INTO batch_tranches (batch, tranche, position, amount_cents, creditor_name, creditor_iban, creditor_bic)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				b.id, id, i+1, locked[id].AmountCents, creditor.Name, creditor.IBAN, creditor.BIC); err != nil {
				return err
			}
			if _, err := s.saveTranche(ctx, tx, p, "tranche.export", locked[id], next[i], next[i].State); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "batch.create", Object: resource.BatchName(b.id),
			After: batchView{Tranches: b.proto().GetTranches(), TotalCents: b.total, State: b.state,
				RequestedExecutionDate: b.executionDate.Format(time.DateOnly)}}.FromPrincipal(p))
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return b.proto(), nil
}

// GetPain001 returns the SEPA Credit Transfer file of a batch. The file is built from what the
// batch recorded when it was made (its tranches, amounts, creditors' approved accounts and creation
// instant), so asking again returns the same file.
func (s *Service) GetPain001(ctx context.Context, req *paymentsv1.GetPain001Request) (*httpbody.HttpBody, error) {
	id, err := resource.ParseBatch(req.GetName())
	if err != nil {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "name", Description: err.Error()})
	}
	file := sepa.Batch{MessageID: id, Debtor: sepa.Party(s.debtor)}
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		b, err := loadBatch(ctx, tx, id, false)
		if err != nil {
			return err
		}
		file.CreatedAt, file.ExecutionDate = b.createdAt, b.executionDate
		rows, err := tx.Query(ctx, `SELECT bt.tranche, bt.amount_cents, t.application, t.sequence, t.title,
			bt.creditor_name, bt.creditor_iban, bt.creditor_bic
			FROM batch_tranches bt JOIN tranches t ON t.id = bt.tranche
			WHERE bt.batch = $1 ORDER BY bt.position`, id)
		if err != nil {
			return err
		}
		file.Transfers, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (sepa.Transfer, error) {
			var t sepa.Transfer
			var application, title string
			var sequence int
			err := r.Scan(&t.EndToEndID, &t.AmountCents, &application, &sequence, &title, &t.Creditor.Name, &t.Creditor.IBAN, &t.Creditor.BIC)
			t.Remittance = remittance(application, sequence, title)
			return t, err
		})
		return err
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	data, err := sepa.Build(file)
	if err != nil {
		return nil, s.fail(ctx, fmt.Errorf("payment file of %s: %w", req.GetName(), err))
	}
	return &httpbody.HttpBody{ContentType: "application/xml", Data: data}, nil
}

// remittance is what the beneficiary reads on its statement: which grant and which tranche.
func remittance(application string, sequence int, title string) string {
	call, app, err := resource.ParseApplication(application)
	if err != nil {
		return fmt.Sprintf("Subvention tranche %d %s", sequence, title)
	}
	return fmt.Sprintf("Subvention %s dossier %s tranche %d %s", call, app, sequence, title)
}

// link is a tranche of a batch's file and the bank's outcome for it.
type link struct {
	amount  int64
	outcome string
}

// ConfirmPaymentBatch records the bank's outcome per tranche. A paid tranche is paid once: an
// outcome already recorded is skipped, so confirming a batch again changes nothing.
func (s *Service) ConfirmPaymentBatch(ctx context.Context, req *paymentsv1.ConfirmPaymentBatchRequest) (*paymentsv1.PaymentBatch, error) {
	batchID, err := resource.ParseBatch(req.GetName())
	if err != nil {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "name", Description: err.Error()})
	}
	p := auth.FromContext(ctx)
	var out batch
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		b, err := loadBatch(ctx, tx, batchID, true)
		if err != nil {
			return err
		}
		links, err := batchLinks(ctx, tx, batchID)
		if err != nil {
			return err
		}
		trancheIDs, err := checkOutcomes(req, links)
		if err != nil {
			return err
		}
		locked, err := lockTranches(ctx, tx, trancheIDs)
		if err != nil {
			return err
		}
		// A payment updates the totals of its commitment and call: lock them now, in the one order
		// every transaction uses, rather than one by one while the audit chain's lock is held.
		if err := lockTotals(ctx, tx, applicationsOf(locked)); err != nil {
			return err
		}
		for i, o := range req.GetOutcomes() {
			id := trancheIDs[i]
			l := links[id]
			if l.outcome == o.GetOutcome() {
				continue
			}
			if l.outcome != "" {
				return status.Errorf(codes.FailedPrecondition, "%s was already settled as %s in %s", o.GetTranche(), l.outcome, req.GetName())
			}
			if err := s.settle(ctx, tx, p, batchID, locked[id], o); err != nil {
				return err
			}
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM batch_tranches WHERE batch = $1 AND outcome IS NULL`, batchID).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 && b.state != batchConfirmed {
			now := s.now()
			if _, err := tx.Exec(ctx, `UPDATE payment_batches SET state = $2, confirmed_at = $3 WHERE id = $1`, batchID, batchConfirmed, now); err != nil {
				return err
			}
			if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "batch.confirm", Object: req.GetName(),
				Before: map[string]string{"state": b.state}, After: map[string]string{"state": batchConfirmed}}.FromPrincipal(p)); err != nil {
				return err
			}
			b.state = batchConfirmed
		}
		out = b
		return nil
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out.proto(), nil
}

func batchLinks(ctx context.Context, tx pgx.Tx, batchID string) (map[string]link, error) {
	rows, err := tx.Query(ctx, `SELECT tranche, amount_cents, COALESCE(outcome, '') FROM batch_tranches WHERE batch = $1`, batchID)
	if err != nil {
		return nil, err
	}
	links := map[string]link{}
	var id string
	var l link
	_, err = pgx.ForEachRow(rows, []any{&id, &l.amount, &l.outcome}, func() error {
		links[id] = l
		return nil
	})
	return links, err
}

// checkOutcomes checks that each outcome names a tranche of the batch, once, and returns their ids.
func checkOutcomes(req *paymentsv1.ConfirmPaymentBatchRequest, links map[string]link) ([]string, error) {
	trancheIDs := make([]string, len(req.GetOutcomes()))
	for i, o := range req.GetOutcomes() {
		field := fmt.Sprintf("outcomes[%d].tranche", i)
		id, err := resource.ParseTranche(o.GetTranche())
		if err != nil {
			return nil, grpcx.InvalidArgument(grpcx.Violation{Field: field, Description: err.Error()})
		}
		if _, ok := links[id]; !ok {
			return nil, grpcx.InvalidArgument(grpcx.Violation{Field: field, Description: o.GetTranche() + " is not in " + req.GetName()})
		}
		if slices.Contains(trancheIDs[:i], id) {
			return nil, grpcx.InvalidArgument(grpcx.Violation{Field: field, Description: o.GetTranche() + " has two outcomes"})
		}
		switch o.GetOutcome() {
		case string(domain.Paid):
		case string(domain.Rejected):
			if o.GetReason() == "" {
				return nil, grpcx.InvalidArgument(grpcx.Violation{Field: fmt.Sprintf("outcomes[%d].reason", i), Description: "a rejection needs the bank's reason"})
			}
		default:
			return nil, grpcx.InvalidArgument(grpcx.Violation{Field: fmt.Sprintf("outcomes[%d].outcome", i), Description: "must be PAID or REJECTED"})
		}
		trancheIDs[i] = id
	}
	return trancheIDs, nil
}

// settle records the outcome of one tranche of a batch. A payment moves the money from the
// project's commitment to its paid account, in the ledger and in the totals the CHECK constraints
// bound; a rejection puts the tranche back among the ordered ones.
func (s *Service) settle(ctx context.Context, tx pgx.Tx, p auth.Principal, batchID string, t tranche, o *paymentsv1.TrancheOutcome) error {
	now := s.now()
	switch o.GetOutcome() {
	case string(domain.Paid):
		next, _, err := t.Pay(p.Subject, batchID)
		if err != nil {
			return refuse("tranche.pay.refused", o.GetTranche(), err)
		}
		if _, err := tx.Exec(ctx, `UPDATE commitments SET paid_cents = paid_cents + $2, updated_at = $3 WHERE application = $1`,
			t.Application, t.AmountCents, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE call_budgets SET paid_cents = paid_cents + $2, updated_at = $3
			WHERE call = (SELECT call FROM commitments WHERE application = $1)`, t.Application, t.AmountCents, now); err != nil {
			return err
		}
		if err := post(ctx, tx, "pay:"+t.ID, now,
			posting{commitmentAccount(t.Application), -t.AmountCents},
			posting{paidAccount(t.Application), t.AmountCents}); err != nil {
			return err
		}
		if _, err := s.saveTranche(ctx, tx, p, "tranche.pay", t, next, domain.Paid); err != nil {
			return err
		}
	case string(domain.Rejected):
		next, err := t.Reject(batchID, o.GetReason())
		if err != nil {
			return refuse("tranche.reject.refused", o.GetTranche(), err)
		}
		if _, err := s.saveTranche(ctx, tx, p, "tranche.reject", t, next, domain.Rejected); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `UPDATE batch_tranches SET outcome = $3, reason = $4, settled_by = $5, settled_at = $6 WHERE batch = $1 AND tranche = $2`,
		batchID, t.ID, o.GetOutcome(), o.GetReason(), p.Subject, now)
	return err
}

// applicationsOf returns the applications of tranches, each once.
func applicationsOf(tranches map[string]tranche) []string {
	var out []string
	for _, t := range tranches {
		if !slices.Contains(out, t.Application) {
			out = append(out, t.Application)
		}
	}
	slices.Sort(out)
	return out
}

// lockTotals locks the commitments of applications and the budgets of their calls, each in name order.
func lockTotals(ctx context.Context, tx pgx.Tx, applications []string) error {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM commitments WHERE application = ANY($1) ORDER BY application FOR UPDATE`, applications); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `SELECT 1 FROM call_budgets WHERE call IN (SELECT call FROM commitments WHERE application = ANY($1))
		ORDER BY call FOR UPDATE`, applications)
	return err
}
