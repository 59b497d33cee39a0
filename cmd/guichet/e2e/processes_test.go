package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/guichet/guichet/cmd/guichet/internal/fleet"
	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/config"
)

// processes runs each target of the platform as its own `guichet serve` process.
type processes struct {
	t *testing.T
	*fleet.Fleet
}

var buildOnce struct {
	sync.Once
	bin string
	err error
	out []byte
}

// startProcesses builds guichet once per test binary and starts one process per target; they are
// stopped when the test ends, and the tail of their logs is printed when it failed.
func startProcesses(t *testing.T, cfg config.Config) *processes {
	p := &processes{t: t, Fleet: fleet.New(fleet.Options{Bin: guichetBinary(t), Env: append(os.Environ(), cfg.Environ()...), Logs: t.TempDir()})}
	t.Cleanup(p.stopAll)
	if err := p.StartAll(); err != nil {
		t.Fatal(err)
	}
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

func (p *processes) stopAll() {
	p.StopAll()
	if p.t.Failed() {
		for _, target := range server.Order {
			data, _ := os.ReadFile(p.LogFile(target))
			if len(data) > 3000 {
				data = data[len(data)-3000:]
			}
			p.t.Logf("--- %s log (last 3000 bytes) ---\n%s", target, data)
		}
	}
}
