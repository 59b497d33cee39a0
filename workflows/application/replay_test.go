package application

import (
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"
)

// Histories of real runs of the end-to-end scenario, written by its GUICHET_RECORD_HISTORY or by
// `bin/temporal workflow show -w ID -o json` when the run stops early.
const (
	// beforeReceipt was recorded before the workflow sent the acknowledgement of receipt.
	beforeReceipt = "testdata/funded.json"
	// withReceipt was recorded with the "send-receipt" step (version 1), from the submission to the
	// grant committed, the workflow waiting for its tranches.
	withReceipt = "testdata/receipt.json"
	// withReports is a complete run: receipt, review, selection, commitment, milestone reports for
	// tranches 2 and 3, and every tranche paid.
	withReports = "testdata/reports.json"
	// withDecisionEmails is a reserve project's run with the "send-decision" step (version 1): its
	// receipt, review, the reserve decision and its email, then its promotion to SELECTED after the
	// laureate withdrew and the second email, the workflow waiting for the agreement. Recorded by
	// TestDecisionNoticesAndPublishedRanking with GUICHET_RECORD_DECISION_HISTORY.
	withDecisionEmails = "testdata/decision.json"
	// withFundingChild is a laureate's complete run with the "funding-workflow" step (version 1):
	// after its selection the workflow starts the project's FundingWorkflow, passes it the funding
	// signals and ends with its outcome; fundingChild is that FundingWorkflow's history (agreement,
	// commitment, three tranches paid). Recorded by the end-to-end scenario with
	// GUICHET_RECORD_HISTORY and GUICHET_RECORD_FUNDING_HISTORY.
	withFundingChild = "testdata/funding-parent.json"
	fundingChild     = "testdata/funding.json"
	// withLocalIntake is a laureate's complete run with the "local-intake" step (version 1): the
	// receipt, eligibility, assignment and UNDER_REVIEW as local activities in the first workflow
	// task, then review, selection and funding through its FundingWorkflow. Recorded by
	// TestApplicationToPaidTrancheAllInOne with GUICHET_RECORD_HISTORY.
	withLocalIntake = "testdata/intake.json"
)

// TestReplayCommittedHistories replays the committed histories: a change to the workflow that
// would break running workflows fails here, and must go through workflow.GetVersion.
func TestReplayCommittedHistories(t *testing.T) {
	for _, file := range []string{beforeReceipt, withReceipt, withReports, withDecisionEmails, withFundingChild, fundingChild, withLocalIntake} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			registerWorkflows(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(log.NewStructuredLogger(slog.New(slog.DiscardHandler)), file); err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}

// TestHistoriesSpanTheReceiptVersion checks that the replayed histories are what the replay test
// relies on: one from a workflow started before the receipt step (no marker, no SendReceipt), which
// the current code replays without sending it, and one with the step before eligibility.
func TestHistoriesSpanTheReceiptVersion(t *testing.T) {
	activities := func(file string) ([]string, int) { return historyActivities(t, file, "send-receipt") }
	old, markers := activities(beforeReceipt)
	if len(old) == 0 || old[0] != "CheckEligibility" || markers != 0 || strings.Contains(strings.Join(old, ","), "SendReceipt") {
		t.Fatalf("%s is not a history from before the receipt step: activities %v, %d markers", beforeReceipt, old, markers)
	}
	current, markers := activities(withReceipt)
	if len(current) < 2 || current[0] != "SendReceipt" || current[1] != "CheckEligibility" || markers != 1 {
		t.Fatalf("%s does not send the receipt first: activities %v, %d markers", withReceipt, current, markers)
	}
}

// TestHistoriesSpanTheDecisionVersion checks that the replayed histories cover both sides of the
// "send-decision" step: the older ones decided without a marker or an email, which the current
// code replays without sending it, and the new one with an email after each recorded decision.
func TestHistoriesSpanTheDecisionVersion(t *testing.T) {
	read := func(file string) ([]string, int) { return historyActivities(t, file, "send-decision") }
	for _, file := range []string{withReceipt, withReports} {
		names, markers := read(file)
		if markers != 0 || strings.Contains(strings.Join(names, ","), "SendDecision") {
			t.Fatalf("%s is not a history from before the decision email: %v, %d markers", file, names, markers)
		}
	}
	names, markers := read(withDecisionEmails)
	got := strings.Join(names, ",")
	if markers != 1 || !strings.Contains(got, "RecordDecision,SendDecision,RecordDecision,SendDecision") {
		t.Fatalf("%s does not email each decision: %s, %d markers", withDecisionEmails, got, markers)
	}
}

// historyActivities reads a recorded history: the activities it scheduled, in order, and how many
// version markers of changeID it holds.
func historyActivities(t *testing.T, file, changeID string) (names []string, markers int) {
	t.Helper()
	for _, e := range readHistory(t, file).GetEvents() {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			names = append(names, a.GetActivityType().GetName())
		}
		if m := e.GetMarkerRecordedEventAttributes(); m != nil && strings.Contains(m.String(), changeID) {
			markers++
		}
	}
	return names, markers
}

// TestHistoriesSpanTheFundingVersion checks that the replayed histories cover both sides of the
// "funding-workflow" step: the older ones commit the grant in the application's workflow, the new
// one leaves it to the FundingWorkflow, whose own history commits it.
func TestHistoriesSpanTheFundingVersion(t *testing.T) {
	for _, file := range []string{withReports} {
		names, markers := historyActivities(t, file, "funding-workflow")
		if markers != 0 || !strings.Contains(strings.Join(names, ","), "CommitGrant") {
			t.Fatalf("%s is not a history from before the FundingWorkflow: %v, %d markers", file, names, markers)
		}
	}
	names, markers := historyActivities(t, withFundingChild, "funding-workflow")
	if markers != 1 || strings.Contains(strings.Join(names, ","), "CommitGrant") || !children(t, withFundingChild, "FundingWorkflow") {
		t.Fatalf("%s does not fund through a FundingWorkflow: %v, %d markers", withFundingChild, names, markers)
	}
	names, _ = historyActivities(t, fundingChild, "")
	if !strings.Contains(strings.Join(names, ","), "CommitGrant,RecordDecision") {
		t.Fatalf("%s does not commit the grant: %v", fundingChild, names)
	}
}

// TestHistoriesSpanTheIntakeVersion checks that the replayed histories cover both sides of the
// "local-intake" step: the older ones schedule the intake as activity tasks, the new one records
// the four steps as local activity markers, in order, and schedules none of them.
func TestHistoriesSpanTheIntakeVersion(t *testing.T) {
	intake := []string{"SendReceipt", "CheckEligibility", "AssignReviewers", "RecordDecision"}
	names, markers := historyActivities(t, withFundingChild, "local-intake")
	if markers != 0 || strings.Join(names[:4], ",") != strings.Join(intake, ",") {
		t.Fatalf("%s is not a history from before the local intake: %v, %d markers", withFundingChild, names, markers)
	}
	names, markers = historyActivities(t, withLocalIntake, "local-intake")
	if markers != 1 || slices.ContainsFunc(names, func(n string) bool { return slices.Contains(intake[:3], n) }) {
		t.Fatalf("%s schedules intake activities: %v, %d markers", withLocalIntake, names, markers)
	}
	if got := localActivities(t, withLocalIntake); !slices.Equal(got, intake) {
		t.Fatalf("%s records local activities %v, want %v", withLocalIntake, got, intake)
	}
}

// localActivities reads the types of the local activities a recorded history ran, in order.
func localActivities(t *testing.T, file string) []string {
	t.Helper()
	var out []string
	for _, e := range readHistory(t, file).GetEvents() {
		m := e.GetMarkerRecordedEventAttributes()
		if m == nil || m.GetMarkerName() != "LocalActivity" {
			continue
		}
		var data struct{ ActivityType string }
		if err := json.Unmarshal(m.GetDetails()["data"].GetPayloads()[0].GetData(), &data); err != nil {
			t.Fatal(err)
		}
		out = append(out, data.ActivityType)
	}
	return out
}

// readHistory reads a history recorded as JSON.
func readHistory(t *testing.T, file string) *historypb.History {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var h historypb.History
	if err := protojson.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	return &h
}

// children reports whether the history starts a child workflow of that type.
func children(t *testing.T, file, workflowType string) bool {
	t.Helper()
	for _, e := range readHistory(t, file).GetEvents() {
		if a := e.GetStartChildWorkflowExecutionInitiatedEventAttributes(); a != nil && a.GetWorkflowType().GetName() == workflowType {
			return true
		}
	}
	return false
}
