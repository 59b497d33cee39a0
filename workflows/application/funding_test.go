package application

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/testenv"
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

// fundTwice funds the application, then tries again, as a parent reset or retried after its
// FundingWorkflow started would: it returns what each attempt ended with.
func fundTwice(ctx workflow.Context, application string) ([]string, error) {
	w := &applicationWorkflow{in: flow.ApplicationStarted{Application: application}}
	w.setup(ctx)
	ctx = activityOptions(ctx)
	var ends []string
	for range 2 {
		out, err := w.fundInChild(ctx)
		var app *temporal.ApplicationError
		switch {
		case errors.As(err, &app):
			ends = append(ends, app.Type())
		case err != nil:
			ends = append(ends, err.Error())
		default:
			ends = append(ends, out.State)
		}
	}
	return ends, nil
}

// TestFundingWorkflowRunsOncePerApplication: a second start of an application's FundingWorkflow is
// refused, whether the first run completed (here withdrawn) or failed (the grant refused by the
// payments service); the application's workflow then fails, naming the funding workflow, instead
// of funding the grant a second time.
func TestFundingWorkflowRunsOncePerApplication(t *testing.T) {
	require.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, fundingOptions(app).WorkflowIDReusePolicy)
	for _, tc := range []struct {
		name  string
		setup func(*testsuite.TestWorkflowEnvironment)
		first string
	}{
		{"completed", func(env *testsuite.TestWorkflowEnvironment) {
			env.OnActivity(acts.RecordWithdrawal, mock.Anything, mock.Anything).Return(nil)
			signalAt(env, time.Hour, flow.SignalWithdrawn, flow.Withdrawn{Reason: "project abandoned"})
		}, StateWithdrawn},
		{"failed", func(env *testsuite.TestWorkflowEnvironment) {
			env.OnActivity(acts.CommitGrant, mock.Anything, app).Return(Committed{},
				temporal.NewNonRetryableApplicationError("no budget", "FailedPrecondition", nil))
			signalAt(env, time.Hour, flow.SignalAgreementSigned, flow.AgreementSigned{SignedBy: "alice"})
		}, "FailedPrecondition"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			env.RegisterWorkflowWithOptions(fundTwice, workflow.RegisterOptions{Name: "fundTwice"})
			tc.setup(env)
			// A second funding run, were it started, would be ended by these.
			env.OnActivity(acts.CommitGrant, mock.Anything, app).Return(Committed{AmountCents: 100, Tranches: []string{"tranches/t1"}}, nil).Maybe()
			env.OnActivity(acts.RecordDecision, mock.Anything, mock.Anything).Return(nil).Maybe()
			env.OnActivity(acts.RecordWithdrawal, mock.Anything, mock.Anything).Return(nil).Maybe()
			signalAt(env, 2*time.Hour, flow.SignalWithdrawn, flow.Withdrawn{Reason: "again"})
			var started []string
			env.SetOnChildWorkflowStartedListener(func(info *workflow.Info, _ workflow.Context, _ converter.EncodedValues) {
				started = append(started, info.WorkflowExecution.ID)
			})
			env.ExecuteWorkflow("fundTwice", app)
			require.True(t, env.IsWorkflowCompleted())
			require.NoError(t, env.GetWorkflowError())
			var ends []string
			require.NoError(t, env.GetWorkflowResult(&ends))
			require.Equal(t, []string{flow.FundingWorkflowID(app)}, started)
			require.Len(t, ends, 2)
			require.Contains(t, ends[0], tc.first)
			require.Equal(t, "FundingAlreadyStarted", ends[1])
		})
	}
}

// TestFundingStartedOnceOnTheTemporalServer: the same on the Temporal server, whose refusal of the
// second start reaches the workflow as a different error than in the test environment. The child
// here is a stand-in registered under the FundingWorkflow's type that ends at once.
func TestFundingStartedOnceOnTheTemporalServer(t *testing.T) {
	if testing.Short() {
		t.Skip("uses the Temporal server")
	}
	env := testenv.Get(t)
	c, err := client.Dial(client.Options{HostPort: env.TemporalAddress, Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	defer c.Close()
	queue := "fund-twice-" + ids.New()
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(fundTwice, workflow.RegisterOptions{Name: "fundTwice"})
	w.RegisterWorkflowWithOptions(func(workflow.Context, FundingStarted) (Outcome, error) {
		return Outcome{State: StateWithdrawn}, nil
	}, workflow.RegisterOptions{Name: flow.FundingWorkflowType})
	require.NoError(t, w.Start())
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	application := "calls/fund-twice/applications/" + ids.New()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "fund-twice/" + application, TaskQueue: queue}, "fundTwice", application)
	require.NoError(t, err)
	var ends []string
	require.NoError(t, run.Get(ctx, &ends))
	require.Equal(t, []string{StateWithdrawn, "FundingAlreadyStarted"}, ends)
}
