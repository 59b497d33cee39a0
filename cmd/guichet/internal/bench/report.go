package bench

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"
)

// Report is one benchmark run.
type Report struct {
	Time           time.Time  `json:"time"`
	CPUs           int        `json:"cpus"`
	Rush           RushResult `json:"rush"`
	Healthz        Throughput `json:"healthzThroughGateway"`
	TemporalStarts Throughput `json:"temporalStarts"`
	Drain          Drain      `json:"outboxDrain"`
	// Backlog is the rush made while Temporal was stopped, and the drain once it was back.
	Backlog *BacklogResult `json:"backlog,omitempty"`
	// PlainHandler and PGBench are the two ceilings of the submission path on this machine.
	// Lifecycle is stage 3, when asked for (--lifecycle N).
	Lifecycle    *Lifecycle    `json:"lifecycle,omitempty"`
	PlainHandler Throughput    `json:"plainGoHandler"`
	PGBench      PGBenchResult `json:"pgbench"`
	Ratios       Ratios        `json:"ratios"`
	// AtRest are the platform's processes before the load; After, once it is over.
	AtRest []Usage `json:"processesAtRest"`
	After  []Usage `json:"processesAfter"`
	// PlatformAtRestMB is the resident memory of guichet's own processes before the load.
	PlatformAtRestMB float64 `json:"platformAtRestMb"`
	// PlatformAtRestPSSMB counts the pages the processes share (the binary's code) once.
	PlatformAtRestPSSMB float64 `json:"platformAtRestPssMb"`

	// Selection is stage 4, when asked for (--selection N --reviewers M).
	Selection *SelectionResult `json:"selection,omitempty"`
}

// Ratios compare the rush with the ceilings measured in the same run.
type Ratios struct {
	RushOverHealthz        float64 `json:"rushOverHealthz"`
	RushOverTemporalStarts float64 `json:"rushOverTemporalStarts"`
	DrainOverStarts        float64 `json:"drainOverTemporalStarts"`
	// BacklogDrainOverStarts is the target's measure: the backlog drained with Temporal back.
	BacklogDrainOverStarts float64 `json:"backlogDrainOverTemporalStarts"`
	RushOverPlainHandler   float64 `json:"rushOverPlainGoHandler"`
	// RushOverPGBench compares applications per second with two-insert transactions per second
	// (an application is two transactions: create, then submit).
	RushOverPGBench float64 `json:"rushOverPgbench"`
}

// Usage aggregates the processes of one name (PostgreSQL runs one process per connection).
type Usage struct {
	Name       string  `json:"name"`
	Processes  int     `json:"processes"`
	CPUSeconds float64 `json:"cpuSeconds"`
	RSSMB      float64 `json:"rssMb"`
	PSSMB      float64 `json:"pssMb"`
	PeakRSSMB  float64 `json:"peakRssMb"`
	// Nice is the highest niceness of the processes.
	Nice int `json:"nice"`
}

// Patterns name the processes of a platform on one machine by their command lines.
var Patterns = map[string]string{
	"guichet-all":          "serve --target=all",
	"guichet-applications": "serve --target=applications",
	"guichet-review":       "serve --target=review",
	"guichet-payments":     "serve --target=payments",
	"guichet-worker":       "serve --target=worker",
	"guichet-gateway":      "serve --target=gateway",
	"guichet-web":          "serve --target=web",
	"guichet-dev":          "guichet dev",
	"postgres":             "postgres",
	"redis":                "redis-server",
	"temporal":             "server start-dev",
	"mailpit":              "mailpit",
}

// Aggregate sums processes by name.
func Aggregate(ps []Process) []Usage {
	by := map[string]*Usage{}
	for _, p := range ps {
		u := by[p.Name]
		if u == nil {
			u = &Usage{Name: p.Name, Nice: p.Nice}
			by[p.Name] = u
		}
		u.Nice = max(u.Nice, p.Nice)
		u.Processes++
		u.CPUSeconds += p.CPUSeconds
		u.RSSMB += p.RSSMB
		u.PSSMB += p.PSSMB
		u.PeakRSSMB += p.PeakRSSMB
	}
	var out []Usage
	for _, u := range by {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b Usage) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// Finish computes the ratios and the platform's memory at rest.
func (r *Report) Finish() {
	r.CPUs = runtime.NumCPU()
	if r.Healthz.PerSecond > 0 {
		r.Ratios.RushOverHealthz = r.Rush.PerSecond / r.Healthz.PerSecond
	}
	if r.TemporalStarts.PerSecond > 0 {
		r.Ratios.RushOverTemporalStarts = r.Rush.PerSecond / r.TemporalStarts.PerSecond
		r.Ratios.DrainOverStarts = r.Drain.PerSecond / r.TemporalStarts.PerSecond
		if r.Backlog != nil {
			r.Ratios.BacklogDrainOverStarts = r.Backlog.Drain.PerSecond / r.TemporalStarts.PerSecond
		}
	}
	if r.PlainHandler.PerSecond > 0 {
		r.Ratios.RushOverPlainHandler = r.Rush.PerSecond / r.PlainHandler.PerSecond
	}
	if r.PGBench.PerSecond > 0 {
		r.Ratios.RushOverPGBench = r.Rush.PerSecond / r.PGBench.PerSecond
	}
	r.PlatformAtRestMB, r.PlatformAtRestPSSMB = 0, 0
	for _, u := range r.AtRest {
		if len(u.Name) > 8 && u.Name[:8] == "guichet-" {
			r.PlatformAtRestMB += u.RSSMB
			r.PlatformAtRestPSSMB += u.PSSMB
		}
	}
}

// Table writes the report for people.
func (r *Report) Table(w io.Writer) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	f := func(format string, a ...any) { _, _ = fmt.Fprintf(tw, format, a...) }
	f("measure\tvalue\n")
	f("deadline rush\t%d applications, %d concurrent, %d errors\n", r.Rush.Applications, r.Rush.Concurrency, r.Rush.Errors)
	f("  created and submitted per second\t%.1f\n", r.Rush.PerSecond)
	f("  create latency p50 / p95 / p99\t%.1f / %.1f / %.1f ms\n", r.Rush.Create.P50, r.Rush.Create.P95, r.Rush.Create.P99)
	f("  submit latency p50 / p95 / p99\t%.1f / %.1f / %.1f ms\n", r.Rush.Submit.P50, r.Rush.Submit.P95, r.Rush.Submit.P99)
	f("  load generator CPU during the rush\t%.1f s for %.1f s\n", r.Rush.GeneratorCPUSeconds, r.Rush.Seconds)
	f("GET /healthz through the gateway\t%.0f req/s (p99 %.1f ms)\n", r.Healthz.PerSecond, r.Healthz.Latency.P99)
	f("raw Temporal workflow starts\t%.1f starts/s (p99 %.1f ms)\n", r.TemporalStarts.PerSecond, r.TemporalStarts.Latency.P99)
	f("outbox drained into workflows\t%.1f starts/s, last %.1f s after the rush, every intake done %.1f s after it\n",
		r.Drain.PerSecond, r.Drain.LagSeconds, r.Drain.IntakeSeconds)
	if b := r.Backlog; b != nil {
		f("rush with Temporal stopped\t%.1f applications/s, %d errors, submit p99 %.1f ms (load generator %.1f CPU s for %.1f s)\n",
			b.Rush.PerSecond, b.Rush.Errors, b.Rush.Submit.P99, b.Rush.GeneratorCPUSeconds, b.Rush.Seconds)
		f("  backlog drained once Temporal was back\t%d workflows, %.1f starts/s, last %.1f s after the restart, every intake done %.1f s after it\n",
			b.Drain.Workflows, b.Drain.PerSecond, b.Drain.LagSeconds, b.Drain.IntakeSeconds)
	}
	f("plain Go HTTP handler\t%.0f req/s (p99 %.1f ms)\n", r.PlainHandler.PerSecond, r.PlainHandler.Latency.P99)
	f("pgbench, two inserts per transaction\t%.0f tx/s (%d clients, fsync %s)\n", r.PGBench.PerSecond, r.PGBench.Clients, r.PGBench.Fsync)
	f("rush / healthz\t%.4f\n", r.Ratios.RushOverHealthz)
	f("rush / plain Go handler\t%.4f\n", r.Ratios.RushOverPlainHandler)
	f("rush / pgbench transactions\t%.3f\n", r.Ratios.RushOverPGBench)
	f("rush / Temporal starts\t%.2f\n", r.Ratios.RushOverTemporalStarts)
	f("drain / Temporal starts\t%.2f\n", r.Ratios.DrainOverStarts)
	f("backlog drain / Temporal starts\t%.2f\n", r.Ratios.BacklogDrainOverStarts)
	f("platform memory at rest (guichet processes)\t%.1f MB RSS, %.1f MB PSS\n", r.PlatformAtRestMB, r.PlatformAtRestPSSMB)
	if l := r.Lifecycle; l != nil {
		f("whole lifecycle (own durable stack)\t%d applications in %.1f s, invariants held: %t\n", l.Applications, l.Seconds, l.Held())
		for _, ph := range l.Phases {
			f("  %s\t%.1f s\n", ph.Name, ph.Seconds)
		}
	}
	if s := r.Selection; s != nil {
		s.rows(f)
	}
	f("\nprocess\tCPU s during the run\tpeak RSS MB\tniceness\n")
	rest := map[string]Usage{}
	for _, u := range r.AtRest {
		rest[u.Name] = u
	}
	for _, u := range r.After {
		f("%s (%d)\t%.1f\t%.1f\t%d\n", u.Name, u.Processes, u.CPUSeconds-rest[u.Name].CPUSeconds, u.PeakRSSMB, u.Nice)
	}
	_ = tw.Flush()
}
