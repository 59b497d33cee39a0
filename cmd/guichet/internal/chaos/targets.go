// Package chaos runs the whole lifecycle of many applications through the REST gateway while
// the components under it are killed and restarted, then checks the invariants that must survive
// any crash: every application in a final state, no tranche paid twice, paid ≤ committed ≤
// envelope, a balanced ledger and valid audit chains (docs/reliability.md).
package chaos

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/server"
)

// targets runs each target of the platform as its own `guichet serve` process and keeps the
// handles to kill and restart them.
type targets struct {
	bin, logs string
	env       []string
	mu        sync.Mutex
	procs     map[server.Target]*target
	// unexpected counts the processes that ended without being killed by the chaos (a defect: a
	// target must survive the loss of a component it depends on); they are started again.
	unexpected map[server.Target]int
	stopping   bool
}

type target struct {
	cmd    *exec.Cmd
	done   chan struct{}
	killed bool
}

func (ts *targets) startAll() error {
	for _, t := range server.Order {
		if err := ts.start(t); err != nil {
			return err
		}
	}
	return nil
}

// start starts (or starts again) one target, appending to its log.
func (ts *targets) start(t server.Target) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	log, err := os.OpenFile(filepath.Join(ts.logs, string(t)+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(ts.bin, "serve", "--target="+string(t))
	cmd.Env, cmd.Stdout, cmd.Stderr = ts.env, log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return fmt.Errorf("start %s: %w", t, err)
	}
	p := &target{cmd: cmd, done: make(chan struct{})}
	ts.procs[t] = p
	go func() {
		_ = cmd.Wait()
		_ = log.Close()
		close(p.done)
		ts.mu.Lock()
		restart := !p.killed && !ts.stopping && ts.procs[t] == p
		if restart {
			ts.unexpected[t]++
		}
		ts.mu.Unlock()
		if restart {
			time.Sleep(time.Second)
			_ = ts.start(t)
		}
	}()
	return nil
}

// kill ends a target abruptly, as a crash would (SIGKILL), and waits until it is gone.
func (ts *targets) kill(t server.Target) {
	ts.mu.Lock()
	p := ts.procs[t]
	p.killed = true
	ts.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stopAll interrupts every target (a clean stop) and kills those still running after 15 s.
func (ts *targets) stopAll() {
	ts.mu.Lock()
	ts.stopping = true
	procs := make([]*target, 0, len(ts.procs))
	for _, p := range ts.procs {
		p.killed = true
		procs = append(procs, p)
	}
	ts.mu.Unlock()
	for _, p := range procs {
		_ = p.cmd.Process.Signal(os.Interrupt)
	}
	for _, p := range procs {
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}

func (ts *targets) unexpectedExits() map[server.Target]int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	out := map[server.Target]int{}
	for t, n := range ts.unexpected {
		out[t] = n
	}
	return out
}
