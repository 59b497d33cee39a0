package call

import (
	"log/slog"
	"testing"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayCommittedHistories replays a real call's history (recorded by the end-to-end test with
// GUICHET_RECORD_CALL_HISTORY: opened, closed at its deadline by a timer, in review, ranked while
// waiting for the review deadline): a change that would break running calls fails here.
func TestReplayCommittedHistories(t *testing.T) {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowType})
	if err := r.ReplayWorkflowHistoryFromJSONFile(log.NewStructuredLogger(slog.New(slog.DiscardHandler)), "testdata/review.json"); err != nil {
		t.Fatal(err)
	}
}
