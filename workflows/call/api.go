// Package call is the CallWorkflow: a call's calendar as durable timers (opening, closing, review
// deadline), moving the call through its lifecycle; the programme officer's extensions reschedule
// it.
package call

import "github.com/guichet/guichet/platform/flow"

// WorkflowType is the registered name of the workflow.
const WorkflowType = flow.CallWorkflowType

// The call's states this workflow sets (DOMAIN.md, "Call").
const (
	Open         = "OPEN"
	Closed       = "CLOSED"
	Review       = "REVIEW"
	Deliberation = "DELIBERATION"
	Selection    = "SELECTION"
	Funding      = "FUNDING"
)

// Advance asks to move a call to a state.
type Advance struct {
	Call  string `json:"call"`
	State string `json:"state"`
}
