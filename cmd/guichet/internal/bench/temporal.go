package bench

import (
	"context"
	"errors"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/ids"
)

// TemporalStarts measures raw workflow starts with the SDK against the same server: the ceiling of
// what the outbox relay can reach. The workflows have no worker and time out after a minute.
func TemporalStarts(ctx context.Context, c client.Client, n, concurrency int) Throughput {
	queue := "bench-noop-" + ids.New()
	return measure(n, concurrency, func() error {
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: "bench/" + ids.New(), TaskQueue: queue, WorkflowRunTimeout: time.Minute,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		}, "BenchNoop")
		return err
	})
}

// Drain is how the outbox relays turned the submissions into workflows.
type Drain struct {
	Workflows int `json:"workflows"`
	// Seconds from the first to the last workflow start, as Temporal recorded them.
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"perSecond"`
	// LagSeconds from the end of the rush to the last workflow start.
	LagSeconds float64 `json:"lagSeconds"`
	// IntakeSeconds from the end of the rush (the restart of Temporal after a backlog) until no
	// application is left in its intake (receipt, eligibility, assignment).
	IntakeSeconds float64 `json:"intakeSeconds"`
	// PastIntake is the applications of the call past their intake (UNDER_REVIEW or INELIGIBLE)
	// when no application was left in it.
	PastIntake int `json:"pastIntake"`
}

// WaitForWorkflows waits until every application has its workflow and reads their start times.
func WaitForWorkflows(ctx context.Context, c client.Client, names []string, rushEnd time.Time, timeout time.Duration) (Drain, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var starts []time.Time
	for _, name := range names {
		if name == "" {
			continue
		}
		for {
			d, err := c.DescribeWorkflow(ctx, flow.ApplicationWorkflowID(name), "")
			if err == nil {
				starts = append(starts, d.RawResponse.GetWorkflowExecutionInfo().GetStartTime().AsTime())
				break
			}
			var notFound *serviceerror.NotFound
			if !errors.As(err, &notFound) || ctx.Err() != nil {
				return Drain{Workflows: len(starts)}, err
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if len(starts) == 0 {
		return Drain{}, nil
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	span := starts[len(starts)-1].Sub(starts[0])
	d := Drain{Workflows: len(starts), Seconds: span.Seconds(), LagSeconds: starts[len(starts)-1].Sub(rushEnd).Seconds()}
	if span > 0 {
		d.PerSecond = float64(len(starts)-1) / span.Seconds()
	}
	return d, nil
}
