package call

import (
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
	w.sleepUntil(ctx, func() time.Time { return w.cal.ReviewDeadline })
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
