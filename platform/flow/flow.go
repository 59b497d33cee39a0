// Package flow is the contract between the services and the Temporal workflows: task queue,
// workflow ids, workflow type names, signal names and their payloads. Services send signals
// through their outbox; the workflows module implements the workflows.
package flow

import "time"

// TaskQueue is the default task queue of guichet's workflows and activities
// (GUICHET_TEMPORAL_TASK_QUEUE overrides it).
const TaskQueue = "guichet"

// Workflow type names.
const (
	ApplicationWorkflowType = "ApplicationWorkflow"
	CallWorkflowType        = "CallWorkflow"
	// FundingWorkflowType funds one selected project: agreement, commitment, tranches.
	FundingWorkflowType = "FundingWorkflow"
)

// Signal names of the CallWorkflow.
const (
	// SignalCallExtended: the programme officer extended the call's deadlines; carries a CallCalendar.
	SignalCallExtended = "call-extended"
	// SignalCallRanked: the chair ranked the call.
	SignalCallRanked = "call-ranked"
)

// CallWorkflowID is the business id of a call's workflow.
func CallWorkflowID(callName string) string { return "call/" + callName }

// CallCalendar is the input of the CallWorkflow and the payload of SignalCallExtended.
type CallCalendar struct {
	Call           string    `json:"call"`
	OpensAt        time.Time `json:"opensAt"`
	ClosesAt       time.Time `json:"closesAt"`
	ReviewDeadline time.Time `json:"reviewDeadline"`
}

// Signal names of the ApplicationWorkflow.
const (
	// SignalReviewsComplete: the review service received the last review of the assignment.
	SignalReviewsComplete = "reviews-complete"
	// SignalRanked: the chair ran the ranking; carries a Decision.
	SignalRanked = "ranked"
	// SignalAgreementSigned: the applicant signed the grant agreement.
	SignalAgreementSigned = "agreement-signed"
	// SignalTrancheChanged: a tranche changed state in the payments service; carries a TrancheChange.
	SignalTrancheChanged = "tranche-changed"
	// SignalWithdrawn: the applicant withdrew the application.
	SignalWithdrawn = "withdrawn"
	// SignalReportSubmitted: the applicant filed a milestone report; carries a ReportSubmitted.
	SignalReportSubmitted = "report-submitted"
	// SignalBankAccountChanged: the applicant corrected its bank account; carries a BankAccountChanged.
	SignalBankAccountChanged = "bank-account-changed"
)

// ApplicationWorkflowID is the business id of an application's workflow.
func ApplicationWorkflowID(applicationName string) string { return "application/" + applicationName }

// FundingWorkflowID is the business id of a selected project's funding workflow, a child of its
// application's workflow.
func FundingWorkflowID(applicationName string) string { return "funding/" + applicationName }

// ApplicationStarted is the input of the ApplicationWorkflow.
type ApplicationStarted struct {
	Application string    `json:"application"`
	SubmitTime  time.Time `json:"submitTime"`
}

// ReviewsComplete is the payload of SignalReviewsComplete.
type ReviewsComplete struct {
	Reviews int `json:"reviews"`
}

// Decision is the payload of SignalRanked.
type Decision struct {
	// SELECTED, RESERVE or REJECTED.
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
	Rank     int    `json:"rank"`
}

// AgreementSigned is the payload of SignalAgreementSigned.
type AgreementSigned struct {
	SignedBy string    `json:"signedBy"`
	SignTime time.Time `json:"signTime"`
}

// TrancheChange is the payload of SignalTrancheChanged.
type TrancheChange struct {
	Tranche string `json:"tranche"`
	State   string `json:"state"`
}

// Withdrawn is the payload of SignalWithdrawn.
type Withdrawn struct {
	Reason string `json:"reason"`
}

// ReportSubmitted is the payload of SignalReportSubmitted.
type ReportSubmitted struct {
	// Report is the report's resource name.
	Report string `json:"report"`
	// Sequence is the tranche the report is for (2 onwards).
	Sequence int `json:"sequence"`
}

// BankAccountChanged is the payload of SignalBankAccountChanged.
type BankAccountChanged struct {
	IBAN   string `json:"iban"`
	BIC    string `json:"bic"`
	Holder string `json:"holder"`
}

// JuryChannel is the Redis channel on which the review service announces, after each committed
// review, déport and consensus of a call, that its jury's progress changed; the console's live
// pages subscribe to it. These are hints to re-read, never records.
func JuryChannel(callID string) string { return "guichet:jury:" + callID }
