package application

import (
	"encoding/json"
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/guichet/guichet/platform/flow"
)

// FundingStarted is the input of a selected project's FundingWorkflow.
type FundingStarted struct {
	Application string `json:"application"`
}

// FundingWorkflow funds one selected project: it waits for the grant agreement, commits the grant,
// then follows each tranche (milestone report, certification, order, batch, confirmation) with the
// report reminders and escalations, until every tranche is paid or cancelled, or the project
// withdraws (its money then goes back to the reserve list). It runs as a child of the project's
// ApplicationWorkflow, which forwards it the signals the services send to the application.
func FundingWorkflow(ctx workflow.Context, in FundingStarted) (Outcome, error) {
	w := &applicationWorkflow{in: flow.ApplicationStarted{Application: in.Application}}
	w.setup(ctx)
	return w.fund(activityOptions(ctx))
}

// fundingSignals are the signals of the funding phase: the services send them to the application's
// workflow, which forwards them to its FundingWorkflow one at a time. Signals of one name keep
// the order they came in; signals of different names that arrive while a forward is in flight are
// passed on in this list's order (Temporal's selector takes the first ready case in the order the
// cases were added), not necessarily in their order of arrival.
var fundingSignals = []string{flow.SignalAgreementSigned, flow.SignalTrancheChanged, flow.SignalReportSubmitted,
	flow.SignalBankAccountChanged, flow.SignalWithdrawn}

// fundingOptions start a project's FundingWorkflow under its id, funding/<application>, at most
// once: a grant is committed and paid by one funding run only, so a second start for the same
// application is refused by Temporal, whether the first run completed, failed, was cancelled or
// terminated (REJECT_DUPLICATE; ALLOW_DUPLICATE_FAILED_ONLY would start a failed funding again
// on its own, after tranches may have been paid). A child cannot be started while one with its id
// runs, whatever the policy. The parent closing (terminated, reset) terminates its child: without
// the parent no signal reaches it any more. Neither option is compared when a history is replayed
// (only the child's workflow type is), so the histories recorded before replay unchanged
// (decision 0022).
func fundingOptions(application string) workflow.ChildWorkflowOptions {
	return workflow.ChildWorkflowOptions{
		WorkflowID:            flow.FundingWorkflowID(application),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_TERMINATE,
	}
}

// fundInChild runs the funding phase as the project's FundingWorkflow and forwards it the funding
// signals until it ends; its outcome is the application's. When Temporal refuses the start because
// the project's funding already ran (a parent reset or retried after its child started), the
// application's workflow fails, naming the funding workflow, rather than fund the grant twice: a
// person decides, from both histories, what is left to do.
func (w *applicationWorkflow) fundInChild(ctx workflow.Context) (Outcome, error) {
	opts := fundingOptions(w.in.Application)
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), flow.FundingWorkflowType, FundingStarted{Application: w.in.Application})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		if alreadyStarted(err) {
			return Outcome{}, temporal.NewNonRetryableApplicationError(
				"the funding workflow "+opts.WorkflowID+" already ran for this application: it is not started twice", "FundingAlreadyStarted", err)
		}
		return Outcome{}, err
	}
	var (
		outcome Outcome
		err     error
		done    bool
	)
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(child, func(f workflow.Future) {
		err = f.Get(ctx, &outcome)
		done = true
	})
	for _, name := range fundingSignals {
		ch := w.withdrawals
		if name != flow.SignalWithdrawn {
			ch = workflow.GetSignalChannel(ctx, name)
		}
		sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) {
			// Passed on as received, byte for byte.
			var payload json.RawMessage
			c.Receive(ctx, &payload)
			w.forward(ctx, child, name, payload)
		})
	}
	for !done {
		sel.Select(ctx)
	}
	return outcome, err
}

// forward passes one signal to the FundingWorkflow and waits until Temporal took it, so that
// signals keep their order. A child that has ended takes no more signals: that is logged.
func (w *applicationWorkflow) forward(ctx workflow.Context, child workflow.ChildWorkflowFuture, name string, payload any) {
	if err := child.SignalChildWorkflow(ctx, name, payload).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("signal not passed on to the funding workflow", "signal", name, "error", err)
	}
}

// alreadyStarted reports a child start refused because its id is taken: Temporal answers
// ChildWorkflowExecutionAlreadyStartedError, its test environment the service's error.
func alreadyStarted(err error) bool {
	var child *temporal.ChildWorkflowExecutionAlreadyStartedError
	var service *serviceerror.WorkflowExecutionAlreadyStarted
	return errors.As(err, &child) || errors.As(err, &service)
}
