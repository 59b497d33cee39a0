package payments

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

// TestWorkQueues lists the finance console's queues on a call with tranches in several states, a
// second call that must not show, batches and a corrected account.
func TestWorkQueues(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	f.openBudget("calls/other", envelope)
	alpha, beta := call+"/applications/alpha", call+"/applications/beta"
	a := f.commit(alpha, 100_000_00, 30_000_00, 50_000_00, 20_000_00).GetTranches()
	b := f.commit(beta, 10_000_00, 3_000_00, 7_000_00).GetTranches()
	f.commit("calls/other/applications/gamma", 10_000_00, 3_000_00, 7_000_00)

	f.certified(a[0].GetName())
	f.ordered(b[0].GetName())
	f.reported(a[1].GetName())
	batch := f.batch(b[0].GetName())

	list := func(role auth.Role, sub, filter string) []*paymentsv1.CallTranche {
		t.Helper()
		resp, err := f.client.ListCallTranches(f.as(role, sub), &paymentsv1.ListCallTranchesRequest{Parent: call, Filter: filter})
		require.NoError(t, err)
		return resp.GetTranches()
	}
	names := func(ts []*paymentsv1.CallTranche) []string {
		var out []string
		for _, ct := range ts {
			out = append(out, ct.GetTranche().GetName())
		}
		return out
	}
	require.Len(t, list(auth.Auditor, auditor, ""), 5, "every tranche of the call, none of the other call")
	certified := list(auth.FinanceOfficer, finance, `state="CERTIFIED"`)
	require.Equal(t, []string{a[0].GetName()}, names(certified))
	require.Equal(t, officer, certified[0].GetTranche().GetCertifiedBy())
	require.Equal(t, int64(30_000_00), certified[0].GetTranche().GetAmountCents())
	require.Equal(t, alpha, certified[0].GetTranche().GetApplication())
	require.Equal(t, "Société Données & Territoires", certified[0].GetBeneficiaryName())
	require.Equal(t, []string{a[1].GetName()}, names(list(auth.ProgrammeOfficer, officer, "state=REPORT_SUBMITTED")))
	exported := list(auth.Accountant, accountant, `state = "EXPORTED"`)
	require.Equal(t, []string{b[0].GetName()}, names(exported))
	require.Equal(t, finance, exported[0].GetTranche().GetOrderedBy())
	require.Equal(t, batch.GetName(), exported[0].GetTranche().GetBatch())
	require.Empty(t, list(auth.Accountant, accountant, `state="ORDERED"`))

	for _, filter := range []string{`state="NOPE"`, `title="x"`, "state", `state="CERTIFIED" OR 1=1`} {
		_, err := f.client.ListCallTranches(f.as(auth.Auditor, auditor), &paymentsv1.ListCallTranchesRequest{Parent: call, Filter: filter})
		requireViolation(t, err, "filter")
	}

	// Batches: the exported one, then confirmed.
	batches := func(filter string) []*paymentsv1.PaymentBatch {
		t.Helper()
		resp, err := f.client.ListPaymentBatches(f.as(auth.Accountant, accountant), &paymentsv1.ListPaymentBatchesRequest{Filter: filter})
		require.NoError(t, err)
		return resp.GetPaymentBatches()
	}
	exportedBatches := batches(`state="EXPORTED"`)
	require.Len(t, exportedBatches, 1)
	require.Equal(t, batch.GetName(), exportedBatches[0].GetName())
	require.Equal(t, []string{b[0].GetName()}, exportedBatches[0].GetTranches())
	require.Equal(t, int64(3_000_00), exportedBatches[0].GetTotalCents())
	require.Empty(t, batches(`state="CONFIRMED"`))
	_, err := f.confirm(batch.GetName(), paid(b[0].GetName()))
	require.NoError(t, err)
	require.Empty(t, batches(`state="EXPORTED"`))
	require.Len(t, batches(""), 1)
	_, err = f.client.ListPaymentBatches(f.as(auth.Auditor, auditor), &paymentsv1.ListPaymentBatchesRequest{Filter: `state="PAID"`})
	requireViolation(t, err, "filter")

	// Accounts: only the corrected one awaits approval, until it is approved.
	pending := func() []*paymentsv1.Commitment {
		t.Helper()
		resp, err := f.client.ListPendingAccounts(f.as(auth.FinanceOfficer, finance), &paymentsv1.ListPendingAccountsRequest{Parent: call})
		require.NoError(t, err)
		return resp.GetCommitments()
	}
	require.Empty(t, pending())
	_, err = f.updateAccount(beta, correctedIBAN, "")
	require.NoError(t, err)
	got := pending()
	require.Len(t, got, 1)
	require.Equal(t, beta+"/commitment", got[0].GetName())
	require.Equal(t, correctedIBAN, got[0].GetPendingAccount().GetIban())
	_, err = f.approveAccount(finance, beta, correctedIBAN)
	require.NoError(t, err)
	require.Empty(t, pending())
}

// TestWorkQueuesRoles checks who may read each queue: reading never writes.
func TestWorkQueuesRoles(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	before := f.rows()
	for role, want := range map[auth.Role][3]codes.Code{
		auth.FinanceOfficer:   {codes.OK, codes.PermissionDenied, codes.OK},
		auth.Accountant:       {codes.OK, codes.OK, codes.PermissionDenied},
		auth.ProgrammeOfficer: {codes.OK, codes.PermissionDenied, codes.PermissionDenied},
		auth.Auditor:          {codes.OK, codes.OK, codes.PermissionDenied},
		auth.Applicant:        {codes.PermissionDenied, codes.PermissionDenied, codes.PermissionDenied},
		auth.Reviewer:         {codes.PermissionDenied, codes.PermissionDenied, codes.PermissionDenied},
		auth.JuryChair:        {codes.PermissionDenied, codes.PermissionDenied, codes.PermissionDenied},
		auth.System:           {codes.PermissionDenied, codes.PermissionDenied, codes.PermissionDenied},
	} {
		ctx := f.iss.Context(t.Context(), role, "someone", siretDINUM)
		_, err1 := f.client.ListCallTranches(ctx, &paymentsv1.ListCallTranchesRequest{Parent: call})
		_, err2 := f.client.ListPaymentBatches(ctx, &paymentsv1.ListPaymentBatchesRequest{})
		_, err3 := f.client.ListPendingAccounts(ctx, &paymentsv1.ListPendingAccountsRequest{Parent: call})
		for i, err := range []error{err1, err2, err3} {
			if want[i] == codes.OK {
				require.NoError(t, err, "%s method %d", role, i)
			} else {
				requireCode(t, err, want[i])
			}
		}
	}
	require.Equal(t, before, f.rows())
}
