package call

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/guichet/guichet/platform/flow"
)

// TestCalendarWithAnExtension: weeks of a call's calendar in milliseconds; the closing is
// extended by a week while the call is open, and every state comes at its instant.
func TestCalendarWithAnExtension(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowType})
	env.RegisterActivity(&Activities{})
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	day := 24 * time.Hour
	cal := flow.CallCalendar{Call: "calls/c1", OpensAt: start.Add(day), ClosesAt: start.Add(30 * day), ReviewDeadline: start.Add(60 * day)}
	type step struct {
		State string
		At    time.Duration
	}
	var got []step
	env.OnActivity(acts.AdvanceCall, mock.Anything, mock.Anything).Return(func(_ context.Context, in Advance) error {
		got = append(got, step{in.State, env.Now().Sub(start).Round(time.Hour)})
		return nil
	})
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(flow.SignalCallExtended, flow.CallCalendar{Call: "calls/c1", OpensAt: cal.OpensAt,
			ClosesAt: start.Add(37 * day), ReviewDeadline: start.Add(67 * day)})
	}, 10*day)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(flow.SignalCallRanked, nil) }, 80*day)
	env.ExecuteWorkflow(Workflow, cal)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, []step{
		{Open, 1 * day}, {Closed, 37 * day}, {Review, 37 * day}, {Deliberation, 67 * day},
		{Selection, 80 * day}, {Funding, 80 * day},
	}, got)
}
