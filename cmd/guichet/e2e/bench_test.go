package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/bench"
	"github.com/guichet/guichet/platform/testenv"
)

// TestBenchmarkRunsAtSmallSize keeps `guichet bench` runnable as the README gives it: the command
// starts every target as its own process, makes a small rush, a second rush while its own Temporal
// dev server is stopped, drains that backlog once Temporal is back, measures the ceilings (healthz,
// a plain Go handler, pgbench, raw Temporal starts), takes three applications through their whole
// lifecycle on a durable stack of its own, and writes its JSON; every application must be submitted,
// every workflow started and every invariant of the lifecycle hold.
func TestBenchmarkRunsAtSmallSize(t *testing.T) {
	if testing.Short() {
		t.Skip("starts every target and a Temporal dev server of its own")
	}
	env := testenv.Get(t)
	out := filepath.Join(t.TempDir(), "bench.json")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, guichetBinary(t), "bench", "--applicants", "24", "--concurrency", "4", "--backlog", "24",
		"--healthz", "300", "--starts", "20", "--pgbench-seconds", "2", "--lifecycle", "3", "--out", out,
		// The suite's other packages share the machine: a niced Temporal would wait for them.
		"--nice", "0")
	cmd.Env = append(os.Environ(), "GUICHET_TEST_POSTGRES_URL="+env.PostgresURL, "GUICHET_TEST_REDIS_URL="+env.RedisURL,
		"GUICHET_TEST_TEMPORAL_ADDRESS="+env.TemporalAddress, "GUICHET_TEST_SMTP_ADDR="+env.SMTPAddr)
	printed, err := cmd.CombinedOutput()
	t.Logf("\n%s", printed)
	if err != nil {
		t.Fatalf("guichet bench: %v", err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r bench.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	// The bench waited for the intake: when it stopped waiting, every application of the call was
	// past it (24 after the rush, 48 after the backlog's, in the same call).
	if r.Rush.Errors != 0 || r.Rush.Submitted != 24 || r.Drain.Workflows != 24 || r.Drain.PastIntake != 24 {
		t.Errorf("rush: %+v, drain %+v", r.Rush, r.Drain)
	}
	if b := r.Backlog; b == nil || b.Rush.Errors != 0 || b.Rush.Submitted != 24 || b.Drain.Workflows != 24 || b.Drain.PastIntake != 48 {
		t.Errorf("backlog: %+v", b)
	}
	if r.Healthz.Errors != 0 || r.PlainHandler.Errors != 0 || r.PlainHandler.PerSecond <= 0 || r.TemporalStarts.Errors != 0 {
		t.Errorf("baselines: healthz %+v, plain handler %+v, Temporal %+v", r.Healthz, r.PlainHandler, r.TemporalStarts)
	}
	if r.PGBench.Transactions <= 0 || r.Ratios.RushOverPGBench <= 0 || r.Ratios.RushOverPlainHandler <= 0 {
		t.Errorf("pgbench %+v, ratios %+v", r.PGBench, r.Ratios)
	}
	if l := r.Lifecycle; l == nil || l.Applications != 3 || !l.Held() || len(l.Phases) != 9 {
		t.Errorf("lifecycle: %+v", l)
	}
	if r.PlatformAtRestMB <= 0 || r.PlatformAtRestPSSMB <= 0 || r.PlatformAtRestPSSMB > r.PlatformAtRestMB {
		t.Errorf("memory at rest: %.1f MB RSS, %.1f MB PSS", r.PlatformAtRestMB, r.PlatformAtRestPSSMB)
	}
}
