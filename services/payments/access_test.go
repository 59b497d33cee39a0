package payments

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

func TestPolicyCoversEveryMethod(t *testing.T) {
	for _, m := range paymentsv1.PaymentService_ServiceDesc.Methods {
		full := "/" + paymentsv1.PaymentService_ServiceDesc.ServiceName + "/" + m.MethodName
		rule, ok := Policy[full]
		require.True(t, ok, "%s has no rule", full)
		// The open data on awards is the one public method.
		require.Equal(t, m.MethodName == "GetAwardsCsv", rule.Public, "%s public: %v", full, rule.Public)
		require.NotContains(t, rule.Roles, auth.Reviewer, "%s is open to reviewers", full)
	}
}

func TestApplicantSeesOnlyItsOwnTranches(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	f.commit3(app, 100_000_00)
	req := &paymentsv1.ListTranchesRequest{Parent: app}

	own, err := f.client.ListTranches(f.applicant("alice", siretDINUM), req)
	require.NoError(t, err)
	require.Len(t, own.GetTranches(), 3)

	_, err = f.client.ListTranches(f.applicant("mallory", siretOther), req)
	requireCode(t, err, codes.NotFound)
	// Not found looks the same for a project that does not exist.
	_, err = f.client.ListTranches(f.applicant("alice", siretDINUM), &paymentsv1.ListTranchesRequest{Parent: call + "/applications/ghost"})
	requireCode(t, err, codes.NotFound)

	for _, role := range []auth.Role{auth.ProgrammeOfficer, auth.FinanceOfficer, auth.Accountant, auth.Auditor, auth.System} {
		resp, err := f.client.ListTranches(f.as(role, "staff"), req)
		require.NoError(t, err, role)
		require.Len(t, resp.GetTranches(), 3, role)
	}
}

// TestWrongRoleIsDenied calls each method with roles that may not call it.
func TestWrongRoleIsDenied(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	tranche := f.commit3(app, 100_000_00).GetTranches()[0].GetName()
	f.ordered(tranche)
	batch := f.batch(tranche).GetName()
	before := f.rows()

	calls := map[string]struct {
		call  func(ctx context.Context) error
		roles []auth.Role
	}{
		"GetCallBudget": {func(ctx context.Context) error {
			_, err := f.client.GetCallBudget(ctx, &paymentsv1.GetCallBudgetRequest{Name: call + "/budget"})
			return err
		}, []auth.Role{auth.Applicant, auth.Reviewer, auth.JuryChair}},
		"ListTranches": {func(ctx context.Context) error {
			_, err := f.client.ListTranches(ctx, &paymentsv1.ListTranchesRequest{Parent: app})
			return err
		}, []auth.Role{auth.Reviewer, auth.JuryChair}},
		"CertifyTranche": {func(ctx context.Context) error {
			_, err := f.client.CertifyTranche(ctx, &paymentsv1.CertifyTrancheRequest{Name: tranche})
			return err
		}, []auth.Role{auth.Applicant, auth.FinanceOfficer, auth.Accountant, auth.Auditor, auth.System, auth.JuryChair}},
		"OrderTranche": {func(ctx context.Context) error {
			_, err := f.client.OrderTranche(ctx, &paymentsv1.OrderTrancheRequest{Name: tranche})
			return err
		}, []auth.Role{auth.Applicant, auth.ProgrammeOfficer, auth.Accountant, auth.Auditor, auth.System}},
		"CreatePaymentBatch": {func(ctx context.Context) error {
			_, err := f.client.CreatePaymentBatch(ctx, &paymentsv1.CreatePaymentBatchRequest{Tranches: []string{tranche}})
			return err
		}, []auth.Role{auth.Applicant, auth.ProgrammeOfficer, auth.FinanceOfficer, auth.Auditor, auth.System}},
		"GetPain001": {func(ctx context.Context) error {
			_, err := f.client.GetPain001(ctx, &paymentsv1.GetPain001Request{Name: batch})
			return err
		}, []auth.Role{auth.Applicant, auth.ProgrammeOfficer, auth.FinanceOfficer, auth.System, auth.Reviewer}},
		"ConfirmPaymentBatch": {func(ctx context.Context) error {
			_, err := f.client.ConfirmPaymentBatch(ctx, &paymentsv1.ConfirmPaymentBatchRequest{Name: batch,
				Outcomes: []*paymentsv1.TrancheOutcome{paid(tranche)}})
			return err
		}, []auth.Role{auth.Applicant, auth.ProgrammeOfficer, auth.FinanceOfficer, auth.Auditor, auth.System}},
		"OpenCallBudget": {func(ctx context.Context) error {
			_, err := f.client.OpenCallBudget(ctx, &paymentsv1.OpenCallBudgetRequest{Call: "calls/other", EnvelopeCents: 100})
			return err
		}, []auth.Role{auth.ProgrammeOfficer, auth.FinanceOfficer, auth.Accountant, auth.Auditor}},
		"CommitGrant": {func(ctx context.Context) error {
			_, err := f.client.CommitGrant(ctx, grantRequest(call+"/applications/beta", siretDINUM, 100, 30, 50, 20))
			return err
		}, []auth.Role{auth.Applicant, auth.ProgrammeOfficer, auth.FinanceOfficer, auth.Accountant, auth.Auditor}},
		"MarkReportSubmitted": {func(ctx context.Context) error {
			_, err := f.client.MarkReportSubmitted(ctx, &paymentsv1.MarkReportSubmittedRequest{Name: tranche, Report: "r1"})
			return err
		}, []auth.Role{auth.Applicant, auth.ProgrammeOfficer, auth.FinanceOfficer, auth.Accountant, auth.Auditor}},
		"GetCommitment": {func(ctx context.Context) error {
			_, err := f.client.GetCommitment(ctx, &paymentsv1.GetCommitmentRequest{Name: app + "/commitment"})
			return err
		}, []auth.Role{auth.Reviewer, auth.JuryChair}},
		"CancelRemainingTranches": {func(ctx context.Context) error {
			_, err := f.client.CancelRemainingTranches(ctx, &paymentsv1.CancelRemainingTranchesRequest{Name: app + "/commitment", Reason: "late"})
			return err
		}, []auth.Role{auth.Applicant, auth.FinanceOfficer, auth.Accountant, auth.Auditor, auth.System, auth.JuryChair}},
		"UpdateBeneficiaryAccount": {func(ctx context.Context) error {
			_, err := f.client.UpdateBeneficiaryAccount(ctx, &paymentsv1.UpdateBeneficiaryAccountRequest{Name: app + "/commitment", Iban: correctedIBAN})
			return err
		}, []auth.Role{auth.Applicant, auth.ProgrammeOfficer, auth.FinanceOfficer, auth.Accountant, auth.Auditor}},
		"ApproveBeneficiaryAccount": {func(ctx context.Context) error {
			_, err := f.client.ApproveBeneficiaryAccount(ctx, &paymentsv1.ApproveBeneficiaryAccountRequest{Name: app + "/commitment", Iban: correctedIBAN})
			return err
		}, []auth.Role{auth.Applicant, auth.ProgrammeOfficer, auth.Accountant, auth.Auditor, auth.System}},
	}
	for method, c := range calls {
		for _, role := range c.roles {
			t.Run(method+"/"+string(role), func(t *testing.T) {
				requireCode(t, c.call(f.iss.Context(context.Background(), role, "someone", siretDINUM)), codes.PermissionDenied)
			})
		}
	}
	_, err := f.client.GetCallBudget(context.Background(), &paymentsv1.GetCallBudgetRequest{Name: call + "/budget"})
	requireCode(t, err, codes.Unauthenticated)
	require.Equal(t, before, f.rows(), "a denied call wrote something")
}
