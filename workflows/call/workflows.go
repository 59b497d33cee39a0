package call

import (
	"context"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/guichet/guichet/platform/flow"
)

// Workflow runs one call's calendar: open at opensAt, closed at closesAt (eligibility and review of
// each application run in their own workflows from submission on), deliberation at the review
// deadline, selection once the chair has ranked, then funding.
func Workflow(ctx workflow.Context, cal flow.CallCalendar) error {
	w := &callWorkflow{cal: cal}
	w.setup(ctx)
	return w.run(ctx)
}

type callWorkflow struct {
	cal        flow.CallCalendar
	extensions workflow.ReceiveChannel
	ranked     workflow.ReceiveChannel
}

var acts *Activities

func (w *callWorkflow) setup(ctx workflow.Context) {
	w.extensions = workflow.GetSignalChannel(ctx, flow.SignalCallExtended)
	w.ranked = workflow.GetSignalChannel(ctx, flow.SignalCallRanked)
}

func (w *callWorkflow) run(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	w.sleepUntil(ctx, func() time.Time { return w.cal.OpensAt })
	if err := w.advance(ctx, Open); err != nil {
		return err
	}
	w.sleepUntil(ctx, func() time.Time { return w.cal.ClosesAt })
	for _, s := range []string{Closed, Review} {
		if err := w.advance(ctx, s); err != nil {
			return err
		}
	}
	// Calls started before the jury's reminders existed go straight to the deadline.
	notices := workflow.GetVersion(ctx, reviewNoticesChange, workflow.DefaultVersion, 1) == 1
	if notices {
		w.sleepUntil(ctx, w.reminderAt)
		w.notify(ctx, acts.RemindReviewers)
	}
	w.sleepUntil(ctx, func() time.Time { return w.cal.ReviewDeadline })
	if notices {
		w.notify(ctx, acts.EscalateMissingReviews)
	}
	if err := w.advance(ctx, Deliberation); err != nil {
		return err
	}
	w.ranked.Receive(ctx, nil)
	for _, s := range []string{Selection, Funding} {
		if err := w.advance(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// reviewNoticesChange names the version that added the reminders before the review deadline and
// the escalation to the chair at it.
const reviewNoticesChange = "review-notices"

// ReminderLead is how long before the review deadline reviewers are reminded, unless the review
// window is shorter than twice that: then they are reminded halfway through it.
const ReminderLead = 48 * time.Hour

// reminderAt is the instant of the reviewers' reminder, which an extension moves with the deadline.
func (w *callWorkflow) reminderAt() time.Time {
	lead := min(ReminderLead, w.cal.ReviewDeadline.Sub(w.cal.ClosesAt)/2)
	return w.cal.ReviewDeadline.Add(-lead)
}

// notify runs a reminder or escalation activity. A notice that cannot be sent after a few tries
// is logged, never a reason to hold the call back from deliberation.
func (w *callWorkflow) notify(ctx workflow.Context, activity func(context.Context, string) (NoticesSent, error)) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10},
	})
	var sent NoticesSent
	if err := workflow.ExecuteActivity(ctx, activity, w.cal.Call).Get(ctx, &sent); err != nil {
		workflow.GetLogger(ctx).Error("jury notices not sent", "call", w.cal.Call, "error", err)
		return
	}
	if len(sent.NoContact) > 0 {
		workflow.GetLogger(ctx).Warn("jury members without contact email", "call", w.cal.Call, "members", sent.NoContact)
	}
	if len(sent.Refused) > 0 {
		workflow.GetLogger(ctx).Warn("jury notices refused by the mail relay", "call", w.cal.Call, "members", sent.Refused)
	}
}

func (w *callWorkflow) advance(ctx workflow.Context, state string) error {
	return workflow.ExecuteActivity(ctx, acts.AdvanceCall, Advance{Call: w.cal.Call, State: state}).Get(ctx, nil)
}

// sleepUntil waits until the instant target gives, which an extension may move later meanwhile.
func (w *callWorkflow) sleepUntil(ctx workflow.Context, target func() time.Time) {
	for {
		d := target().Sub(workflow.Now(ctx))
		if d <= 0 {
			return
		}
		timerCtx, cancel := workflow.WithCancel(ctx)
		fired := false
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(workflow.NewTimer(timerCtx, d), func(workflow.Future) { fired = true })
		sel.AddReceive(w.extensions, func(c workflow.ReceiveChannel, _ bool) {
			var cal flow.CallCalendar
			c.Receive(ctx, &cal)
			w.cal.ClosesAt, w.cal.ReviewDeadline = cal.ClosesAt, cal.ReviewDeadline
		})
		sel.Select(ctx)
		cancel()
		if fired {
			return
		}
	}
}
