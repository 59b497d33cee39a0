package payments

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

func (f *fixture) cancel(application, reason string) (*paymentsv1.Commitment, error) {
	return f.client.CancelRemainingTranches(f.as(auth.ProgrammeOfficer, officer),
		&paymentsv1.CancelRemainingTranchesRequest{Name: application + "/commitment", Reason: reason})
}

// TestCancelRemainingTranches: the programme officer ends a project's funding; what is not yet
// ordered goes back to the envelope, in the budget and in the ledger; the exported tranche is kept
// and paid.
func TestCancelRemainingTranches(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, 1_000_000_00)
	app, other := call+"/applications/alpha", call+"/applications/beta"
	ts := f.commit(app, 300_000_00, 90_000_00, 150_000_00, 60_000_00).GetTranches()
	f.commit3(other, 100_000_00)
	advance, interim, balance := ts[0].GetName(), ts[1].GetName(), ts[2].GetName()
	f.ordered(advance)
	b := f.batch(advance)
	f.certified(interim)

	const reason = "the interim report is four months late despite two reminders"
	c, err := f.cancel(app, reason)
	require.NoError(t, err)
	require.Equal(t, app+"/commitment", c.GetName())
	require.Equal(t, int64(300_000_00), c.GetAgreementAmountCents())
	require.Equal(t, int64(90_000_00), c.GetAmountCents())
	require.Equal(t, int64(210_000_00), c.GetCancelledCents())
	require.Equal(t, officer, c.GetCancelledBy())
	require.Equal(t, reason, c.GetCancellationReason())
	require.Equal(t, f.clk.Now().UTC(), c.GetCancelTime().AsTime())
	require.Equal(t, []string{advance}, c.GetKeptTranches(), "the exported advance is kept, and the response says so")
	states := []string{}
	for _, tr := range c.GetTranches() {
		states = append(states, tr.GetState())
	}
	require.Equal(t, []string{"EXPORTED", "CANCELLED", "CANCELLED"}, states)
	require.Equal(t, officer, c.GetTranches()[1].GetCancelledBy())
	require.Equal(t, reason, c.GetTranches()[2].GetCancellationReason())

	// The money is back in the envelope, and the ledger says the same as the budget.
	budget := f.budget(call)
	require.Equal(t, int64(190_000_00), budget.GetCommittedCents())
	require.Equal(t, int64(810_000_00), budget.GetAvailableCents())
	ledger := f.ledgerBalances()
	require.Equal(t, budget.GetAvailableCents(), ledger["envelope:aap-2026"])
	require.Equal(t, int64(90_000_00), ledger["commitment:"+app])
	require.Equal(t, 2, f.count(`SELECT count(*) FROM ledger_entries WHERE txn = $1`, "decommit:"+app))

	// Audited and signalled, once per cancelled tranche.
	require.Equal(t, 2, f.audits("tranche.cancel"))
	require.Equal(t, 1, f.count(`SELECT count(*) FROM audit_log WHERE action = 'commitment.cancel' AND actor = $1 AND object = $2
		AND (after->>'cancelledCents')::bigint = 21000000 AND after->>'cancellationReason' = $3`, officer, app+"/commitment", reason))
	require.Equal(t, 2, f.count(`SELECT count(*) FROM outbox WHERE workflow_id = $1 AND signal_name = $2 AND payload->>'state' = 'CANCELLED'`,
		flow.ApplicationWorkflowID(app), flow.SignalTrancheChanged))

	// A repeat, even with another reason, changes nothing.
	before := f.rows()
	again, err := f.cancel(app, "double click")
	require.NoError(t, err)
	require.Equal(t, reason, again.GetCancellationReason())
	require.Equal(t, c.GetKeptTranches(), again.GetKeptTranches())
	require.Equal(t, before, f.rows())
	require.Equal(t, int64(190_000_00), f.budget(call).GetCommittedCents())
	// A retry of the original commitment by the workflow still finds it, decommitted.
	retry := f.commit(app, 300_000_00, 90_000_00, 150_000_00, 60_000_00)
	require.Equal(t, int64(90_000_00), retry.GetAmountCents())
	require.Equal(t, before, f.rows())

	// A cancelled tranche goes no further.
	_, err = f.client.OrderTranche(f.as(auth.FinanceOfficer, finance), &paymentsv1.OrderTrancheRequest{Name: interim})
	requireCode(t, err, codes.FailedPrecondition)
	_, err = f.client.CertifyTranche(f.as(auth.ProgrammeOfficer, officer), &paymentsv1.CertifyTrancheRequest{Name: balance})
	requireCode(t, err, codes.FailedPrecondition)
	_, err = f.client.MarkReportSubmitted(f.system(), &paymentsv1.MarkReportSubmittedRequest{Name: balance, Report: "r3"})
	requireCode(t, err, codes.FailedPrecondition)

	// The kept tranche is paid, and the project's commitment is then settled in full.
	_, err = f.confirm(b.GetName(), paid(advance))
	require.NoError(t, err)
	budget = f.budget(call)
	require.Equal(t, int64(90_000_00), budget.GetPaidCents())
	require.Zero(t, f.ledgerBalances()["commitment:"+app])

	// The freed money funds another project, to the last cent and no further.
	reserve := call + "/applications/gamma"
	_, err = f.client.CommitGrant(f.system(), grantRequest(reserve, siretDINUM, budget.GetAvailableCents()+1, usualSchedule(budget.GetAvailableCents()+1)...))
	requireCode(t, err, codes.FailedPrecondition)
	f.commit3(reserve, budget.GetAvailableCents())
	require.Zero(t, f.budget(call).GetAvailableCents())
	f.verifyAudit()
}

func TestCancelRemainingTranchesRefusals(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app, whole := call+"/applications/alpha", call+"/applications/beta"
	tranches := f.commit3(app, 100_000_00).GetTranches()
	f.commit(whole, 200_000_00, 60_000_00, 140_000_00)

	_, err := f.cancel(app, "   ")
	requireViolation(t, err, "reason")
	_, err = f.cancel(call+"/applications/ghost", "late")
	requireCode(t, err, codes.NotFound)

	// Nothing to cancel once every tranche is ordered: refused, nothing written.
	for _, tr := range tranches {
		f.ordered(tr.GetName())
	}
	before := f.rows()
	_, err = f.cancel(app, "late")
	requireCode(t, err, codes.FailedPrecondition)
	require.Equal(t, before, f.rows())

	// Cancelling every tranche leaves nothing committed, and the database accepts it.
	c, err := f.cancel(whole, "the beneficiary gave the project up")
	require.NoError(t, err)
	require.Zero(t, c.GetAmountCents())
	require.Equal(t, int64(200_000_00), c.GetCancelledCents())
	require.Empty(t, c.GetKeptTranches())
	require.Equal(t, int64(100_000_00), f.budget(call).GetCommittedCents())
	require.Zero(t, f.ledgerBalances()["commitment:"+whole])
	f.verifyAudit()
}
