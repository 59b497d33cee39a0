// Package application is the ApplicationWorkflow: one submitted application's path through its
// acknowledgement of receipt, eligibility, review, ranking, the grant agreement, the commitment and the payment of its tranches.
package application

import (
	"time"

	"github.com/guichet/guichet/platform/flow"
)

// Outcome is how an application's workflow ended.
type Outcome struct {
	// State is the application's last state: INELIGIBLE, REJECTED, RESERVE, WITHDRAWN or FUNDED.
	State string `json:"state"`
	// PaidCents is the total paid to the project by the workflow's end.
	PaidCents int64 `json:"paidCents"`
}

// Activity inputs and results.
type (
	// ReceiptSent is the result of SendReceipt.
	ReceiptSent struct {
		To        string `json:"to"`
		MessageID string `json:"messageId"`
		// Skipped says why no receipt was sent.
		Skipped string `json:"skipped,omitempty"`
	}
	// Eligibility is the result of CheckEligibility.
	Eligibility struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
	}
	// Assigned is the result of AssignReviewers.
	Assigned struct {
		Reviewers []string `json:"reviewers"`
	}
	// DecisionInput records a state reached by the workflow.
	DecisionInput struct {
		Application string `json:"application"`
		State       string `json:"state"`
		Reason      string `json:"reason"`
	}
	// Committed is the result of CommitGrant.
	Committed struct {
		AmountCents int64    `json:"amountCents"`
		Tranches    []string `json:"tranches"`
		// TrancheAmounts are the tranches' amounts, in the order of Tranches (absent from histories
		// recorded before they were returned).
		TrancheAmounts []int64 `json:"trancheAmounts,omitempty"`
		// Reminders are when to remind the applicant of each milestone report and when it is late.
		Reminders []ReportSchedule `json:"reminders,omitempty"`
	}
	// ReportSchedule is when a milestone report is reminded (before it is due) and escalated (late).
	ReportSchedule struct {
		Sequence int       `json:"sequence"`
		RemindAt time.Time `json:"remindAt"`
		LateAt   time.Time `json:"lateAt"`
	}
	// ReminderInput asks for a report reminder email.
	ReminderInput struct {
		Application string `json:"application"`
		Sequence    int    `json:"sequence"`
		Late        bool   `json:"late"`
	}
	// WithdrawalInput tells the review service that a laureate's money is free again.
	WithdrawalInput struct {
		Application   string `json:"application"`
		Withdrawn     bool   `json:"withdrawn"`
		ReleasedCents int64  `json:"releasedCents"`
		Reason        string `json:"reason"`
	}
	// AccountInput passes a corrected bank account to the payments service.
	AccountInput struct {
		Application string `json:"application"`
		IBAN        string `json:"iban"`
		BIC         string `json:"bic"`
	}
	// DecisionNotice asks for the email telling the applicant of a decision (SendDecision).
	DecisionNotice struct {
		Application string `json:"application"`
		// Decision is SELECTED, RESERVE or REJECTED, as signalled.
		Decision string `json:"decision"`
		// Promoted: a reserve project selected after a laureate withdrew.
		Promoted bool `json:"promoted,omitempty"`
	}
	// DecisionSent is the result of SendDecision.
	DecisionSent struct {
		To        string `json:"to,omitempty"`
		MessageID string `json:"messageId,omitempty"`
		// Skipped says why no email was sent.
		Skipped string `json:"skipped,omitempty"`
	}
	// ReportInput marks a tranche's milestone report as filed.
	ReportInput struct {
		Tranche string `json:"tranche"`
		Report  string `json:"report"`
	}
)

// cancelled is the amount of the settled tranches that were not paid (cancelled by a decommitment).
func (c Committed) cancelled(settled, paid map[string]bool) int64 {
	if len(c.TrancheAmounts) != len(c.Tranches) {
		return 0
	}
	var sum int64
	for i, t := range c.Tranches {
		if settled[t] && !paid[t] {
			sum += c.TrancheAmounts[i]
		}
	}
	return sum
}

// paid is the amount of the paid tranches.
func (c Committed) paid(paid map[string]bool) int64 {
	if len(c.TrancheAmounts) != len(c.Tranches) {
		if len(paid) == len(c.Tranches) {
			return c.AmountCents
		}
		return 0
	}
	var sum int64
	for i, t := range c.Tranches {
		if paid[t] {
			sum += c.TrancheAmounts[i]
		}
	}
	return sum
}

// Workflow states recorded in the applications service.
const (
	StateIneligible  = "INELIGIBLE"
	StateUnderReview = "UNDER_REVIEW"
	StateSelected    = "SELECTED"
	StateReserve     = "RESERVE"
	StateFunded      = "FUNDED"
	StateWithdrawn   = "WITHDRAWN"
	TranchePaid      = "PAID"
	TrancheCancelled = "CANCELLED"
)

// WorkflowType is the registered name of the workflow.
const WorkflowType = flow.ApplicationWorkflowType
