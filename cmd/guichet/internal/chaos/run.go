// Package chaos runs the whole lifecycle of many applications through the REST gateway while
// the components under it are killed and restarted, then checks the invariants that must survive
// any crash: every application in a final state, no tranche paid twice, paid ≤ committed ≤
// envelope, a balanced ledger and valid audit chains (docs/reliability.md).
package chaos

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	temporal "go.temporal.io/sdk/client"

	"github.com/guichet/guichet/cmd/guichet/internal/bench"
	"github.com/guichet/guichet/cmd/guichet/internal/fleet"
	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/config"
	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/ids"
)

// Options size a chaos run.
type Options struct {
	// Bin is the guichet binary each target runs from.
	Bin string
	// Dir holds the components' data and every log; it is kept after the run.
	Dir          string
	Applications int
	Concurrency  int
	// BatchSize is the most tranches in one payment batch.
	BatchSize int
	// Kills is how many times the worker, and the payments service, are killed.
	Kills int
	Seed  uint64
	// MinGap and MaxGap bound the random wait before each fault.
	MinGap, MaxGap time.Duration
	// Wait bounds each wait for the platform to move an application on.
	Wait time.Duration
	Out  io.Writer
	// NoFaults drives the same lifecycle and checks the same invariants without inflicting
	// anything: the lifecycle benchmark of `guichet bench --lifecycle`.
	NoFaults bool
}

// Result is what a run did and found.
type Result struct {
	Seed         uint64
	Applications int
	Batches      int
	Phases       []phase
	Events       []event
	Retries      map[string]int
	Unexpected   map[server.Target]int
	Checks       []check
	Seconds      float64
	DriveErr     error
}

// Failed reports whether the run failed: the lifecycle did not complete, a fault could not be
// inflicted or repaired, a target died by itself, or an invariant does not hold.
func (r *Result) Failed() bool {
	if r.DriveErr != nil || len(r.Unexpected) > 0 {
		return true
	}
	for _, e := range r.Events {
		if e.Err != nil {
			return true
		}
	}
	for _, c := range r.Checks {
		if !c.OK {
			return true
		}
	}
	return len(r.Checks) == 0
}

// Run starts its own components and targets, drives the lifecycle while the chaos runs, waits for
// the chaos to finish, checks the invariants and stops everything.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Seed == 0 {
		o.Seed = uint64(time.Now().UnixNano())
	}
	res := &Result{Seed: o.Seed, Applications: o.Applications}
	_, _ = fmt.Fprintf(o.Out, "chaos run: %d applications, seed %d, data and logs in %s\n", o.Applications, o.Seed, o.Dir)
	temporalBin, err := devstack.TemporalBinary()
	if err != nil {
		return nil, err
	}
	// Durable: PostgreSQL with fsync, Temporal on a database file it restarts on.
	stack, err := devstack.Start(ctx, devstack.Options{Dir: o.Dir, TemporalBin: temporalBin, Durable: true})
	if err != nil {
		return nil, err
	}
	defer func() { _ = stack.Stop() }()

	cfg := config.FromEnv()
	port := func() string {
		p, err := devstack.FreePort()
		if err != nil {
			panic(err)
		}
		return fmt.Sprintf("127.0.0.1:%d", p)
	}
	gateway := port()
	issuerURL := "http://" + gateway + "/dev-issuer"
	keyFile := filepath.Join(o.Dir, "dev-issuer-key.json")
	issuer, err := auth.LoadDevIssuer(issuerURL, cfg.OIDCAudience, keyFile)
	if err != nil {
		return nil, err
	}
	env := os.Environ()
	for k, v := range stack.Env() {
		env = append(env, k+"="+v)
	}
	env = append(env, "GUICHET_TEMPORAL_TASK_QUEUE=chaos-"+ids.New(),
		"GUICHET_GATEWAY_ADDR="+gateway, "GUICHET_WEB_ADDR="+port(),
		"GUICHET_APPLICATIONS_ADDR="+port(), "GUICHET_REVIEW_ADDR="+port(), "GUICHET_PAYMENTS_ADDR="+port(),
		"GUICHET_OIDC_ISSUER="+issuerURL, "GUICHET_DEV_ISSUER=true", "GUICHET_DEV_ISSUER_KEY="+keyFile,
		"GUICHET_DATA_DIR="+o.Dir, "GUICHET_RATE_LIMIT_PER_MINUTE=1000000", "GUICHET_REGISTRY_URL=off")
	ts := fleet.New(fleet.Options{Bin: o.Bin, Env: env, Logs: o.Dir, Restart: true})
	if err := ts.StartAll(); err != nil {
		ts.StopAll()
		return nil, err
	}
	defer ts.StopAll()

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 2*o.Concurrency, 2*o.Concurrency
	c := &client{base: "http://" + gateway, http: &http.Client{Transport: tr}, issuer: issuer, retries: map[string]int{}, tokens: map[string]string{}}
	if err := eventually(ctx, 90*time.Second, "the gateway to be ready", func() (bool, error) {
		r, err := c.once(ctx, http.MethodGet, "/readyz", "", nil, "")
		return err == nil && r.Status == http.StatusOK, nil
	}); err != nil {
		return nil, err
	}

	start := time.Now()
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	plan := newPlan(rng, o.Kills)
	if o.NoFaults {
		plan = nil
	}
	ch := &chaos{rng: rng, plan: plan, minGap: o.MinGap, maxGap: o.MaxGap, stack: stack, targets: ts, start: start, out: o.Out}
	_, _ = fmt.Fprintf(o.Out, "chaos plan: %s\n", planText(ch.plan))
	chaosDone := make(chan struct{})
	chaosCtx, stopChaos := context.WithCancel(ctx)
	defer stopChaos()
	go func() { ch.run(chaosCtx); close(chaosDone) }()

	d := &driver{c: c, n: o.Applications, concurrency: o.Concurrency, batchSize: o.BatchSize, wait: o.Wait, out: o.Out, start: start}
	res.DriveErr = d.run(ctx)
	// The whole plan is inflicted even when the lifecycle ends first: the checks then see the
	// platform after every fault.
	if res.DriveErr != nil {
		stopChaos()
	}
	<-chaosDone
	res.Phases, res.Batches, res.Events = d.phases, d.batches, ch.done()
	res.Seconds = time.Since(start).Seconds()

	if res.DriveErr == nil {
		tc, err := temporal.Dial(temporal.Options{HostPort: stack.Temporal.Address, Namespace: cfg.TemporalNamespace})
		if err != nil {
			return res, err
		}
		res.Checks = append(res.Checks, checkFinalStates(ctx, tc, d.apps, o.Wait))
		tc.Close()
	}
	if d.call != "" {
		pay, err := checkPayments(ctx, stack.Postgres.URL, d.call, o.Applications)
		if err != nil {
			return res, err
		}
		res.Checks = append(res.Checks, pay...)
	}
	aud, err := checkAudit(ctx, stack.Postgres.URL)
	if err != nil {
		return res, err
	}
	res.Checks = append(res.Checks, aud...)
	res.Unexpected = ts.UnexpectedExits()
	c.mu.Lock()
	res.Retries = c.retries
	c.mu.Unlock()
	return res, nil
}

func planText(plan []fault) string {
	s := make([]string, len(plan))
	for i, f := range plan {
		s[i] = string(f)
	}
	return strings.Join(s, " → ")
}

// Table prints the summary of the run.
func (r *Result) Table(w io.Writer) {
	p := func(format string, a ...any) { _, _ = fmt.Fprintf(w, format, a...) }
	p("\n== chaos run, seed %d: %.1f s ==\n", r.Seed, r.Seconds)
	p("%-52s %d\n", "applications", r.Applications)
	p("%-52s %d\n", "payment batches confirmed", r.Batches)
	counts := map[fault]int{}
	var down time.Duration
	for _, e := range r.Events {
		counts[e.Fault]++
		if e.Fault == stopRedis {
			down += e.Down
		}
	}
	for _, f := range []fault{killWorker, killPayments, restartTemporal, restartPostgres} {
		p("%-52s %d\n", f, counts[f])
	}
	p("%-52s %d (%.1f s without Redis)\n", stopRedis, counts[stopRedis], down.Seconds())
	var exits []string
	for t, n := range r.Unexpected {
		exits = append(exits, fmt.Sprintf("%s %d", t, n))
	}
	sort.Strings(exits)
	p("%-52s %d %s\n", "targets that exited by themselves (restarted)", len(exits), strings.Join(exits, ", "))
	var retries []string
	for k, n := range r.Retries {
		retries = append(retries, fmt.Sprintf("%s ×%d", k, n))
	}
	sort.Strings(retries)
	p("%-52s %s\n", "requests retried (cause ×count)", strings.Join(retries, ", "))
	p("-- phases --\n")
	for _, ph := range r.Phases {
		p("%-52s %7.1f s\n", ph.Name, ph.Seconds)
	}
	p("-- faults --\n")
	for _, e := range r.Events {
		p("%7.1f s  %-40s down %5.1f s %s\n", e.At.Seconds(), e.Fault, e.Down.Seconds(), errText(e.Err))
	}
	p("-- invariants --\n")
	if r.DriveErr != nil {
		p("FAIL  lifecycle: %v\n", r.DriveErr)
	}
	for _, c := range r.Checks {
		status := "ok  "
		if !c.OK {
			status = "FAIL"
		}
		p("%s  %-50s %s\n", status, c.Name, c.Detail)
	}
	if r.Failed() {
		p("RESULT: FAILED\n")
	} else {
		p("RESULT: every invariant holds\n")
	}
}

// Lifecycle is the run seen as the lifecycle benchmark (stage 3 of `guichet bench`).
func (r *Result) Lifecycle() bench.Lifecycle {
	l := bench.Lifecycle{Applications: r.Applications, Seconds: r.Seconds}
	for _, ph := range r.Phases {
		l.Phases = append(l.Phases, bench.Phase{Name: ph.Name, Seconds: ph.Seconds})
	}
	if r.DriveErr != nil {
		l.Invariants = append(l.Invariants, bench.Invariant{Name: "lifecycle", Detail: r.DriveErr.Error()})
	}
	for _, c := range r.Checks {
		l.Invariants = append(l.Invariants, bench.Invariant{Name: c.Name, OK: c.OK, Detail: c.Detail})
	}
	return l
}
