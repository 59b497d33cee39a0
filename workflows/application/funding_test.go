package application

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/guichet/guichet/platform/flow"
)

// TestSelectedProjectIsFundedByItsFundingWorkflow: once selected, the application's workflow
// starts the project's FundingWorkflow (id funding/<application>) and passes it the signals the
// services send to the application, in order; the funding's outcome is the application's.
func TestSelectedProjectIsFundedByItsFundingWorkflow(t *testing.T) {
	env := newEnv(t)
	var s steps
	s.expectReceipt(env)
	s.eligibility(env, "ELIGIBLE")
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{Reviewers: []string{"r1", "r2", "r3"}}, nil)
	env.OnActivity(acts.SendDecision, mock.Anything, mock.Anything).Return(DecisionSent{}, nil)
	env.OnActivity(acts.CommitGrant, mock.Anything, app).Return(Committed{AmountCents: 30_000_000,
		Tranches: []string{"tranches/t1", "tranches/t2"}, TrancheAmounts: []int64{9_000_000, 21_000_000}}, nil)
	var reports []ReportInput
	env.OnActivity(acts.MarkReportSubmitted, mock.Anything, mock.Anything).Return(func(_ context.Context, in ReportInput) error {
		reports = append(reports, in)
		return nil
	})
	got := decisions(env)
	var children []string
	env.SetOnChildWorkflowStartedListener(func(info *workflow.Info, _ workflow.Context, _ converter.EncodedValues) {
		children = append(children, info.WorkflowType.Name+" "+info.WorkflowExecution.ID)
	})
	signalAt(env, 14*24*time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 20*24*time.Hour, flow.SignalRanked, flow.Decision{Decision: "SELECTED", Rank: 1})
	signalAt(env, 30*24*time.Hour, flow.SignalAgreementSigned, flow.AgreementSigned{SignedBy: "alice"})
	signalAt(env, 90*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: "PAID"})
	signalAt(env, 300*24*time.Hour, flow.SignalReportSubmitted, flow.ReportSubmitted{Report: app + "/reports/r2", Sequence: 2})
	signalAt(env, 330*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t2", State: "PAID"})

	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, Outcome{State: StateFunded, PaidCents: 30_000_000}, out)
	require.Equal(t, []string{flow.FundingWorkflowType + " " + flow.FundingWorkflowID(app)}, children)
	require.Equal(t, []string{StateUnderReview, StateSelected, StateFunded}, *got)
	require.Equal(t, []ReportInput{{Tranche: "tranches/t2", Report: app + "/reports/r2"}}, reports)
}

// TestFundingWorkflowOnItsOwn: a year of funding in milliseconds; a withdrawal during funding
// releases what was not paid to the reserve list.
func TestFundingWorkflowOnItsOwn(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(acts.CommitGrant, mock.Anything, app).Return(Committed{AmountCents: 30_000_000,
		Tranches: []string{"tranches/t1", "tranches/t2"}, TrancheAmounts: []int64{9_000_000, 21_000_000}}, nil)
	var released []WithdrawalInput
	env.OnActivity(acts.RecordWithdrawal, mock.Anything, mock.Anything).Return(func(_ context.Context, in WithdrawalInput) error {
		released = append(released, in)
		return nil
	})
	got := decisions(env)
	signalAt(env, 24*time.Hour, flow.SignalAgreementSigned, flow.AgreementSigned{SignedBy: "alice"})
	signalAt(env, 60*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: "PAID"})
	signalAt(env, 365*24*time.Hour, flow.SignalWithdrawn, flow.Withdrawn{Reason: "project abandoned"})

	env.ExecuteWorkflow(FundingWorkflow, FundingStarted{Application: app})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, Outcome{State: StateWithdrawn, PaidCents: 9_000_000}, out)
	require.Equal(t, []string{StateFunded}, *got)
	require.Len(t, released, 1)
	require.Equal(t, int64(21_000_000), released[0].ReleasedCents)
}
