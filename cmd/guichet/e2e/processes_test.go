package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/config"
)

// processes runs each target of the platform as its own `guichet serve` process.
type processes struct {
	t    *testing.T
	bin  string
	env  []string
	logs string
	mu   sync.Mutex
	cmds map[server.Target]*exec.Cmd
	done map[server.Target]chan struct{}
}

var buildOnce struct {
	sync.Once
	bin string
	err error
	out []byte
}

// startProcesses builds guichet once per test binary and starts one process per target; they are
// stopped when the test ends.
func startProcesses(t *testing.T, cfg config.Config) *processes {
	p := &processes{t: t, bin: guichetBinary(t), logs: t.TempDir(), cmds: map[server.Target]*exec.Cmd{}, done: map[server.Target]chan struct{}{},
		env: append(os.Environ(), cfg.Environ()...)}
	for _, target := range server.Order {
		p.start(target)
	}
	t.Cleanup(p.stopAll)
	return p
}

// guichetBinary builds guichet once per test binary.
func guichetBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "guichet-e2e-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.bin = filepath.Join(dir, "guichet")
		buildOnce.out, buildOnce.err = exec.Command("go", "build", "-o", buildOnce.bin, "github.com/guichet/guichet/cmd/guichet").CombinedOutput()
	})
	if buildOnce.err != nil {
		t.Fatalf("build: %v\n%s", buildOnce.err, buildOnce.out)
	}
	return buildOnce.bin
}

// start starts (or restarts) one target.
func (p *processes) start(target server.Target) {
	p.mu.Lock()
	defer p.mu.Unlock()
	logFile, err := os.OpenFile(filepath.Join(p.logs, string(target)+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(p.bin, "serve", "--target="+string(target))
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = logFile.Close(); close(done) }()
	p.cmds[target], p.done[target] = cmd, done
}

// kill ends a target abruptly, as a crash would (SIGKILL), and waits for it to be gone.
func (p *processes) kill(target server.Target) {
	p.mu.Lock()
	cmd, done := p.cmds[target], p.done[target]
	p.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

func (p *processes) stopAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for target, cmd := range p.cmds {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done[target]:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done[target]
		}
	}
	if p.t.Failed() {
		for _, target := range server.Order {
			data, _ := os.ReadFile(filepath.Join(p.logs, string(target)+".log"))
			if len(data) > 3000 {
				data = data[len(data)-3000:]
			}
			p.t.Logf("--- %s log (last 3000 bytes) ---\n%s", target, data)
		}
	}
}
