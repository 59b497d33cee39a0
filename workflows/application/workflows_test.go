package application

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/guichet/guichet/platform/flow"
)

const app = "calls/c1/applications/a1"

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(Workflow, workflowOptions())
	env.RegisterActivity(&Activities{})
	return env
}

func signalAt(env *testsuite.TestWorkflowEnvironment, after time.Duration, name string, payload any) {
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(name, payload) }, after)
}

func decisions(env *testsuite.TestWorkflowEnvironment) *[]string {
	var got []string
	env.OnActivity(acts.RecordDecision, mock.Anything, mock.Anything).Return(func(_ context.Context, in DecisionInput) error {
		got = append(got, in.State)
		return nil
	})
	return &got
}

func TestFundedPath(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(acts.CheckEligibility, mock.Anything, app).Return(Eligibility{State: "ELIGIBLE"}, nil)
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{Reviewers: []string{"r1", "r2", "r3"}}, nil)
	env.OnActivity(acts.CommitGrant, mock.Anything, app).Return(Committed{AmountCents: 50_000_000, Tranches: []string{"tranches/t1", "tranches/t2"}}, nil)
	got := decisions(env)
	// Weeks of review and months of funding pass in milliseconds (time skipping).
	signalAt(env, 14*24*time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 20*24*time.Hour, flow.SignalRanked, flow.Decision{Decision: "SELECTED", Rank: 1})
	signalAt(env, 21*24*time.Hour, flow.SignalRanked, flow.Decision{Decision: "SELECTED", Rank: 1}) // a repeat is harmless
	signalAt(env, 30*24*time.Hour, flow.SignalAgreementSigned, flow.AgreementSigned{SignedBy: "alice"})
	signalAt(env, 90*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: "CERTIFIED"})
	signalAt(env, 91*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: "PAID"})
	signalAt(env, 92*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: "PAID"})
	signalAt(env, 200*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t2", State: "PAID"})

	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, Outcome{State: StateFunded, PaidCents: 50_000_000}, out)
	require.Equal(t, []string{StateUnderReview, StateSelected, StateFunded}, *got)
}

func TestIneligibleEnds(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(acts.CheckEligibility, mock.Anything, app).Return(Eligibility{State: StateIneligible, Reason: "siret"}, nil)
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, StateIneligible, out.State)
}

func TestRejectedIsRecordedAndEnds(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(acts.CheckEligibility, mock.Anything, app).Return(Eligibility{State: "ELIGIBLE"}, nil)
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{}, nil)
	got := decisions(env)
	signalAt(env, time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 2*time.Hour, flow.SignalRanked, flow.Decision{Decision: "REJECTED", Reason: "impact below threshold"})
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, "REJECTED", out.State)
	require.Equal(t, []string{StateUnderReview, "REJECTED"}, *got)
}

func TestWithdrawalStopsTheWait(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(acts.CheckEligibility, mock.Anything, app).Return(Eligibility{State: "ELIGIBLE"}, nil)
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{}, nil)
	decisions(env)
	signalAt(env, time.Hour, flow.SignalWithdrawn, flow.Withdrawn{Reason: "changed plans"})
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, StateWithdrawn, out.State)
}
