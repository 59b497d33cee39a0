package payments

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

// TestSamePersonCannotCertifyAndOrder: alice holds both roles; the server, not the UI, stops her.
func TestSamePersonCannotCertifyAndOrder(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	tranche := f.commit3(app, 100_000_00).GetTranches()[0].GetName()
	_, err := f.client.CertifyTranche(f.as(auth.ProgrammeOfficer, "alice"), &paymentsv1.CertifyTrancheRequest{Name: tranche})
	require.NoError(t, err)
	before := f.rows()

	_, err = f.client.OrderTranche(f.as(auth.FinanceOfficer, "alice"), &paymentsv1.OrderTrancheRequest{Name: tranche})
	st := requireCode(t, err, codes.PermissionDenied)
	require.Contains(t, st.Message(), "separation of duties")

	require.Equal(t, "CERTIFIED", f.tranches(app)[0].GetState())
	require.Equal(t, 1, f.audits("tranche.order.refused"), "the refused attempt is audited")
	require.Equal(t, 1, f.count(`SELECT count(*) FROM audit_log WHERE action = 'tranche.order.refused' AND actor = 'alice' AND object = $1`, tranche))
	after := f.rows()
	require.Equal(t, before[0]+1, after[0], "only the refusal is written")
	require.Equal(t, before[1:], after[1:], "no signal, no ledger entry")
	f.verifyAudit()

	// Another finance officer may order it.
	ord, err := f.client.OrderTranche(f.as(auth.FinanceOfficer, finance), &paymentsv1.OrderTrancheRequest{Name: tranche})
	require.NoError(t, err)
	require.Equal(t, "ORDERED", ord.GetState())
}

// TestSamePersonCannotOrderAndPay: the orderer, or the certifier, acting as accountant cannot put
// the tranche in a payment file nor confirm its payment.
func TestSamePersonCannotOrderAndPay(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	tranches := f.commit(app, 100_000_00, 30_000_00, 70_000_00).GetTranches()
	first := tranches[0].GetName()
	_, err := f.client.CertifyTranche(f.as(auth.ProgrammeOfficer, officer), &paymentsv1.CertifyTrancheRequest{Name: first})
	require.NoError(t, err)
	_, err = f.client.OrderTranche(f.as(auth.FinanceOfficer, "bob"), &paymentsv1.OrderTrancheRequest{Name: first})
	require.NoError(t, err)

	for _, who := range []string{"bob", officer} {
		_, err = f.client.CreatePaymentBatch(f.as(auth.Accountant, who), &paymentsv1.CreatePaymentBatchRequest{Tranches: []string{first}})
		st := requireCode(t, err, codes.PermissionDenied)
		require.Contains(t, st.Message(), "separation of duties")
	}
	require.Equal(t, 2, f.audits("batch.create.refused"))
	require.Equal(t, "ORDERED", f.tranches(app)[0].GetState())
	require.Zero(t, f.count(`SELECT count(*) FROM payment_batches`))

	// An accountant who did neither batches it; the orderer still cannot confirm the payment.
	batch, err := f.client.CreatePaymentBatch(f.as(auth.Accountant, accountant), &paymentsv1.CreatePaymentBatchRequest{Tranches: []string{first}})
	require.NoError(t, err)
	confirm := &paymentsv1.ConfirmPaymentBatchRequest{Name: batch.GetName(), Outcomes: []*paymentsv1.TrancheOutcome{{Tranche: first, Outcome: "PAID"}}}
	_, err = f.client.ConfirmPaymentBatch(f.as(auth.Accountant, "bob"), confirm)
	requireCode(t, err, codes.PermissionDenied)
	require.Equal(t, 1, f.audits("tranche.pay.refused"))
	require.Equal(t, "EXPORTED", f.tranches(app)[0].GetState())
	require.Zero(t, f.budget(call).GetPaidCents())

	_, err = f.client.ConfirmPaymentBatch(f.as(auth.Accountant, accountant), confirm)
	require.NoError(t, err)
	require.Equal(t, "PAID", f.tranches(app)[0].GetState())
	f.verifyAudit()
}

// TestDatabaseHoldsSeparationOfDuties: even a bug in the code, or a hand-written UPDATE, cannot
// give one person two of the three duties.
func TestDatabaseHoldsSeparationOfDuties(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	tranche := f.commit3(app, 100_000_00).GetTranches()[0].GetName()
	f.ordered(tranche)
	batch, err := f.client.CreatePaymentBatch(f.as(auth.Accountant, accountant), &paymentsv1.CreatePaymentBatchRequest{Tranches: []string{tranche}})
	require.NoError(t, err)
	_, err = f.client.ConfirmPaymentBatch(f.as(auth.Accountant, accountant), &paymentsv1.ConfirmPaymentBatchRequest{
		Name: batch.GetName(), Outcomes: []*paymentsv1.TrancheOutcome{{Tranche: tranche, Outcome: "PAID"}}})
	require.NoError(t, err)
	ctx := context.Background()
	id := tranche[len("tranches/"):]
	_, err = f.pool.Exec(ctx, `UPDATE tranches SET ordered_by = certified_by WHERE id = $1`, id)
	require.ErrorContains(t, err, "separation_of_duties")
	_, err = f.pool.Exec(ctx, `UPDATE tranches SET paid_by = ordered_by WHERE id = $1`, id)
	require.ErrorContains(t, err, "separation_of_duties")
	_, err = f.pool.Exec(ctx, `UPDATE tranches SET paid_by = certified_by WHERE id = $1`, id)
	require.ErrorContains(t, err, "separation_of_duties")
	// A tranche is paid at most once, even through a second batch.
	_, err = f.pool.Exec(ctx, `INSERT INTO payment_batches (id, created_by, state, total_cents, requested_execution_date, created_at)
		VALUES ('forged', 'accountant-2', 'EXPORTED', 1, '2026-12-01', now())`)
	require.NoError(t, err)
	_, err = f.pool.Exec(ctx, `INSERT INTO batch_tranches (batch, tranche, position, amount_cents, outcome, settled_by,
		creditor_name, creditor_iban, creditor_bic) VALUES ('forged', $1, 1, 1, 'PAID', 'accountant-2', 'x', $2, '')`, id, goodIBAN)
	require.ErrorContains(t, err, "batch_tranches_paid_once")
	// Nor pay more than committed, nor commit more than the envelope.
	_, err = f.pool.Exec(ctx, `UPDATE commitments SET paid_cents = amount_cents + 1`)
	require.ErrorContains(t, err, "_within_amount") // commitment_paid_within_amount and commitment_ordered_within_amount
	_, err = f.pool.Exec(ctx, `UPDATE commitments SET ordered_cents = amount_cents + 1`)
	require.ErrorContains(t, err, "commitment_ordered_within_amount")
	_, err = f.pool.Exec(ctx, `UPDATE commitments SET cancelled_cents = 1, cancelled_by = 'x', cancelled_at = now()`)
	require.ErrorContains(t, err, "commitment_decommitment")
	_, err = f.pool.Exec(ctx, `UPDATE tranches SET state = 'CANCELLED', cancelled_by = 'x', cancelled_at = now() WHERE id = $1`, id)
	require.ErrorContains(t, err, "cancelled_never_ordered")
	_, err = f.pool.Exec(ctx, `UPDATE call_budgets SET committed_cents = envelope_cents + 1`)
	require.ErrorContains(t, err, "budget_committed_within_envelope")
}

// TestCertifyAndOrderStates: a repeat by the same person changes nothing; the wrong state or
// another person is refused.
func TestCertifyAndOrderStates(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	tranche := f.commit3(app, 100_000_00).GetTranches()[0].GetName()

	_, err := f.client.OrderTranche(f.as(auth.FinanceOfficer, finance), &paymentsv1.OrderTrancheRequest{Name: tranche})
	requireCode(t, err, codes.FailedPrecondition)

	first, err := f.client.CertifyTranche(f.as(auth.ProgrammeOfficer, officer), &paymentsv1.CertifyTrancheRequest{Name: tranche})
	require.NoError(t, err)
	before := f.rows()
	again, err := f.client.CertifyTranche(f.as(auth.ProgrammeOfficer, officer), &paymentsv1.CertifyTrancheRequest{Name: tranche})
	require.NoError(t, err)
	require.Equal(t, first.GetUpdateTime().AsTime(), again.GetUpdateTime().AsTime())
	require.Equal(t, before, f.rows(), "a repeated certification wrote something")
	_, err = f.client.CertifyTranche(f.as(auth.ProgrammeOfficer, "officer-2"), &paymentsv1.CertifyTrancheRequest{Name: tranche})
	requireCode(t, err, codes.FailedPrecondition)

	_, err = f.client.OrderTranche(f.as(auth.FinanceOfficer, finance), &paymentsv1.OrderTrancheRequest{Name: tranche})
	require.NoError(t, err)
	before = f.rows()
	_, err = f.client.OrderTranche(f.as(auth.FinanceOfficer, finance), &paymentsv1.OrderTrancheRequest{Name: tranche})
	require.NoError(t, err)
	require.Equal(t, before, f.rows(), "a repeated order wrote something")
	_, err = f.client.OrderTranche(f.as(auth.FinanceOfficer, "finance-2"), &paymentsv1.OrderTrancheRequest{Name: tranche})
	requireCode(t, err, codes.FailedPrecondition)
	_, err = f.client.CertifyTranche(f.as(auth.ProgrammeOfficer, officer), &paymentsv1.CertifyTrancheRequest{Name: tranche})
	requireCode(t, err, codes.FailedPrecondition)

	_, err = f.client.CertifyTranche(f.as(auth.ProgrammeOfficer, officer), &paymentsv1.CertifyTrancheRequest{Name: "tranches/doesnotexist"})
	requireCode(t, err, codes.NotFound)
	_, err = f.client.OrderTranche(f.as(auth.FinanceOfficer, finance), &paymentsv1.OrderTrancheRequest{Name: "tranches/doesnotexist"})
	requireCode(t, err, codes.NotFound)
	f.verifyAudit()
}
