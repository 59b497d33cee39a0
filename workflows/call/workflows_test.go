package call

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/guichet/guichet/platform/flow"
)

// callEnv is a test environment of the call's workflow, its activities mocked, starting at start.
func callEnv(s *testsuite.WorkflowTestSuite, start time.Time) *testsuite.TestWorkflowEnvironment {
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowType})
	env.RegisterActivity(&Activities{})
	env.SetStartTime(start)
	return env
}

// TestCalendarWithAnExtension: weeks of a call's calendar in milliseconds; the closing is
// extended by a week while the call is open, and every state comes at its instant.
func TestCalendarWithAnExtension(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	env := callEnv(&s, start)
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

// TestRefusedNoticesAreReported: the members whose notice the mail relay refused are warned about
// by the workflow, as those without a contact email are, and the call still goes to deliberation.
func TestRefusedNoticesAreReported(t *testing.T) {
	var logs bytes.Buffer
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	env := callEnv(&s, start)
	day := 24 * time.Hour
	cal := flow.CallCalendar{Call: "calls/c1", OpensAt: start, ClosesAt: start.Add(day), ReviewDeadline: start.Add(10 * day)}
	var states []string
	env.OnActivity(acts.AdvanceCall, mock.Anything, mock.Anything).Return(func(_ context.Context, in Advance) error {
		states = append(states, in.State)
		return nil
	})
	env.OnActivity(acts.RemindReviewers, mock.Anything, cal.Call).Return(NoticesSent{Sent: []string{"reviewer-1"}, Refused: []string{"reviewer-3"}}, nil)
	env.OnActivity(acts.EscalateMissingReviews, mock.Anything, cal.Call).Return(NoticesSent{Refused: []string{"chair-1"}}, nil)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(flow.SignalCallRanked, nil) }, 20*day)
	env.ExecuteWorkflow(Workflow, cal)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, []string{Open, Closed, Review, Deliberation, Selection, Funding}, states)
	var refused [][]string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry struct {
			Msg     string   `json:"msg"`
			Members []string `json:"members"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &entry))
		if entry.Msg == "jury notices refused by the mail relay" {
			refused = append(refused, entry.Members)
		}
	}
	require.Equal(t, [][]string{{"reviewer-3"}, {"chair-1"}}, refused)
}
