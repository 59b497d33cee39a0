package call

import (
	"log/slog"
	"testing"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayCommittedHistories replays real calls' histories, recorded by the end-to-end tests:
// review.json (GUICHET_RECORD_CALL_HISTORY: opened, closed at its deadline by a timer, in review,
// ranked while waiting for the review deadline, from before the jury's reminders) and
// reminders.json (GUICHET_RECORD_REMINDERS_HISTORY: reviewers reminded halfway through a short
// review window, the chair told at the deadline, deliberation). A change that would break
// running calls fails here.
func TestReplayCommittedHistories(t *testing.T) {
	for _, file := range []string{"testdata/review.json", "testdata/reminders.json"} {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowType})
		if err := r.ReplayWorkflowHistoryFromJSONFile(log.NewStructuredLogger(slog.New(slog.DiscardHandler)), file); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
}
