package chaos

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/fleet"
	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/devstack"
)

// fault is one kind of failure the chaos inflicts.
type fault string

const (
	killWorker      fault = "SIGKILL worker, restart"
	killPayments    fault = "SIGKILL payments, restart"
	restartTemporal fault = "restart Temporal on its file"
	stopRedis       fault = "stop Redis, start it again"
	restartPostgres fault = "restart PostgreSQL"
)

// event is a fault as it happened.
type event struct {
	At    time.Duration // since the start of the run
	Fault fault
	// Down is how long the component was unavailable.
	Down time.Duration
	Err  error
}

// chaos inflicts the faults of plan, in order, at random moments drawn from rng.
type chaos struct {
	rng            *rand.Rand
	plan           []fault
	minGap, maxGap time.Duration
	stack          *devstack.Stack
	targets        *fleet.Fleet
	start          time.Time
	out            io.Writer
	mu             sync.Mutex
	events         []event
}

// newPlan is the faults of a run in a seeded random order: kills of the worker and of the payments
// service, one restart of Temporal, one Redis outage and one PostgreSQL restart.
func newPlan(rng *rand.Rand, kills int) []fault {
	var plan []fault
	for range kills {
		plan = append(plan, killWorker, killPayments)
	}
	plan = append(plan, restartTemporal, stopRedis, restartPostgres)
	rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	return plan
}

// between draws a duration in [lo, hi).
func (c *chaos) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(c.rng.Int64N(int64(hi-lo)))
}

// run inflicts every fault of the plan, waiting a random gap before each; it stops early when ctx
// ends, always leaving every component running.
func (c *chaos) run(ctx context.Context) {
	for _, f := range c.plan {
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.between(c.minGap, c.maxGap)):
		}
		at := time.Since(c.start)
		t0 := time.Now()
		err := c.inflict(f)
		e := event{At: at, Fault: f, Down: time.Since(t0), Err: err}
		_, _ = fmt.Fprintf(c.out, "chaos %7.1fs  %-30s down %5.1fs %v\n", at.Seconds(), f, e.Down.Seconds(), errText(err))
		c.mu.Lock()
		c.events = append(c.events, e)
		c.mu.Unlock()
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return "ERROR: " + err.Error()
}

func (c *chaos) inflict(f fault) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	switch f {
	case killWorker, killPayments:
		t := server.Worker
		if f == killPayments {
			t = server.Payments
		}
		c.targets.Kill(t)
		time.Sleep(c.between(200*time.Millisecond, 3*time.Second))
		return c.targets.Start(t)
	case restartTemporal:
		return c.stack.Temporal.Restart(ctx)
	case stopRedis:
		if err := c.stack.Redis.Stop(); err != nil {
			return err
		}
		time.Sleep(c.between(3*time.Second, 8*time.Second))
		return c.stack.Redis.Start(ctx)
	case restartPostgres:
		return c.stack.Postgres.Restart(ctx)
	}
	return fmt.Errorf("unknown fault %q", f)
}

func (c *chaos) done() []event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]event(nil), c.events...)
}
