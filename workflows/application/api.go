// Package application is the ApplicationWorkflow: one submitted application's path through
// eligibility, review, ranking, the grant agreement, the commitment and the payment of its tranches.
package application

import "github.com/guichet/guichet/platform/flow"

// Outcome is how an application's workflow ended.
type Outcome struct {
	// State is the application's last state: INELIGIBLE, REJECTED, RESERVE, WITHDRAWN or FUNDED.
	State string `json:"state"`
	// PaidCents is the total paid to the project by the workflow's end.
	PaidCents int64 `json:"paidCents"`
}

// Activity inputs and results.
type (
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
	}
)

// Workflow states recorded in the applications service.
const (
	StateIneligible  = "INELIGIBLE"
	StateUnderReview = "UNDER_REVIEW"
	StateSelected    = "SELECTED"
	StateFunded      = "FUNDED"
	StateWithdrawn   = "WITHDRAWN"
	TranchePaid      = "PAID"
)

// WorkflowType is the registered name of the workflow.
const WorkflowType = flow.ApplicationWorkflowType
