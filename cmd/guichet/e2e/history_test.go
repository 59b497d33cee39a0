package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/guichet/guichet/platform/flow"
)

// recordHistory writes the workflow history of an application to the file named by
// GUICHET_RECORD_HISTORY, its FundingWorkflow's to GUICHET_RECORD_FUNDING_HISTORY and its call's to
// GUICHET_RECORD_CALL_HISTORY, to refresh the replay tests' histories in
// workflows/application/testdata and workflows/call/testdata.
func recordHistory(t *testing.T, temporal client.Client, application string) {
	writeHistory(t, temporal, flow.ApplicationWorkflowID(application), os.Getenv("GUICHET_RECORD_HISTORY"))
	writeHistory(t, temporal, flow.FundingWorkflowID(application), os.Getenv("GUICHET_RECORD_FUNDING_HISTORY"))
	call := application[:strings.Index(application, "/applications/")]
	writeHistory(t, temporal, flow.CallWorkflowID(call), os.Getenv("GUICHET_RECORD_CALL_HISTORY"))
}

// writeHistory writes a workflow's history so far to path ("" writes nothing).
func writeHistory(t *testing.T, temporal client.Client, workflowID, path string) {
	if path == "" {
		return
	}
	ctx := context.Background()
	it := temporal.GetWorkflowHistory(ctx, workflowID, "", false, 0)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
