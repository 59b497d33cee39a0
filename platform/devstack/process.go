// Package devstack starts the real components of guichet on one machine for development and
// tests: a throwaway PostgreSQL cluster, a Redis server, the Temporal dev server and mailpit (the
// SMTP server whose API shows the messages sent), each on a free or chosen loopback port, each a
// child process that dies with its parent.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// process is a component running as a child process.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan error
	// stopSignal asks the component for a clean, fast shutdown.
	stopSignal os.Signal
}

func startProcess(name string, cmd *exec.Cmd, stopSignal os.Signal, logFile string) (*process, error) {
	log, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// The component dies with the process that started it, whatever happened to that process.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan error, 1), stopSignal: stopSignal}
	go func() {
		p.done <- cmd.Wait()
		_ = log.Close()
	}()
	return p, nil
}

// stop asks the process to stop, then kills it after timeout.
func (p *process) stop(timeout time.Duration) error {
	if p == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(p.stopSignal)
	select {
	case err := <-p.done:
		p.done <- err
		return nil
	case <-time.After(timeout):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		err := <-p.done
		p.done <- err
		return fmt.Errorf("%s did not stop within %s: killed", p.name, timeout)
	}
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	default:
		return false
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitTCP waits until addr accepts connections, the process ends, or ctx is done.
func waitTCP(ctx context.Context, p *process, addr string) error {
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return nil
		}
		if p.exited() {
			return fmt.Errorf("%s exited before listening on %s (see its log)", p.name, addr)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), fmt.Errorf("%s not listening on %s", p.name, addr))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// stopWith sends sig and waits.
func (p *process) stopWith(sig os.Signal, timeout time.Duration) error {
	saved := p.stopSignal
	p.stopSignal = sig
	defer func() { p.stopSignal = saved }()
	return p.stop(timeout)
}
