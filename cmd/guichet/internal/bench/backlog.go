package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
)

// Switchable is a Temporal server the benchmark may stop and start again (its own dev server).
type Switchable interface {
	Stop() error
	Start(ctx context.Context) error
}

// BacklogResult is a rush made while Temporal was stopped, and how fast the outbox then turned
// the backlog into workflows once Temporal was back.
type BacklogResult struct {
	Rush RushResult `json:"rush"`
	// Drain runs from the first to the last workflow start that Temporal recorded after its restart.
	Drain Drain `json:"drain"`
	// RestartSeconds is how long Temporal took to answer again.
	RestartSeconds float64 `json:"restartSeconds"`
}

// Backlog stops Temporal, makes n applicants create and submit (the submissions must all succeed:
// they only need PostgreSQL), starts Temporal again and waits for every workflow. profile, when
// not nil, starts when the rush does and its wait ends with the rush (CPUProfiles).
func (p Platform) Backlog(ctx context.Context, call string, n, concurrency int, temporal Switchable, tc client.Client, wait time.Duration,
	profile func() (wait func() error)) (BacklogResult, error) {
	var res BacklogResult
	if err := temporal.Stop(); err != nil {
		return res, fmt.Errorf("stopping Temporal: %w", err)
	}
	profiled := func() error { return nil }
	if profile != nil {
		profiled = profile()
	}
	var err error
	res.Rush, err = p.Rush(ctx, call, n, concurrency)
	if err != nil {
		return res, err
	}
	if err := profiled(); err != nil {
		return res, err
	}
	t := time.Now()
	if err := temporal.Start(ctx); err != nil {
		return res, fmt.Errorf("starting Temporal again: %w", err)
	}
	res.RestartSeconds = time.Since(t).Seconds()
	res.Drain, err = WaitForWorkflows(ctx, tc, res.Rush.Names, t, wait)
	if err != nil {
		return res, fmt.Errorf("waiting for the backlog's workflows: %w", err)
	}
	if res.Drain.IntakeSeconds, res.Drain.PastIntake, err = p.WaitForIntake(ctx, call, t, wait); err != nil {
		return res, fmt.Errorf("waiting for the backlog's intake: %w", err)
	}
	return res, nil
}
