package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/bench"
	"github.com/guichet/guichet/platform/testenv"
)

// TestBenchmarkRunsAtSmallSize keeps `guichet bench` runnable: a small rush against an all-in-one
// platform, every application submitted, every workflow started, the figures printed.
func TestBenchmarkRunsAtSmallSize(t *testing.T) {
	env := testenv.Get(t)
	a := startAllInOne(t, env)
	ctx := context.Background()
	p := bench.Platform{URL: a.base, Issuer: a.issuer, HTTP: bench.NewHTTPClient(4)}
	var r bench.Report
	call, err := p.CreateCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rush, err = p.Rush(ctx, call, 20, 4); err != nil {
		t.Fatal(err)
	}
	if r.Rush.Errors != 0 || r.Rush.Submitted != 20 || r.Rush.Submit.Count != 20 {
		t.Fatalf("rush: %+v", r.Rush)
	}
	tc := temporalClient(t, env.TemporalAddress)
	if r.Drain, err = bench.WaitForWorkflows(ctx, tc, r.Rush.Names, time.Now(), time.Minute); err != nil || r.Drain.Workflows != 20 {
		t.Fatalf("drain: %+v %v", r.Drain, err)
	}
	r.Healthz = p.Healthz(ctx, 200, 4)
	r.TemporalStarts = bench.TemporalStarts(ctx, tc, 20, 4)
	if r.Healthz.Errors != 0 || r.TemporalStarts.Errors != 0 {
		t.Fatalf("baselines: %+v %+v", r.Healthz, r.TemporalStarts)
	}
	r.Finish()
	var out bytes.Buffer
	r.Table(&out)
	if !strings.Contains(out.String(), "created and submitted per second") || r.Ratios.RushOverHealthz <= 0 {
		t.Fatalf("report:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}
