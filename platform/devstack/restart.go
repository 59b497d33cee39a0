package devstack

import (
	"context"
	"fmt"
	"os/exec"
	"time"
)

// Restarting components on the same data and ports is what `guichet chaos` does to the stack while
// the platform runs: a component that goes away and comes back must not lose or duplicate a record.

// Start starts Redis again after Stop, on the same port. Redis keeps nothing on disk, so it comes
// back empty (ARCHITECTURE.md: it holds no record).
func (r *Redis) Start(ctx context.Context) error {
	if r.proc != nil && !r.proc.exited() {
		return fmt.Errorf("redis is already running on port %d", r.Port)
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return fmt.Errorf("Redis is not installed: apt-get install redis-server")
	}
	return r.start(ctx, bin)
}

// Restart stops the server (fast mode: open transactions are rolled back, committed ones stay) and
// starts it again on the same data directory and port.
func (pg *Postgres) Restart(ctx context.Context) error {
	if err := pg.Stop(); err != nil {
		return err
	}
	return pg.start(ctx)
}

// Restart stops the dev server and starts it again on the same ports and store (its database file
// when it was started with one; an in-memory store comes back empty).
func (t *Temporal) Restart(ctx context.Context) error {
	if err := t.Stop(); err != nil {
		return err
	}
	// The frontend's port is released a moment after the process ends.
	time.Sleep(200 * time.Millisecond)
	return t.Start(ctx)
}
