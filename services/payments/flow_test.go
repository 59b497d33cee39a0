package payments

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/internal/paintest"
	"github.com/guichet/guichet/services/payments/sepa"
)

// TestFundingPath follows two grants from the opening of the budget to the bank's confirmation:
// commit, certify, order, batch, payment file, confirmation, and the budget and ledger after it.
func TestFundingPath(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	appA, appB := call+"/applications/alpha", call+"/applications/beta"
	a := f.commit(appA, 300_000_00, 90_000_00, 150_000_00, 60_000_00)
	b := f.commit3(appB, 100_000_00)

	require.Equal(t, appA+"/commitment", a.GetName())
	require.Len(t, a.GetTranches(), 3)
	for i, tr := range a.GetTranches() {
		require.Equal(t, int32(i+1), tr.GetSequence())
		require.Equal(t, "PLANNED", tr.GetState())
		require.Equal(t, appA, tr.GetApplication())
		require.Equal(t, "2027-06-30", tr.GetDueDate())
	}
	budget := f.budget(call)
	require.Equal(t, int64(400_000_00), budget.GetCommittedCents())
	require.Equal(t, envelope-400_000_00, budget.GetAvailableCents())

	first, other := a.GetTranches()[0].GetName(), b.GetTranches()[0].GetName()
	cert, err := f.client.CertifyTranche(f.as(auth.ProgrammeOfficer, officer), &paymentsv1.CertifyTrancheRequest{Name: first})
	require.NoError(t, err)
	require.Equal(t, "CERTIFIED", cert.GetState())
	require.Equal(t, officer, cert.GetCertifiedBy())
	ord, err := f.client.OrderTranche(f.as(auth.FinanceOfficer, finance), &paymentsv1.OrderTrancheRequest{Name: first})
	require.NoError(t, err)
	require.Equal(t, "ORDERED", ord.GetState())
	require.Equal(t, finance, ord.GetOrderedBy())
	f.ordered(other)

	batch, err := f.client.CreatePaymentBatch(f.as(auth.Accountant, accountant), &paymentsv1.CreatePaymentBatchRequest{Tranches: []string{first, other}})
	require.NoError(t, err)
	require.Equal(t, "EXPORTED", batch.GetState())
	require.Equal(t, []string{first, other}, batch.GetTranches())
	require.Equal(t, int64(90_000_00+30_000_00), batch.GetTotalCents())
	require.Equal(t, "2026-11-30", batch.GetRequestedExecutionDate(), "Friday's file is executed on Monday")
	require.Equal(t, accountant, batch.GetCreatedBy())
	require.Equal(t, "EXPORTED", f.tranches(appA)[0].GetState())
	require.Equal(t, batch.GetName(), f.tranches(appA)[0].GetBatch())

	// The payment file: valid against the schema, consistent with itself and with the ledger.
	body, err := f.client.GetPain001(f.as(auth.Accountant, accountant), &paymentsv1.GetPain001Request{Name: batch.GetName()})
	require.NoError(t, err)
	require.Equal(t, "application/xml", body.GetContentType())
	paintest.Validate(t, body.GetData())
	doc, err := sepa.Read(body.GetData())
	require.NoError(t, err)
	sum := paintest.CheckRules(t, doc)
	require.Equal(t, batch.GetTotalCents(), sum)
	m := doc.CstmrCdtTrfInitn
	require.Equal(t, batch.GetName()[len("payment-batches/"):], m.GrpHdr.MsgID)
	require.Equal(t, "DINUM", m.GrpHdr.InitgPty.Nm)
	require.Equal(t, "FR7630006000011234567890189", m.PmtInf.DbtrAcct.ID.IBAN)
	require.Equal(t, "BDFEFRPPCCT", m.PmtInf.DbtrAgt.FinInstnID.BIC)
	require.Equal(t, "2026-11-30", m.PmtInf.ReqdExctnDt)
	require.Len(t, m.PmtInf.CdtTrfTxInf, 2)
	tx := m.PmtInf.CdtTrfTxInf[0]
	require.Equal(t, first[len("tranches/"):], tx.PmtID.EndToEndID)
	require.Equal(t, "90000.00", tx.Amt.InstdAmt.Value)
	require.Equal(t, "Societe Donnees + Territoires", tx.Cdtr.Nm)
	require.Equal(t, goodIBAN, tx.CdtrAcct.ID.IBAN)
	require.Contains(t, tx.RmtInf.Ustrd, "tranche 1 Avance a la signature")
	// An auditor reads the same file, byte for byte.
	again, err := f.client.GetPain001(f.as(auth.Auditor, auditor), &paymentsv1.GetPain001Request{Name: batch.GetName()})
	require.NoError(t, err)
	require.Equal(t, body.GetData(), again.GetData())
	// Before confirmation, the file's amounts are still committed, not paid, in the ledger.
	ledger := f.ledgerBalances()
	require.Equal(t, int64(300_000_00), ledger["commitment:"+appA])
	require.Zero(t, ledger["paid:"+appA])

	confirmed, err := f.client.ConfirmPaymentBatch(f.as(auth.Accountant, accountant2), &paymentsv1.ConfirmPaymentBatchRequest{
		Name: batch.GetName(),
		Outcomes: []*paymentsv1.TrancheOutcome{
			{Tranche: first, Outcome: "PAID"},
			{Tranche: other, Outcome: "PAID"},
		},
	})
	require.NoError(t, err)
	require.Equal(t, "CONFIRMED", confirmed.GetState())
	paid := f.tranches(appA)[0]
	require.Equal(t, "PAID", paid.GetState())
	require.Equal(t, accountant2, paid.GetPaidBy())
	require.Equal(t, []string{officer, finance, accountant2}, []string{paid.GetCertifiedBy(), paid.GetOrderedBy(), paid.GetPaidBy()})

	budget = f.budget(call)
	require.Equal(t, envelope, budget.GetEnvelopeCents())
	require.Equal(t, int64(400_000_00), budget.GetCommittedCents())
	require.Equal(t, int64(90_000_00+30_000_00), budget.GetPaidCents())
	require.Equal(t, envelope-400_000_00, budget.GetAvailableCents())

	// The ledger balances and tells the same story as the budget and the file.
	ledger = f.ledgerBalances()
	require.Equal(t, -envelope, ledger["appropriation:"+call[len("calls/"):]])
	require.Equal(t, budget.GetAvailableCents(), ledger["envelope:"+call[len("calls/"):]])
	require.Equal(t, int64(300_000_00-90_000_00), ledger["commitment:"+appA])
	require.Equal(t, int64(100_000_00-30_000_00), ledger["commitment:"+appB])
	require.Equal(t, sum, ledger["paid:"+appA]+ledger["paid:"+appB])
	require.Equal(t, budget.GetPaidCents(), ledger["paid:"+appA]+ledger["paid:"+appB])

	// Each change of the tranche was signalled to the application's workflow, in order.
	rows, err := f.pool.Query(context.Background(), `SELECT payload FROM outbox WHERE workflow_id = $1 AND signal_name = $2 ORDER BY id`,
		flow.ApplicationWorkflowID(appA), flow.SignalTrancheChanged)
	require.NoError(t, err)
	var states []string
	for rows.Next() {
		var raw []byte
		require.NoError(t, rows.Scan(&raw))
		var change flow.TrancheChange
		require.NoError(t, json.Unmarshal(raw, &change))
		require.Equal(t, first, change.Tranche)
		states = append(states, change.State)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"CERTIFIED", "ORDERED", "EXPORTED", "PAID"}, states)

	// Every step is in the audit log, whose chain verifies.
	for action, want := range map[string]int{"budget.open": 1, "grant.commit": 2, "tranche.certify": 2, "tranche.order": 2,
		"tranche.export": 2, "batch.create": 1, "tranche.pay": 2, "batch.confirm": 1} {
		require.Equal(t, want, f.audits(action), action)
	}
	require.Equal(t, int64(13), f.verifyAudit())

	// The owner organisation sees its tranches.
	own, err := f.client.ListTranches(f.applicant("alice", siretDINUM), &paymentsv1.ListTranchesRequest{Parent: appA})
	require.NoError(t, err)
	require.Len(t, own.GetTranches(), 3)
	require.Equal(t, "PAID", own.GetTranches()[0].GetState())
}

// TestLedgerRefusesUnbalancedTransactions shows the database holding double entry by itself.
func TestLedgerRefusesUnbalancedTransactions(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	ctx := context.Background()
	_, err := f.pool.Exec(ctx, `INSERT INTO ledger_entries (txn, account, amount_cents, created_at) VALUES ('forged', 'paid:x', 100, now())`)
	require.Error(t, err, "an unbalanced ledger transaction was committed")
	_, err = f.pool.Exec(ctx, `UPDATE ledger_entries SET amount_cents = amount_cents * 2`)
	require.Error(t, err, "the ledger was rewritten")
	_, err = f.pool.Exec(ctx, `INSERT INTO ledger_entries (txn, account, amount_cents, created_at)
		VALUES ('open:aap-2026', 'envelope:aap-2026', 1, now()), ('open:aap-2026', 'appropriation:aap-2026', -1, now())`)
	require.Error(t, err, "the same event was posted twice")
	require.Len(t, f.ledgerBalances(), 2)
}
