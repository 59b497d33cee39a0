package payments

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

func TestOpenCallBudgetIsIdempotent(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	before := f.rows()
	b, err := f.client.OpenCallBudget(f.system(), &paymentsv1.OpenCallBudgetRequest{Call: call, EnvelopeCents: envelope})
	require.NoError(t, err)
	require.Equal(t, call+"/budget", b.GetName())
	require.Equal(t, envelope, b.GetAvailableCents())
	require.Equal(t, before, f.rows(), "a repeated opening wrote something")

	_, err = f.client.OpenCallBudget(f.system(), &paymentsv1.OpenCallBudgetRequest{Call: call, EnvelopeCents: envelope + 1})
	requireCode(t, err, codes.FailedPrecondition)
	require.Equal(t, envelope, f.budget(call).GetEnvelopeCents())

	_, err = f.client.GetCallBudget(f.as(auth.Auditor, auditor), &paymentsv1.GetCallBudgetRequest{Name: "calls/unknown/budget"})
	requireCode(t, err, codes.NotFound)
}

func TestCommitGrantIsIdempotent(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	first := f.commit(app, 300_000_00, 90_000_00, 150_000_00, 60_000_00)
	before := f.rows()

	again := f.commit(app, 300_000_00, 90_000_00, 150_000_00, 60_000_00)
	require.Equal(t, first.GetName(), again.GetName())
	require.Equal(t, first.GetCreateTime().AsTime(), again.GetCreateTime().AsTime())
	for i := range first.GetTranches() {
		require.Equal(t, first.GetTranches()[i].GetName(), again.GetTranches()[i].GetName())
	}
	require.Equal(t, before, f.rows(), "a repeated commitment wrote something")
	require.Equal(t, int64(300_000_00), f.budget(call).GetCommittedCents())

	_, err := f.client.CommitGrant(f.system(), grantRequest(app, siretDINUM, 200_000_00, 60_000_00, 100_000_00, 40_000_00))
	requireCode(t, err, codes.FailedPrecondition)
	require.Equal(t, int64(300_000_00), f.budget(call).GetCommittedCents())
	require.Equal(t, 1, f.audits("grant.commit"))
	f.verifyAudit()
}

func TestCommitGrantRefusals(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, 1_000_000_00)
	f.commit(call+"/applications/alpha", 600_000_00, 180_000_00, 300_000_00, 120_000_00)

	// Above the envelope.
	before := f.rows()
	_, err := f.client.CommitGrant(f.system(), grantRequest(call+"/applications/beta", siretDINUM, 500_000_00, 150_000_00, 250_000_00, 100_000_00))
	st := requireCode(t, err, codes.FailedPrecondition)
	require.Contains(t, st.Message(), "envelope")
	require.Equal(t, before, f.rows())
	budget := f.budget(call)
	require.Equal(t, int64(600_000_00), budget.GetCommittedCents())
	require.Equal(t, int64(400_000_00), budget.GetAvailableCents())
	_, err = f.client.ListTranches(f.as(auth.Auditor, auditor), &paymentsv1.ListTranchesRequest{Parent: call + "/applications/beta"})
	requireCode(t, err, codes.NotFound)

	// Exactly what is left fits.
	f.commit(call+"/applications/gamma", 400_000_00, 100_000_00, 300_000_00)
	require.Zero(t, f.budget(call).GetAvailableCents())

	// A call whose budget is not open.
	_, err = f.client.CommitGrant(f.system(), grantRequest("calls/other/applications/x", siretDINUM, 100, 30, 50, 20))
	requireCode(t, err, codes.FailedPrecondition)

	// Bad input names the field.
	_, err = f.client.CommitGrant(f.system(), grantRequest(call+"/applications/delta", siretDINUM, 100_00, 30_00, 60_00))
	requireViolation(t, err, "tranches")
	bad := grantRequest(call+"/applications/delta", siretDINUM, 100_00, 30_00, 50_00, 20_00)
	bad.Beneficiary.Iban = "FR7630006000011234567890188"
	_, err = f.client.CommitGrant(f.system(), bad)
	requireViolation(t, err, "beneficiary.iban")
	bad = grantRequest(call+"/applications/delta", siretDINUM, 100_00, 30_00, 50_00, 20_00)
	bad.Tranches[0].DueDate = "30/06/2027"
	_, err = f.client.CommitGrant(f.system(), bad)
	requireViolation(t, err, "tranches[0].dueDate")
	bad = grantRequest(call+"/applications/delta", siretDINUM, 100_00, 30_00, 50_00, 20_00)
	bad.Tranches[0].AmountCents = 0
	_, err = f.client.CommitGrant(f.system(), bad)
	requireCode(t, err, codes.InvalidArgument)
}

// TestConcurrentCommitsNeverOvershootTheEnvelope: twenty grants race for the last thousand euros.
func TestConcurrentCommitsNeverOvershootTheEnvelope(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	f.commit3(call+"/applications/big", envelope-1_000_00)

	const racers, amount = 20, int64(150_00)
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		ctx := f.system()
		req := grantRequest(fmt.Sprintf("%s/applications/racer%d", call, i), siretDINUM, amount, usualSchedule(amount)...)
		wg.Go(func() {
			_, errs[i] = f.client.CommitGrant(ctx, req)
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	}
	require.Equal(t, 6, won, "1000 EUR fund six grants of 150 EUR")
	budget := f.budget(call)
	require.LessOrEqual(t, budget.GetCommittedCents(), budget.GetEnvelopeCents())
	require.Equal(t, envelope-1_000_00+int64(won)*amount, budget.GetCommittedCents())
	require.Equal(t, won+1, f.count(`SELECT count(*) FROM commitments`))
	require.Equal(t, budget.GetAvailableCents(), f.ledgerBalances()["envelope:aap-2026"])
	f.verifyAudit()
}

// TestScheduleLimitsPerCall: each call has its schedule limits, 30% and 80% unless it says
// otherwise; they are fixed once the budget is open, and every grant of the call is checked
// against them.
func TestScheduleLimitsPerCall(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	b := f.budget(call)
	require.Equal(t, int32(30), b.GetAdvanceMaxPercent())
	require.Equal(t, int32(80), b.GetInterimMaxPercent())

	generous := "calls/generous"
	open := &paymentsv1.OpenCallBudgetRequest{Call: generous, EnvelopeCents: envelope, AdvanceMaxPercent: 50, InterimMaxPercent: 90}
	opened, err := f.client.OpenCallBudget(f.system(), open)
	require.NoError(t, err)
	require.Equal(t, int32(50), opened.GetAdvanceMaxPercent())
	require.Equal(t, int32(90), opened.GetInterimMaxPercent())
	require.Equal(t, 1, f.count(`SELECT count(*) FROM audit_log WHERE action = 'budget.open' AND object = $1
		AND after->>'advanceMaxPercent' = '50' AND after->>'interimMaxPercent' = '90'`, generous+"/budget"))
	// A retry changes nothing; other limits are another decision, refused.
	before := f.rows()
	_, err = f.client.OpenCallBudget(f.system(), open)
	require.NoError(t, err)
	require.Equal(t, before, f.rows())
	_, err = f.client.OpenCallBudget(f.system(), &paymentsv1.OpenCallBudgetRequest{Call: generous, EnvelopeCents: envelope, AdvanceMaxPercent: 40, InterimMaxPercent: 90})
	requireCode(t, err, codes.FailedPrecondition)
	_, err = f.client.OpenCallBudget(f.system(), &paymentsv1.OpenCallBudgetRequest{Call: call, EnvelopeCents: envelope, InterimMaxPercent: 70})
	requireCode(t, err, codes.FailedPrecondition)
	// Zero means the default, so the first call's retry with explicit defaults is the same opening.
	_, err = f.client.OpenCallBudget(f.system(), &paymentsv1.OpenCallBudgetRequest{Call: call, EnvelopeCents: envelope, AdvanceMaxPercent: 30, InterimMaxPercent: 80})
	require.NoError(t, err)

	// Incoherent or out-of-range limits are named.
	_, err = f.client.OpenCallBudget(f.system(), &paymentsv1.OpenCallBudgetRequest{Call: "calls/odd", EnvelopeCents: envelope, AdvanceMaxPercent: 60, InterimMaxPercent: 50})
	requireViolation(t, err, "advanceMaxPercent")
	_, err = f.client.OpenCallBudget(f.system(), &paymentsv1.OpenCallBudgetRequest{Call: "calls/odd", EnvelopeCents: envelope, AdvanceMaxPercent: 90})
	requireViolation(t, err, "advanceMaxPercent")
	_, err = f.client.OpenCallBudget(f.system(), &paymentsv1.OpenCallBudgetRequest{Call: "calls/odd", EnvelopeCents: envelope, InterimMaxPercent: 101})
	requireCode(t, err, codes.InvalidArgument)
	_, err = f.client.GetCallBudget(f.as(auth.Auditor, auditor), &paymentsv1.GetCallBudgetRequest{Name: "calls/odd/budget"})
	requireCode(t, err, codes.NotFound)

	// A 50% advance: refused by the default call, accepted by the generous one.
	_, err = f.client.CommitGrant(f.system(), grantRequest(call+"/applications/alpha", siretDINUM, 100_000_00, 50_000_00, 50_000_00))
	requireViolation(t, err, "tranches[0].amountCents")
	f.commit(generous+"/applications/alpha", 100_000_00, 50_000_00, 50_000_00)
	// 90% before the final report is the generous call's ceiling, and one cent more is refused.
	f.commit(generous+"/applications/beta", 100_000_00, 50_000_00, 40_000_00, 10_000_00)
	_, err = f.client.CommitGrant(f.system(), grantRequest(generous+"/applications/gamma", siretDINUM, 100_000_00, 50_000_00, 40_000_01, 9_999_99))
	requireViolation(t, err, "tranches[1].amountCents")
	require.Zero(t, f.budget(call).GetCommittedCents())
	require.Equal(t, int64(200_000_00), f.budget(generous).GetCommittedCents())
}

// TestCommitGrantNamesScheduleViolations: each broken rule of a schedule is named by the field of
// the request that breaks it, and nothing is committed.
func TestCommitGrantNamesScheduleViolations(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	before := f.rows()
	for _, tc := range []struct {
		tranches []int64
		fields   []string
	}{
		{[]int64{30_000_01, 49_999_99, 20_000_00}, []string{"tranches[0].amountCents"}},
		{[]int64{30_000_00, 25_000_00, 25_000_01, 19_999_99}, []string{"tranches[2].amountCents"}},
		{[]int64{40_000_00, 45_000_00, 15_000_00}, []string{"tranches[0].amountCents", "tranches[1].amountCents"}},
		{[]int64{30_000_00, 50_000_00, 19_999_99}, []string{"tranches"}},
	} {
		_, err := f.client.CommitGrant(f.system(), grantRequest(app, siretDINUM, 100_000_00, tc.tranches...))
		for _, field := range tc.fields {
			requireViolation(t, err, field)
		}
	}
	require.Equal(t, before, f.rows())
	// The limits themselves are fine: 30% then 80% exactly.
	c := f.commit(app, 100_000_00, 30_000_00, 25_000_00, 25_000_00, 20_000_00)
	require.Equal(t, int64(100_000_00), c.GetAgreementAmountCents())
	require.Equal(t, int64(100_000_00), c.GetAmountCents())
	require.Equal(t, goodIBAN, c.GetAccount().GetIban())
	require.Equal(t, "APPROVED", c.GetAccount().GetState())
	require.Nil(t, c.GetPendingAccount())
	require.Equal(t, 1, f.count(`SELECT count(*) FROM audit_log WHERE action = 'grant.commit' AND after->'limits'->>'advanceMaxPercent' = '30'`))
}
