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

// Start starts (or starts again) one target. The process is killed if this one dies.
func (f *Fleet) Start(t server.Target) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	log, err := os.OpenFile(f.LogFile(t), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := []string{"serve", "--target=" + string(t)}
	if f.o.Args != nil {
		args = append(args, f.o.Args(t)...)
	}
	cmd := exec.Command(f.o.Bin, args...)
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
		f.mu.Lock()
		restart := f.o.Restart && !p.killed && !f.stopping && f.procs[t] == p
		if restart {
			f.unexpected[t]++
		}
		f.mu.Unlock()
		if restart {
			time.Sleep(time.Second)
			_ = f.Start(t)
		}
	}()
	return nil
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
