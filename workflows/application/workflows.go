package application

import (
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/guichet/guichet/platform/flow"
)

// Workflow drives one application. Signals come from the services' outboxes; activities call the
// services over gRPC and are idempotent, so retries change nothing.
func Workflow(ctx workflow.Context, in flow.ApplicationStarted) (Outcome, error) {
	w := &applicationWorkflow{in: in}
	w.setup(ctx)
	return w.run(ctx)
}

type applicationWorkflow struct {
	in          flow.ApplicationStarted
	withdrawn   bool
	withdrawals workflow.ReceiveChannel
	paid        map[string]bool
}

var acts *Activities // nil pointer: method values name the activities

func (w *applicationWorkflow) setup(ctx workflow.Context) {
	w.paid = map[string]bool{}
	w.withdrawals = workflow.GetSignalChannel(ctx, flow.SignalWithdrawn)
}

func activityOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// intakeOptions are those of the intake's local activities. Each is a few gRPC calls (or one SMTP
// send) taking milliseconds; the worker retries them itself, and a retry waiting longer than the
// workflow task's timeout is scheduled as a timer (Temporal's local activity retry). Like the
// regular activities, which have no end-to-end limit, they retry until the mail server or the
// services answer: the year of ScheduleToCloseTimeout only bounds an outage no one would let last.
func intakeOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: 365 * 24 * time.Hour,
		StartToCloseTimeout:    10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// intake runs the first steps of an application (receipt, eligibility, assignment, UNDER_REVIEW),
// as local activities since the "local-intake" version (decision 0020): the worker runs the four
// in the workflow's first task and Temporal records their results as markers, instead of
// scheduling, dispatching and completing four activity tasks and five workflow tasks, which at the
// deadline rush cost Temporal more CPU than the submissions themselves. Workflows started before
// replay their regular activities.
type intake struct{ local bool }

func (in intake) run(ctx workflow.Context, activity any, args ...any) workflow.Future {
	if in.local {
		return workflow.ExecuteLocalActivity(ctx, activity, args...)
	}
	return workflow.ExecuteActivity(ctx, activity, args...)
}

func (w *applicationWorkflow) run(ctx workflow.Context) (Outcome, error) {
	first := intake{local: workflow.GetVersion(ctx, "local-intake", workflow.DefaultVersion, 1) == 1}
	ctx = activityOptions(ctx)
	if first.local {
		ctx = intakeOptions(ctx)
	}
	app := w.in.Application
	w.sendReceipt(ctx, first)

	var elig Eligibility
	if err := first.run(ctx, acts.CheckEligibility, app).Get(ctx, &elig); err != nil {
		return Outcome{}, err
	}
	if elig.State != "ELIGIBLE" {
		return Outcome{State: elig.State}, nil
	}

	var assigned Assigned
	if err := first.run(ctx, acts.AssignReviewers, app).Get(ctx, &assigned); err != nil {
		return Outcome{}, err
	}
	if err := first.run(ctx, acts.RecordDecision, DecisionInput{Application: app, State: StateUnderReview, Reason: "reviewers assigned"}).Get(ctx, nil); err != nil {
		return Outcome{}, err
	}

	var reviews flow.ReviewsComplete
	if !w.await(ctx, flow.SignalReviewsComplete, &reviews) {
		return Outcome{State: StateWithdrawn}, nil
	}
	var decision flow.Decision
	if !w.await(ctx, flow.SignalRanked, &decision) {
		return Outcome{State: StateWithdrawn}, nil
	}
	if err := w.record(ctx, decision.Decision, decision.Reason); err != nil {
		return Outcome{}, err
	}
	w.sendDecision(ctx, decision.Decision, false)
	// A project on the reserve list waits: when a laureate withdraws or is decommitted, the review
	// service promotes the next reserve entries that fit and signals them SELECTED.
	for decision.Decision == StateReserve {
		if !w.await(ctx, flow.SignalRanked, &decision) {
			return Outcome{State: StateWithdrawn}, nil
		}
		if decision.Decision == StateReserve {
			continue // a repeated ranking changes nothing
		}
		if err := w.record(ctx, decision.Decision, decision.Reason); err != nil {
			return Outcome{}, err
		}
		w.sendDecision(ctx, decision.Decision, true)
	}
	if decision.Decision != StateSelected {
		return Outcome{State: decision.Decision}, nil
	}

	// A project selected before the FundingWorkflow existed is funded by this workflow itself.
	if workflow.GetVersion(ctx, "funding-workflow", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return w.fund(ctx)
	}
	return w.fundInChild(ctx)
}

// fund takes a selected project from its grant agreement to its last tranche: the agreement
// signed, the grant committed, then each tranche through certification, order, batch and payment
// in the payments service, which enforces the separation of duties.
func (w *applicationWorkflow) fund(ctx workflow.Context) (Outcome, error) {
	app := w.in.Application
	var signed flow.AgreementSigned
	if !w.await(ctx, flow.SignalAgreementSigned, &signed) {
		// A laureate that withdraws frees its place: the reserve list moves up.
		w.releaseToReserve(ctx, WithdrawalInput{Application: app, Withdrawn: true, Reason: "withdrawn before signing the agreement"})
		return Outcome{State: StateWithdrawn}, nil
	}
	var committed Committed
	if err := workflow.ExecuteActivity(ctx, acts.CommitGrant, app).Get(ctx, &committed); err != nil {
		return Outcome{}, err
	}
	if err := w.record(ctx, StateFunded, "grant agreement signed and committed"); err != nil {
		return Outcome{}, err
	}

	return w.followTranches(ctx, committed)
}

// followTranches follows the project's tranches until each is paid or cancelled: milestone reports
// reach the payments service from here, and the payments service (which enforces the separation of
// duties) reports each tranche's progress back.
func (w *applicationWorkflow) followTranches(ctx workflow.Context, committed Committed) (Outcome, error) {
	changes := workflow.GetSignalChannel(ctx, flow.SignalTrancheChanged)
	reports := workflow.GetSignalChannel(ctx, flow.SignalReportSubmitted)
	accounts := workflow.GetSignalChannel(ctx, flow.SignalBankAccountChanged)
	settled := map[string]bool{}
	// Workflows that reached this point before reminders existed replay without them.
	reminders := newReminderPlan(committed, workflow.GetVersion(ctx, "report-reminders", workflow.DefaultVersion, 1) == 1)
	var (
		timer   workflow.Future
		pending reminderEvent
	)
	for len(settled) < len(committed.Tranches) {
		if w.withdrawn {
			w.releaseToReserve(ctx, WithdrawalInput{Application: w.in.Application, ReleasedCents: committed.AmountCents - committed.paid(w.paid),
				Reason: "withdrawn during funding"})
			return Outcome{State: StateWithdrawn, PaidCents: committed.paid(w.paid)}, nil
		}
		sel := workflow.NewSelector(ctx)
		if timer == nil {
			if next, ok := reminders.next(); ok {
				pending = next
				timer = workflow.NewTimer(ctx, max(next.at.Sub(workflow.Now(ctx)), time.Millisecond))
			}
		}
		if timer != nil {
			sel.AddFuture(timer, func(workflow.Future) {
				timer = nil
				next := pending
				reminders.done(next)
				if reminders.reported[next.sequence] || next.sequence > len(committed.Tranches) || settled[committed.Tranches[next.sequence-1]] {
					return
				}
				in := ReminderInput{Application: w.in.Application, Sequence: next.sequence, Late: next.late}
				if err := workflow.ExecuteActivity(ctx, acts.SendReportReminder, in).Get(ctx, nil); err != nil {
					workflow.GetLogger(ctx).Error("report reminder not sent", "sequence", next.sequence, "late", next.late, "error", err)
				}
			})
		}
		sel.AddReceive(changes, func(c workflow.ReceiveChannel, _ bool) {
			var change flow.TrancheChange
			c.Receive(ctx, &change)
			switch change.State {
			case TranchePaid:
				w.paid[change.Tranche] = true
				settled[change.Tranche] = true
			case TrancheCancelled:
				settled[change.Tranche] = true
			}
		})
		sel.AddReceive(reports, func(c workflow.ReceiveChannel, _ bool) {
			var r flow.ReportSubmitted
			c.Receive(ctx, &r)
			reminders.reported[r.Sequence] = true
			w.markReport(ctx, committed, r)
		})
		sel.AddReceive(accounts, func(c workflow.ReceiveChannel, _ bool) {
			var change flow.BankAccountChanged
			c.Receive(ctx, &change)
			in := AccountInput{Application: w.in.Application, IBAN: change.IBAN, BIC: change.BIC}
			if err := workflow.ExecuteActivity(ctx, acts.UpdateBeneficiaryAccount, in).Get(ctx, nil); err != nil {
				workflow.GetLogger(ctx).Error("corrected bank account not recorded by the payments service", "error", err)
			}
		})
		sel.AddReceive(w.withdrawals, func(c workflow.ReceiveChannel, _ bool) {
			var s flow.Withdrawn
			c.Receive(ctx, &s)
			w.withdrawn = true
		})
		sel.Select(ctx)
	}
	if cancelled := committed.cancelled(settled, w.paid); cancelled > 0 {
		// A decommitment returned money to the envelope: the reserve list may move up.
		w.releaseToReserve(ctx, WithdrawalInput{Application: w.in.Application, ReleasedCents: cancelled, Reason: "remaining tranches cancelled"})
	}
	return Outcome{State: StateFunded, PaidCents: committed.paid(w.paid)}, nil
}

// releaseToReserve tells the review service that this laureate's money is free again, so the next
// reserve entries that fit are promoted. A failure is logged: the money stays recorded as free in
// the payments service, and the chair can still act.
func (w *applicationWorkflow) releaseToReserve(ctx workflow.Context, in WithdrawalInput) {
	if err := workflow.ExecuteActivity(ctx, acts.RecordWithdrawal, in).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("the reserve list was not told of the freed money", "error", err)
	}
}

// markReport tells the payments service that a tranche's milestone report was filed. A report the
// payments service refuses (its tranche already certified, say) is logged: the applicant's report
// is kept in the applications service either way.
func (w *applicationWorkflow) markReport(ctx workflow.Context, committed Committed, r flow.ReportSubmitted) {
	if r.Sequence < 1 || r.Sequence > len(committed.Tranches) {
		workflow.GetLogger(ctx).Warn("milestone report for an unknown tranche", "report", r.Report, "sequence", r.Sequence)
		return
	}
	in := ReportInput{Tranche: committed.Tranches[r.Sequence-1], Report: r.Report}
	if err := workflow.ExecuteActivity(ctx, acts.MarkReportSubmitted, in).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("milestone report not recorded by the payments service", "report", r.Report, "error", err)
	}
}

// sendReceipt emails the acknowledgement of receipt before anything is decided on the application,
// retrying while the SMTP server is unreachable. A refusal that no retry can change (no such
// mailbox) is logged and does not stop the application: the submission's response already gave the
// applicant the receipt's content.
func (w *applicationWorkflow) sendReceipt(ctx workflow.Context, first intake) {
	// Workflows started before the receipt was sent from here replay without it.
	if workflow.GetVersion(ctx, "send-receipt", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	var sent ReceiptSent
	if err := first.run(ctx, acts.SendReceipt, w.in.Application).Get(ctx, &sent); err != nil {
		workflow.GetLogger(ctx).Error("the acknowledgement of receipt was not sent", "application", w.in.Application, "error", err)
	}
}

// sendDecision emails the applicant the decision just recorded with the feedback behind it (the
// scores per criterion, the anonymised reviews, the consensus comment). Like the receipt, a send
// that fails for good is logged and does not stop the application: the feedback stays readable
// through the API.
func (w *applicationWorkflow) sendDecision(ctx workflow.Context, decision string, promoted bool) {
	// Workflows decided before the decision email existed replay without it.
	if workflow.GetVersion(ctx, "send-decision", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	var sent DecisionSent
	in := DecisionNotice{Application: w.in.Application, Decision: decision, Promoted: promoted}
	if err := workflow.ExecuteActivity(ctx, acts.SendDecision, in).Get(ctx, &sent); err != nil {
		workflow.GetLogger(ctx).Error("the decision was not emailed", "application", w.in.Application, "decision", decision, "error", err)
	}
}

func (w *applicationWorkflow) record(ctx workflow.Context, state, reason string) error {
	return workflow.ExecuteActivity(ctx, acts.RecordDecision, DecisionInput{Application: w.in.Application, State: state, Reason: reason}).Get(ctx, nil)
}

// await waits for a signal; false when the application was withdrawn first.
func (w *applicationWorkflow) await(ctx workflow.Context, name string, v any) bool {
	return w.receive(ctx, workflow.GetSignalChannel(ctx, name), v)
}

// receive waits for the next value of ch, or a withdrawal; false when withdrawn.
func (w *applicationWorkflow) receive(ctx workflow.Context, ch workflow.ReceiveChannel, v any) bool {
	if w.withdrawn {
		return false
	}
	got := false
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, v)
		got = true
	})
	sel.AddReceive(w.withdrawals, func(c workflow.ReceiveChannel, _ bool) {
		var s flow.Withdrawn
		c.Receive(ctx, &s)
		w.withdrawn = true
	})
	sel.Select(ctx)
	return got
}

// reminderPlan is the ordered list of reminders and escalations still to come.
type reminderPlan struct {
	events   []reminderEvent
	reported map[int]bool
}

type reminderEvent struct {
	at       time.Time
	sequence int
	late     bool
}

func newReminderPlan(c Committed, enabled bool) *reminderPlan {
	p := &reminderPlan{reported: map[int]bool{}}
	if !enabled {
		return p
	}
	for _, r := range c.Reminders {
		p.events = append(p.events, reminderEvent{at: r.RemindAt, sequence: r.Sequence}, reminderEvent{at: r.LateAt, sequence: r.Sequence, late: true})
	}
	// A stable order: by instant, then sequence, reminders before escalations.
	slices.SortStableFunc(p.events, func(a, b reminderEvent) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.sequence - b.sequence
	})
	return p
}

// next is the earliest event not yet handled whose report has not been filed.
func (p *reminderPlan) next() (reminderEvent, bool) {
	for len(p.events) > 0 && p.reported[p.events[0].sequence] {
		p.events = p.events[1:]
	}
	if len(p.events) == 0 {
		return reminderEvent{}, false
	}
	return p.events[0], true
}

func (p *reminderPlan) done(e reminderEvent) {
	if i := slices.Index(p.events, e); i >= 0 {
		p.events = slices.Delete(p.events, i, i+1)
	}
}
