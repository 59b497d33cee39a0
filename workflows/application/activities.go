package application

import (
	"context"
	"fmt"
	netmail "net/mail"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/mail"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/workflows/internal/grpcerr"
)

// Activities call the services over gRPC as the workflow worker (role system). Every call is
// idempotent in the service, so Temporal's retries change nothing.
type Activities struct {
	Calls        appv1.CallServiceClient
	Applications appv1.ApplicationServiceClient
	Review       reviewv1.ReviewServiceClient
	Payments     paymentsv1.PaymentServiceClient
	// Mail sends the notifications (a *mail.Sender).
	Mail mail.Mailer
	// ProgrammeOffice is told of overdue milestone reports.
	ProgrammeOffice *netmail.Address
}

// SendReceipt emails the acknowledgement of receipt (CRPA L112-3) to the application's contact.
// Its Message-ID is derived from the application's name, so a send repeated by a retry (after the
// server took the message but before Temporal heard of it) is recognisable as the same receipt.
func (a *Activities) SendReceipt(ctx context.Context, application string) (ReceiptSent, error) {
	if a.Mail == nil {
		return ReceiptSent{}, temporal.NewNonRetryableApplicationError("the worker has no mail sender", "NoMailer", nil)
	}
	app, call, err := a.applicationAndCall(ctx, application)
	if err != nil {
		return ReceiptSent{}, err
	}
	if app.GetSubmitTime() == nil || app.GetContentSha256() == "" {
		return ReceiptSent{}, temporal.NewNonRetryableApplicationError(application+" has not been submitted", "NotSubmitted", nil)
	}
	contact := app.GetContact()
	if contact.GetEmail() == "" {
		return ReceiptSent{Skipped: "the application has no contact email"}, nil
	}
	m, err := mail.Receipt{
		To:          &netmail.Address{Name: contact.GetName(), Address: contact.GetEmail()},
		Application: application, Title: app.GetTitle(), CallName: call.GetName(), CallTitle: call.GetTitle(),
		Organisation: app.GetApplicant().GetLegalName(), Siret: app.GetApplicant().GetSiret(),
		SubmitTime: app.GetSubmitTime().AsTime(), ContentSHA256: app.GetContentSha256(),
	}.Message(a.Mail.From())
	if err != nil {
		return ReceiptSent{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadReceipt", err)
	}
	if err := a.send(ctx, m); err != nil {
		return ReceiptSent{}, err
	}
	return ReceiptSent{To: contact.GetEmail(), MessageID: m.ID}, nil
}

// send sends one message. A refusal by the relay (of the recipient or the message) is
// non-retryable: sending again changes nothing.
func (a *Activities) send(ctx context.Context, m mail.Message) error {
	if err := a.Mail.Send(ctx, m); err != nil {
		if mail.Permanent(err) {
			return temporal.NewNonRetryableApplicationError(err.Error(), "MailRefused", err)
		}
		return err
	}
	return nil
}

// CheckEligibility applies the eligibility rules and returns the outcome.
func (a *Activities) CheckEligibility(ctx context.Context, application string) (Eligibility, error) {
	app, err := a.Applications.CheckEligibility(ctx, &appv1.CheckEligibilityRequest{Name: application})
	if err != nil {
		return Eligibility{}, grpcerr.Classify(err)
	}
	return Eligibility{State: app.GetState(), Reason: app.GetStateReason()}, nil
}

func (a *Activities) applicationAndCall(ctx context.Context, application string) (*appv1.Application, *appv1.Call, error) {
	app, err := a.Applications.GetApplication(ctx, &appv1.GetApplicationRequest{Name: application})
	if err != nil {
		return nil, nil, grpcerr.Classify(err)
	}
	call, err := a.Calls.GetCall(ctx, &appv1.GetCallRequest{Name: app.GetCall()})
	if err != nil {
		return nil, nil, grpcerr.Classify(err)
	}
	return app, call, nil
}

// AssignReviewers gives the application reviewers of its call's jury.
func (a *Activities) AssignReviewers(ctx context.Context, application string) (Assigned, error) {
	app, call, err := a.applicationAndCall(ctx, application)
	if err != nil {
		return Assigned{}, err
	}
	req := &reviewv1.AssignReviewersRequest{
		Application: application, Title: app.GetTitle(), RequestedAmountCents: app.GetRequestedAmountCents(),
		SubmitTime: app.GetSubmitTime(), Reviewers: call.GetReviewers(), Chair: call.GetChair(),
		OverallThreshold: call.GetOverallThreshold(), EnvelopeCents: call.GetEnvelopeCents(),
		ReviewersPerApplication: call.GetReviewersPerApplication(),
	}
	for _, c := range call.GetCriteria() {
		req.Criteria = append(req.Criteria, &reviewv1.GridCriterion{Id: c.GetId(), Weight: c.GetWeight(), Threshold: c.GetThreshold()})
	}
	resp, err := a.Review.AssignReviewers(ctx, req)
	if err != nil {
		return Assigned{}, grpcerr.Classify(err)
	}
	out := Assigned{}
	for _, as := range resp.GetAssignments() {
		out.Reviewers = append(out.Reviewers, as.GetReviewer())
	}
	return out, nil
}

// RecordDecision records a state the workflow reached.
func (a *Activities) RecordDecision(ctx context.Context, in DecisionInput) error {
	_, err := a.Applications.RecordDecision(ctx, &appv1.RecordDecisionRequest{Name: in.Application, State: in.State, Reason: in.Reason})
	return grpcerr.Classify(err)
}

// CommitGrant opens the call's budget if needed and commits the grant with its tranches.
func (a *Activities) CommitGrant(ctx context.Context, application string) (Committed, error) {
	app, call, err := a.applicationAndCall(ctx, application)
	if err != nil {
		return Committed{}, err
	}
	if _, err := a.Payments.OpenCallBudget(ctx, &paymentsv1.OpenCallBudgetRequest{Call: call.GetName(), EnvelopeCents: call.GetEnvelopeCents(),
		AdvanceMaxPercent: call.GetAdvanceMaxPercent(), InterimMaxPercent: call.GetInterimMaxPercent()}); err != nil {
		return Committed{}, grpcerr.Classify(err)
	}
	req := &paymentsv1.CommitGrantRequest{
		Application: application, AmountCents: app.GetRequestedAmountCents(),
		Beneficiary: &paymentsv1.Beneficiary{Name: beneficiaryName(app), Siret: app.GetApplicant().GetSiret(),
			Iban: app.GetBankAccount().GetIban(), Bic: app.GetBankAccount().GetBic(), Rna: app.GetApplicant().GetRna()},
		Title: app.GetTitle(), ProjectBudgetCents: app.GetProjectBudgetCents(),
	}
	for _, m := range app.GetMilestones() {
		req.Tranches = append(req.Tranches, &paymentsv1.PlannedTranche{Title: m.GetTitle(), DueDate: m.GetDueDate(), AmountCents: m.GetTrancheAmountCents()})
	}
	c, err := a.Payments.CommitGrant(ctx, req)
	if err != nil {
		return Committed{}, grpcerr.Classify(err)
	}
	out := Committed{AmountCents: c.GetAmountCents()}
	for _, t := range c.GetTranches() {
		out.Tranches = append(out.Tranches, t.GetName())
		out.TrancheAmounts = append(out.TrancheAmounts, t.GetAmountCents())
	}
	out.Reminders = reportSchedule(app.GetMilestones())
	return out, nil
}

func beneficiaryName(app *appv1.Application) string {
	if h := app.GetBankAccount().GetHolder(); h != "" {
		return h
	}
	return app.GetApplicant().GetLegalName()
}

// MarkReportSubmitted tells the payments service that a tranche's milestone report was filed, so
// the programme officer may certify it.
func (a *Activities) MarkReportSubmitted(ctx context.Context, in ReportInput) error {
	_, err := a.Payments.MarkReportSubmitted(ctx, &paymentsv1.MarkReportSubmittedRequest{Name: in.Tranche, Report: in.Report})
	return grpcerr.Classify(err)
}

// UpdateBeneficiaryAccount records the applicant's corrected bank account in the payments service,
// where it waits for a finance officer's approval before any further payment.
func (a *Activities) UpdateBeneficiaryAccount(ctx context.Context, in AccountInput) error {
	_, err := a.Payments.UpdateBeneficiaryAccount(ctx, &paymentsv1.UpdateBeneficiaryAccountRequest{
		Name: in.Application + "/commitment", Iban: in.IBAN, Bic: in.BIC})
	return grpcerr.Classify(err)
}

// ReminderLead is how long before a milestone's due date its report is reminded.
const ReminderLead = 14 * 24 * time.Hour

var paris = clock.Paris

// reportSchedule computes, outside the workflow, when each milestone report after the advance is
// reminded (14 days before its due date, 09:00 Paris time) and declared late (the day after, 09:00).
func reportSchedule(milestones []*appv1.Milestone) []ReportSchedule {
	var out []ReportSchedule
	for i, m := range milestones {
		if i == 0 {
			continue // the advance needs no report
		}
		due, err := time.ParseInLocation(time.DateOnly, m.GetDueDate(), paris)
		if err != nil {
			continue
		}
		nine := due.Add(9 * time.Hour)
		out = append(out, ReportSchedule{Sequence: i + 1, RemindAt: nine.Add(-ReminderLead).UTC(), LateAt: nine.AddDate(0, 0, 1).UTC()})
	}
	return out
}

// SendReportReminder emails the applicant's contact about a milestone report that is due soon or
// late; a late one is copied to the programme office.
func (a *Activities) SendReportReminder(ctx context.Context, in ReminderInput) error {
	if a.Mail == nil {
		return temporal.NewNonRetryableApplicationError("the worker has no mail sender", "NoMailer", nil)
	}
	app, err := a.Applications.GetApplication(ctx, &appv1.GetApplicationRequest{Name: in.Application})
	if err != nil {
		return grpcerr.Classify(err)
	}
	ms := app.GetMilestones()
	if in.Sequence < 2 || in.Sequence > len(ms) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s has no milestone %d", in.Application, in.Sequence), "NoMilestone", nil)
	}
	m := ms[in.Sequence-1]
	due, err := time.ParseInLocation(time.DateOnly, m.GetDueDate(), paris)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), "BadDueDate", err)
	}
	var to []*netmail.Address
	if e := app.GetContact().GetEmail(); e != "" {
		to = append(to, &netmail.Address{Name: app.GetContact().GetName(), Address: e})
	}
	if in.Late && a.ProgrammeOffice != nil {
		to = append(to, a.ProgrammeOffice)
	}
	if len(to) == 0 {
		return nil
	}
	msg, err := mail.ReportReminder{To: to, ContactName: app.GetContact().GetName(), Application: in.Application, Title: app.GetTitle(),
		Sequence: in.Sequence, Milestone: m.GetTitle(), Due: due, AmountCents: m.GetTrancheAmountCents(), Late: in.Late}.Message(a.Mail.From())
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), "BadReminder", err)
	}
	return a.send(ctx, msg)
}

// RecordWithdrawal tells the review service that a laureate's money is free again, so that it
// promotes the next reserve entries that fit.
func (a *Activities) RecordWithdrawal(ctx context.Context, in WithdrawalInput) error {
	_, err := a.Review.RecordWithdrawal(ctx, &reviewv1.RecordWithdrawalRequest{Application: in.Application, Withdrawn: in.Withdrawn,
		ReleasedCents: in.ReleasedCents, Reason: in.Reason})
	return grpcerr.Classify(err)
}

// SendDecision emails the applicant's contact the decision on its application, with the feedback
// the review service gives for it (final scores and thresholds per criterion, the reviewers'
// scores and comments under anonymous labels, the consensus comment). The Message-ID is derived
// from the application and the decision, so a retried send is the same message. A decision
// already superseded when the activity runs (a reserve project promoted meanwhile) is not sent:
// the newer one is.
func (a *Activities) SendDecision(ctx context.Context, in DecisionNotice) (DecisionSent, error) {
	if a.Mail == nil {
		return DecisionSent{}, temporal.NewNonRetryableApplicationError("the worker has no mail sender", "NoMailer", nil)
	}
	app, call, err := a.applicationAndCall(ctx, in.Application)
	if err != nil {
		return DecisionSent{}, err
	}
	f, err := a.Review.GetFeedback(ctx, &reviewv1.GetFeedbackRequest{Name: in.Application + "/feedback"})
	if err != nil {
		return DecisionSent{}, grpcerr.Classify(err)
	}
	if f.GetDecision() != in.Decision {
		return DecisionSent{Skipped: fmt.Sprintf("the decision %s was superseded by %s", in.Decision, f.GetDecision())}, nil
	}
	contact := app.GetContact()
	if contact.GetEmail() == "" {
		return DecisionSent{Skipped: "the application has no contact email"}, nil
	}
	titles := map[string]string{}
	for _, c := range call.GetCriteria() {
		titles[c.GetId()] = c.GetTitle()
	}
	d := mail.Decision{
		To:          &netmail.Address{Name: contact.GetName(), Address: contact.GetEmail()},
		Application: in.Application, Title: app.GetTitle(), CallTitle: call.GetTitle(),
		Decision: in.Decision, Promoted: in.Promoted, Reason: f.GetReason(), Rank: int(f.GetRank()),
		ReservePosition: int(f.GetReservePosition()), Total: f.GetTotal(), OverallThreshold: f.GetOverallThreshold(),
		ConsensusComment: f.GetConsensusComment(),
	}
	for _, c := range f.GetCriteria() {
		dc := mail.DecisionCriterion{ID: c.GetCriterion(), Title: titles[c.GetCriterion()], Weight: int(c.GetWeight()),
			Threshold: c.GetThreshold(), Score: c.GetScore(), Reached: c.GetReached()}
		for _, s := range c.GetReviewerScores() {
			dc.Reviewers = append(dc.Reviewers, mail.DecisionScore{Label: s.GetReviewer(), Score: s.GetScore()})
		}
		d.Criteria = append(d.Criteria, dc)
	}
	for _, r := range f.GetReviewers() {
		d.Reviewers = append(d.Reviewers, mail.DecisionReviewer{Label: r.GetReviewer(), Comment: r.GetComment(), Total: r.GetTotal()})
	}
	m, err := d.Message(a.Mail.From())
	if err != nil {
		return DecisionSent{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadDecisionNotice", err)
	}
	if err := a.send(ctx, m); err != nil {
		return DecisionSent{}, err
	}
	return DecisionSent{To: contact.GetEmail(), MessageID: m.ID}, nil
}
