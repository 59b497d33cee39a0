package devstack

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Redis is a Redis server without persistence: losing it loses no record (ARCHITECTURE.md).
type Redis struct {
	Port int
	URL  string
	proc *process
	dir  string
}

// StartRedis starts redis-server on port, logging into dir.
func StartRedis(ctx context.Context, dir string, port int) (*Redis, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("Redis is not installed: apt-get install redis-server")
	}
	r := &Redis{Port: port, URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), dir: dir}
	if err := r.start(ctx, bin); err != nil {
		return nil, err
	}
	return r, nil
}

// start runs the server on r's port and directory and waits for it to listen, again if its port
// was taken (retryTakenPort).
func (r *Redis) start(ctx context.Context, bin string) error {
	return retryTakenPort(ctx, func() error { return r.startOnce(ctx, bin) })
}

func (r *Redis) startOnce(ctx context.Context, bin string) error {
	cmd := exec.Command(bin, "--port", itoa(r.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", r.dir)
	proc, err := startProcess("redis", cmd, syscall.SIGTERM, filepath.Join(r.dir, "redis.log"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := waitTCP(ctx, proc, fmt.Sprintf("127.0.0.1:%d", r.Port)); err != nil {
		_ = proc.stop(5 * time.Second)
		return err
	}
	r.proc = proc
	return nil
}

// Stop shuts the server down.
func (r *Redis) Stop() error { return r.proc.stop(10 * time.Second) }
