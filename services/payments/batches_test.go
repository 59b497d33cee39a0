package payments

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

func (f *fixture) batch(tranches ...string) *paymentsv1.PaymentBatch {
	f.t.Helper()
	b, err := f.client.CreatePaymentBatch(f.as(auth.Accountant, accountant), &paymentsv1.CreatePaymentBatchRequest{Tranches: tranches})
	require.NoError(f.t, err)
	return b
}

func (f *fixture) confirm(batch string, outcomes ...*paymentsv1.TrancheOutcome) (*paymentsv1.PaymentBatch, error) {
	return f.client.ConfirmPaymentBatch(f.as(auth.Accountant, accountant), &paymentsv1.ConfirmPaymentBatchRequest{Name: batch, Outcomes: outcomes})
}

func paid(tranche string) *paymentsv1.TrancheOutcome {
	return &paymentsv1.TrancheOutcome{Tranche: tranche, Outcome: "PAID"}
}

func TestConfirmingTwiceChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	tranche := f.commit(app, 100_000_00, 30_000_00, 70_000_00).GetTranches()[0].GetName()
	f.ordered(tranche)
	b := f.batch(tranche)

	first, err := f.confirm(b.GetName(), paid(tranche))
	require.NoError(t, err)
	require.Equal(t, "CONFIRMED", first.GetState())
	before := f.rows()
	ledger := f.ledgerBalances()

	for range 2 {
		again, err := f.confirm(b.GetName(), paid(tranche))
		require.NoError(t, err)
		require.Equal(t, "CONFIRMED", again.GetState())
	}
	require.Equal(t, before, f.rows(), "a repeated confirmation wrote something")
	require.Equal(t, ledger, f.ledgerBalances())
	require.Equal(t, int64(30_000_00), f.budget(call).GetPaidCents())
	require.Equal(t, 1, f.audits("tranche.pay"))
	require.Equal(t, 1, f.count(`SELECT count(*) FROM outbox WHERE payload->>'state' = 'PAID'`))

	// A paid tranche cannot be turned into a rejection afterwards.
	_, err = f.confirm(b.GetName(), &paymentsv1.TrancheOutcome{Tranche: tranche, Outcome: "REJECTED", Reason: "AC04"})
	requireCode(t, err, codes.FailedPrecondition)
	f.verifyAudit()
}

func TestRejectedTrancheGoesBackToOrdered(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	ts := f.commit(app, 100_000_00, 30_000_00, 70_000_00).GetTranches()
	first, second := ts[0].GetName(), ts[1].GetName()
	f.ordered(first)
	f.ordered(second)
	b := f.batch(first, second)

	// A partial confirmation leaves the batch open.
	partial, err := f.confirm(b.GetName(), &paymentsv1.TrancheOutcome{Tranche: second, Outcome: "REJECTED", Reason: "AC04 compte clos"})
	require.NoError(t, err)
	require.Equal(t, "EXPORTED", partial.GetState())
	rejected := f.tranches(app)[1]
	require.Equal(t, "ORDERED", rejected.GetState())
	require.Equal(t, "AC04 compte clos", rejected.GetRejectionReason())
	require.Empty(t, rejected.GetBatch())
	require.Equal(t, finance, rejected.GetOrderedBy())
	require.Equal(t, 1, f.count(`SELECT count(*) FROM outbox WHERE payload->>'state' = 'REJECTED' AND payload->>'tranche' = $1`, second))

	// Repeating the rejection changes nothing; a rejection needs a reason.
	before := f.rows()
	_, err = f.confirm(b.GetName(), &paymentsv1.TrancheOutcome{Tranche: second, Outcome: "REJECTED", Reason: "AC04 compte clos"})
	require.NoError(t, err)
	require.Equal(t, before, f.rows())
	_, err = f.confirm(b.GetName(), &paymentsv1.TrancheOutcome{Tranche: first, Outcome: "REJECTED"})
	requireViolation(t, err, "outcomes[0].reason")

	done, err := f.confirm(b.GetName(), paid(first))
	require.NoError(t, err)
	require.Equal(t, "CONFIRMED", done.GetState())
	require.Equal(t, []string{first, second}, done.GetTranches(), "the batch keeps the content of its file")
	require.Equal(t, int64(30_000_00), f.budget(call).GetPaidCents())

	// The rejected tranche goes into a new batch and is paid there, once.
	b2 := f.batch(second)
	_, err = f.confirm(b2.GetName(), paid(second))
	require.NoError(t, err)
	require.Equal(t, "PAID", f.tranches(app)[1].GetState())
	require.Equal(t, int64(100_000_00), f.budget(call).GetPaidCents())
	require.Zero(t, f.ledgerBalances()["commitment:"+app])
	// ... and the old batch cannot pay it again.
	_, err = f.confirm(b.GetName(), paid(second))
	requireCode(t, err, codes.FailedPrecondition)
	require.Equal(t, int64(100_000_00), f.budget(call).GetPaidCents())
	f.verifyAudit()
}

func TestBatchRefusals(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	ts := f.commit(app, 100_000_00, 30_000_00, 70_000_00).GetTranches()
	first, planned := ts[0].GetName(), ts[1].GetName()
	f.ordered(first)

	_, err := f.client.CreatePaymentBatch(f.as(auth.Accountant, accountant), &paymentsv1.CreatePaymentBatchRequest{Tranches: []string{first, planned}})
	st := requireCode(t, err, codes.FailedPrecondition)
	require.Contains(t, st.Message(), planned)
	_, err = f.client.CreatePaymentBatch(f.as(auth.Accountant, accountant), &paymentsv1.CreatePaymentBatchRequest{Tranches: []string{first, "tranches/nope"}})
	st = requireCode(t, err, codes.NotFound)
	require.Contains(t, st.Message(), "tranches/nope")
	_, err = f.client.CreatePaymentBatch(f.as(auth.Accountant, accountant), &paymentsv1.CreatePaymentBatchRequest{Tranches: []string{first, first}})
	requireCode(t, err, codes.InvalidArgument)
	require.Equal(t, "ORDERED", f.tranches(app)[0].GetState(), "a refused batch leaves its tranches as they were")

	b := f.batch(first)
	// Once in a batch, a tranche cannot go into another.
	_, err = f.client.CreatePaymentBatch(f.as(auth.Accountant, accountant), &paymentsv1.CreatePaymentBatchRequest{Tranches: []string{first}})
	requireCode(t, err, codes.FailedPrecondition)

	// Outcomes must name tranches of the batch.
	_, err = f.confirm(b.GetName(), paid(first), paid(planned))
	requireViolation(t, err, "outcomes[1].tranche")
	_, err = f.confirm(b.GetName(), paid(first), paid(first))
	requireViolation(t, err, "outcomes[1].tranche")
	_, err = f.confirm("payment-batches/nope", paid(first))
	requireCode(t, err, codes.NotFound)
	_, err = f.client.GetPain001(f.as(auth.Auditor, auditor), &paymentsv1.GetPain001Request{Name: "payment-batches/nope"})
	requireCode(t, err, codes.NotFound)
	require.Equal(t, "EXPORTED", f.tranches(app)[0].GetState())
}
