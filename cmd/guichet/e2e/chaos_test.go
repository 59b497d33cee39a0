package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/chaos"
	"github.com/guichet/guichet/platform/devstack"
)

// TestChaosRunAtSmallSize keeps `make chaos` runnable and its claim true at a small size: 20
// applications through their whole lifecycle, every target its own process, while the worker and
// the payments service are SIGKILLed twice each, Temporal and PostgreSQL restarted and Redis
// stopped for a while; then every invariant must hold. GUICHET_CHAOS_SEED replays a run's faults.
func TestChaosRunAtSmallSize(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own components and inflicted them")
	}
	dir, err := devstack.TempDir("guichet-chaos-test-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "guichet")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/guichet/guichet/cmd/guichet").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("GUICHET_CHAOS_SEED"); s != "" {
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	res, err := chaos.Run(ctx, chaos.Options{Bin: bin, Dir: dir, Applications: 20, Concurrency: 8, BatchSize: 8, Kills: 2,
		Seed: seed, MinGap: time.Second, MaxGap: 3 * time.Second, Wait: 2 * time.Minute, Out: &out})
	if res != nil {
		res.Table(&out)
	}
	t.Logf("seed %d (GUICHET_CHAOS_SEED=%d replays it)\n%s", seed, seed, out.String())
	if err != nil {
		t.Fatalf("chaos run: %v (logs in %s)", err, dir)
	}
	if res.Failed() {
		t.Fatalf("chaos run failed (logs in %s)", dir)
	}
	inflicted := 0
	for _, e := range res.Events {
		if e.Err == nil {
			inflicted++
		}
	}
	if inflicted != 7 || len(res.Checks) != 7 {
		t.Fatalf("%d faults inflicted and %d invariants checked, want 7 and 7", inflicted, len(res.Checks))
	}
	_ = os.RemoveAll(dir)
}
