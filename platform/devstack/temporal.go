package devstack

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
)

// Temporal is the Temporal CLI's dev server (frontend and UI).
type Temporal struct {
	Address string
	UIURL   string
	proc    *process
	args    []string
	bin     string
	logFile string
	nice    int
}

// StartTemporal starts `temporal server start-dev` from bin, on free ports where port or uiPort
// is 0 (Address and UIURL say which). dbFile "" keeps its store in memory;
// nice > 0 runs it as background work at that niceness (see Command).
func StartTemporal(ctx context.Context, bin, dir string, port, uiPort int, dbFile string, nice int) (*Temporal, error) {
	if err := freePorts(&port, &uiPort); err != nil {
		return nil, err
	}
	args := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", itoa(port), "--ui-port", itoa(uiPort),
		"--namespace", "default", "--log-level", "warn", "--log-format", "json"}
	if dbFile != "" {
		args = append(args, "--db-filename", dbFile)
	}
	t := &Temporal{Address: fmt.Sprintf("127.0.0.1:%d", port), UIURL: fmt.Sprintf("http://127.0.0.1:%d", uiPort),
		args: args, bin: bin, logFile: filepath.Join(dir, "temporal.log"), nice: nice}
	return t, t.Start(ctx)
}

// Start starts the server again after Stop (same ports, same store file). The dev server binds
// ports of its own beside the frontend's, chosen free at its start: one taken meanwhile by
// another process ends it at once, even after its frontend listens, and it is started again
// (retryTakenPort).
func (t *Temporal) Start(ctx context.Context) error {
	return retryTakenPort(ctx, func() error { return t.start(ctx) })
}

func (t *Temporal) start(ctx context.Context) error {
	cmd, err := Command(t.nice, t.bin, t.args...)
	if err != nil {
		return err
	}
	proc, err := startProcess("temporal", cmd, syscall.SIGTERM, t.logFile)
	if err != nil {
		return fmt.Errorf("%w (build it with `make tools`)", err)
	}
	t.proc = proc
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := waitTCP(ctx, proc, t.Address); err != nil {
		_ = proc.stop(5 * time.Second)
		return err
	}
	c, err := client.Dial(client.Options{HostPort: t.Address, Namespace: "default"})
	if err != nil {
		_ = proc.stop(5 * time.Second)
		return err
	}
	defer c.Close()
	for {
		// The frontend may listen before the server fails to bind one of its other ports.
		if proc.exited() {
			return proc.exitedEarly("it answered on " + t.Address)
		}
		if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err == nil {
			// The default namespace is registered slightly after the frontend answers.
			if _, err := c.WorkflowService().DescribeNamespace(ctx, describeDefault()); err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			_ = proc.stop(5 * time.Second)
			return fmt.Errorf("temporal dev server not ready on %s", t.Address)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Stop shuts the server down.
func (t *Temporal) Stop() error { return t.proc.stop(20 * time.Second) }
