package call

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/mail"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

type step struct {
	What string
	At   time.Duration
}

// runCalendar runs the workflow over cal in skipped time, the chair ranking at rankAt and the
// programme officer extending the calendar to ext at extendAt when ext is set, and returns every
// state change and notice with its instant since start.
func runCalendar(t *testing.T, start time.Time, cal flow.CallCalendar, ext *flow.CallCalendar, extendAt, rankAt time.Duration) []step {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := callEnv(&s, start)
	var got []step
	at := func() time.Duration { return env.Now().Sub(start).Round(time.Second) }
	env.OnActivity(acts.AdvanceCall, mock.Anything, mock.Anything).Return(func(_ context.Context, in Advance) error {
		got = append(got, step{in.State, at()})
		return nil
	})
	env.OnActivity(acts.RemindReviewers, mock.Anything, cal.Call).Return(func(context.Context, string) (NoticesSent, error) {
		got = append(got, step{KindReminder, at()})
		return NoticesSent{Sent: []string{"reviewer-1"}}, nil
	})
	env.OnActivity(acts.EscalateMissingReviews, mock.Anything, cal.Call).Return(func(context.Context, string) (NoticesSent, error) {
		got = append(got, step{KindEscalation, at()})
		return NoticesSent{NoContact: []string{"chair-1"}}, nil
	})
	if ext != nil {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(flow.SignalCallExtended, *ext) }, extendAt)
	}
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(flow.SignalCallRanked, nil) }, rankAt)
	env.ExecuteWorkflow(Workflow, cal)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	return got
}

// TestReminderThenEscalation: reviewers are reminded 48 hours before the review deadline (halfway
// through a shorter review window), the chair is told at the deadline, then deliberation.
func TestReminderThenEscalation(t *testing.T) {
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	cal := flow.CallCalendar{Call: "calls/c1", OpensAt: start.Add(day), ClosesAt: start.Add(30 * day), ReviewDeadline: start.Add(60 * day)}
	require.Equal(t, []step{
		{Open, day}, {Closed, 30 * day}, {Review, 30 * day}, {KindReminder, 58 * day}, {KindEscalation, 60 * day}, {Deliberation, 60 * day},
		{Selection, 80 * day}, {Funding, 80 * day},
	}, runCalendar(t, start, cal, nil, 0, 80*day))

	// The end-to-end run's calendar: a review window of 20 seconds, a reminder after 10.
	short := flow.CallCalendar{Call: "calls/c1", OpensAt: start, ClosesAt: start.Add(5 * time.Second), ReviewDeadline: start.Add(25 * time.Second)}
	require.Equal(t, []step{
		{Open, 0}, {Closed, 5 * time.Second}, {Review, 5 * time.Second}, {KindReminder, 15 * time.Second},
		{KindEscalation, 25 * time.Second}, {Deliberation, 25 * time.Second}, {Selection, time.Minute}, {Funding, time.Minute},
	}, runCalendar(t, start, short, nil, 0, time.Minute))
}

// TestExtensionMovesTheNotices: an extension of the review deadline during the review moves the
// reminder and the escalation with it.
func TestExtensionMovesTheNotices(t *testing.T) {
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	cal := flow.CallCalendar{Call: "calls/c1", OpensAt: start.Add(day), ClosesAt: start.Add(30 * day), ReviewDeadline: start.Add(60 * day)}
	ext := flow.CallCalendar{Call: "calls/c1", OpensAt: cal.OpensAt, ClosesAt: cal.ClosesAt, ReviewDeadline: start.Add(67 * day)}
	require.Equal(t, []step{
		{Open, day}, {Closed, 30 * day}, {Review, 30 * day}, {KindReminder, 65 * day}, {KindEscalation, 67 * day}, {Deliberation, 67 * day},
		{Selection, 80 * day}, {Funding, 80 * day},
	}, runCalendar(t, start, cal, &ext, 40*day, 80*day))
}

func outstanding(notices ...*reviewv1.JuryNotice) *reviewv1.ListOutstandingReviewsResponse {
	return &reviewv1.ListOutstandingReviewsResponse{
		Reviewers: []*reviewv1.OutstandingReviews{
			{Reviewer: "reviewer-1", Applications: []*reviewv1.OutstandingApplication{{Application: "calls/c1/applications/b", Title: "B"}}},
			{Reviewer: "reviewer-2", Applications: []*reviewv1.OutstandingApplication{
				{Application: "calls/c1/applications/a", Title: "A"}, {Application: "calls/c1/applications/b", Title: "B"}}},
		},
		Notices: notices,
	}
}

// TestNoticesPlanned: one reminder per reviewer with files to score, the chair told of each
// file's missing reviewers; nothing for anyone already told, nothing at all when nothing is
// missing.
func TestNoticesPlanned(t *testing.T) {
	todo, already := reminders(outstanding())
	require.Empty(t, already)
	require.Equal(t, []notice{
		{Recipient: "reviewer-1", Files: []mail.ReviewFile{{Application: "calls/c1/applications/b", Title: "B"}}},
		{Recipient: "reviewer-2", Files: []mail.ReviewFile{{Application: "calls/c1/applications/a", Title: "A"}, {Application: "calls/c1/applications/b", Title: "B"}}},
	}, todo)
	todo, already = reminders(outstanding(&reviewv1.JuryNotice{Kind: KindReminder, Recipient: "reviewer-2"},
		&reviewv1.JuryNotice{Kind: KindEscalation, Recipient: "reviewer-1"}))
	require.Equal(t, []string{"reviewer-2"}, already)
	require.Len(t, todo, 1)
	require.Equal(t, "reviewer-1", todo[0].Recipient)

	todo, already = escalation(outstanding(&reviewv1.JuryNotice{Kind: KindReminder, Recipient: "chair-1"}), "chair-1")
	require.Empty(t, already)
	require.Equal(t, []notice{{Recipient: "chair-1", Files: []mail.ReviewFile{
		{Application: "calls/c1/applications/a", Title: "A", Reviewers: []string{"reviewer-2"}},
		{Application: "calls/c1/applications/b", Title: "B", Reviewers: []string{"reviewer-1", "reviewer-2"}},
	}}}, todo)
	todo, already = escalation(outstanding(&reviewv1.JuryNotice{Kind: KindEscalation, Recipient: "chair-1"}), "chair-1")
	require.Empty(t, todo)
	require.Equal(t, []string{"chair-1"}, already)

	nothing := &reviewv1.ListOutstandingReviewsResponse{}
	todo, already = reminders(nothing)
	require.Empty(t, todo)
	require.Empty(t, already)
	todo, already = escalation(nothing, "chair-1")
	require.Empty(t, todo)
	require.Empty(t, already)
}
