// Package fleet runs the targets of the platform (`guichet serve --target=…`) as separate
// processes: the benchmark, the chaos run and the end-to-end tests start, kill and stop them the
// same way.
package fleet

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/devstack"
)

// Options say how to run the targets.
type Options struct {
	// Bin is the guichet binary and Env the processes' environment.
	Bin string
	Env []string
	// Logs is the folder of one log per target, appended to across restarts.
	Logs string
	// Args, when set, gives a target's arguments after `serve --target=…` (e.g. --pprof).
	Args func(server.Target) []string
	// Restart starts again, after a second, a target that ended without being killed or stopped:
	// a target must survive the loss of a component it depends on, so each such exit is counted
	// (UnexpectedExits) for the caller to report as a defect.
	Restart bool
	// Nice gives the targets that run as background work their niceness (devstack.Command).
	Nice map[server.Target]int
}

// Fleet is the set of running targets.
type Fleet struct {
	o          Options
	mu         sync.Mutex
	procs      map[server.Target]*proc
	unexpected map[server.Target]int
	stopping   bool
}

type proc struct {
	cmd    *exec.Cmd
	done   chan struct{}
	killed bool
}

// New returns a fleet with nothing started.
func New(o Options) *Fleet {
	return &Fleet{o: o, procs: map[server.Target]*proc{}, unexpected: map[server.Target]int{}}
}

// StartAll starts every target, in the order the platform starts them.
func (f *Fleet) StartAll() error {
	for _, t := range server.Order {
		if err := f.Start(t); err != nil {
			return err
		}
	}
	return nil
}

// Start starts (or starts again) one target. The process is killed if this one dies. A fleet
// that was stopped starts nothing more, and a target still running is not started twice: the
// first process would be left running with nobody to stop it.
func (f *Fleet) Start(t server.Target) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopping {
		return fmt.Errorf("start %s: the fleet is stopped", t)
	}
	if p := f.procs[t]; p != nil {
		select {
		case <-p.done:
		default:
			return fmt.Errorf("start %s: already running as process %d (kill it first)", t, p.cmd.Process.Pid)
		}
	}
	return f.startLocked(t)
}

// startLocked starts t; f.mu is held.
func (f *Fleet) startLocked(t server.Target) error {
	log, err := os.OpenFile(f.LogFile(t), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := []string{"serve", "--target=" + string(t)}
	if f.o.Args != nil {
		args = append(args, f.o.Args(t)...)
	}
	cmd, err := devstack.Command(f.o.Nice[t], f.o.Bin, args...)
	if err != nil {
		_ = log.Close()
		return err
	}
	cmd.Env, cmd.Stdout, cmd.Stderr = f.o.Env, log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return fmt.Errorf("start %s: %w", t, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	f.procs[t] = p
	go func() {
		_ = cmd.Wait()
		_ = log.Close()
		close(p.done)
		if !f.countUnexpected(t, p) {
			return
		}
		time.Sleep(time.Second)
		f.mu.Lock()
		defer f.mu.Unlock()
		// Still the target's process, neither killed nor stopped meanwhile: a Kill then Start of
		// the caller, or StopAll, during the second would otherwise leave two processes, or one
		// nobody stops.
		if f.procs[t] == p && !p.killed && !f.stopping {
			_ = f.startLocked(t)
		}
	}()
	return nil
}

// countUnexpected counts the end of p as unexpected, and reports whether to restart it: with
// Restart, when it was neither killed nor stopped and is still t's process.
func (f *Fleet) countUnexpected(t server.Target, p *proc) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	restart := f.o.Restart && !p.killed && !f.stopping && f.procs[t] == p
	if restart {
		f.unexpected[t]++
	}
	return restart
}

// LogFile is the path of a target's log.
func (f *Fleet) LogFile(t server.Target) string { return filepath.Join(f.o.Logs, string(t)+".log") }

// Pid is the process id of a running target (0 when it was never started).
func (f *Fleet) Pid(t server.Target) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.procs[t]; p != nil {
		return p.cmd.Process.Pid
	}
	return 0
}

// Kill ends a target abruptly, as a crash would (SIGKILL), and waits until it is gone.
func (f *Fleet) Kill(t server.Target) {
	f.mu.Lock()
	p := f.procs[t]
	if p == nil {
		f.mu.Unlock()
		return
	}
	p.killed = true
	f.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// StopAll interrupts every target (a clean stop) and kills those still running after 15 s.
func (f *Fleet) StopAll() {
	f.mu.Lock()
	f.stopping = true
	procs := make([]*proc, 0, len(f.procs))
	for _, p := range f.procs {
		p.killed = true
		procs = append(procs, p)
	}
	f.mu.Unlock()
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

// UnexpectedExits counts, per target, the exits that were neither a kill nor a stop (with Restart).
func (f *Fleet) UnexpectedExits() map[server.Target]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[server.Target]int{}
	for t, n := range f.unexpected {
		out[t] = n
	}
	return out
}
