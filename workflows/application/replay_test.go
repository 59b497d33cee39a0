package application

import (
	"log/slog"
	"testing"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
)

// TestReplayCommittedHistories replays histories of real runs (recorded by the end-to-end test
// with GUICHET_RECORD_HISTORY): a change to the workflow that would break running workflows fails
// here, and must go through workflow.GetVersion.
func TestReplayCommittedHistories(t *testing.T) {
	for _, file := range []string{"testdata/funded.json"} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(Workflow, workflowOptions())
			if err := r.ReplayWorkflowHistoryFromJSONFile(log.NewStructuredLogger(slog.New(slog.DiscardHandler)), file); err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}
