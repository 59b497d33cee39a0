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
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a component running as a child process.
type process struct {
	name    string
	cmd     *exec.Cmd
	logFile string
	// logStart is the log's size when this process started: the log is appended to across
	// attempts and restarts, and only what follows is this process's.
	logStart int64
	done     chan error
	// stopSignal asks the component for a clean, fast shutdown.
	stopSignal os.Signal
}

func startProcess(name string, cmd *exec.Cmd, stopSignal os.Signal, logFile string) (*process, error) {
	log, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	var logStart int64
	if info, err := log.Stat(); err == nil {
		logStart = info.Size()
	}
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
	p := &process{name: name, cmd: cmd, logFile: logFile, logStart: logStart, done: make(chan error, 1), stopSignal: stopSignal}
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

// HoldPort binds a loopback port without listening, until release: no server can bind it, and a
// connection to it is refused, as to a component that is down. Tests use it to take a port.
func HoldPort() (port int, release func(), err error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return 0, nil, err
	}
	var once sync.Once
	release = func() { once.Do(func() { _ = syscall.Close(fd) }) }
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		release()
		return 0, nil, err
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		release()
		return 0, nil, err
	}
	return sa.(*syscall.SockaddrInet4).Port, release, nil
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
			return p.exitedEarly("listening on " + addr)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), fmt.Errorf("%s not listening on %s", p.name, addr))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// exitedError is a component that ended at its start: its log's last lines say why.
type exitedError struct {
	name, before, log string
}

func (e *exitedError) Error() string {
	return fmt.Sprintf("%s exited before %s; the end of its log:\n%s", e.name, e.before, e.log)
}

// exitedEarly is the error of p ending before it did what is said (listening on its address,
// say), with the end of its log.
func (p *process) exitedEarly(before string) error {
	return &exitedError{name: p.name, before: before, log: p.logTail(2048)}
}

// portTaken reports whether err is a component that ended because a port it binds was taken.
func portTaken(err error) bool {
	var exited *exitedError
	return errors.As(err, &exited) && strings.Contains(strings.ToLower(exited.log), "address already in use")
}

// retryTakenPort runs start, and again (three times in all) while it fails because a port the
// component binds was taken: by a process that bound it for a moment, or that picked it free
// before the component bound it. (A port another server listens on for good is not freed by
// waiting: the last attempt's error says which port.)
func retryTakenPort(ctx context.Context, start func() error) error {
	const attempts = 3
	var err error
	for i := range attempts {
		if err = start(); !portTaken(err) || i == attempts-1 {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(500 * time.Millisecond):
		}
	}
	return err
}

// logTail is the end of what the process wrote to its log, at most n bytes.
func (p *process) logTail(n int64) string {
	f, err := os.Open(p.logFile)
	if err != nil {
		return err.Error()
	}
	defer func() { _ = f.Close() }()
	info, err := f.Stat()
	if err != nil {
		return err.Error()
	}
	from := max(p.logStart, info.Size()-n)
	buf := make([]byte, max(info.Size()-from, 0))
	if _, err := f.ReadAt(buf, from); err != nil {
		return err.Error()
	}
	return string(buf)
}

func itoa(n int) string { return strconv.Itoa(n) }

// stopWith sends sig and waits.
func (p *process) stopWith(sig os.Signal, timeout time.Duration) error {
	saved := p.stopSignal
	p.stopSignal = sig
	defer func() { p.stopSignal = saved }()
	return p.stop(timeout)
}
