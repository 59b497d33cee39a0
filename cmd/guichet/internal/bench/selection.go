package bench

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/guichet/guichet/platform/money"
	"github.com/guichet/guichet/services/review/domain"
)

// SelectionResult is stage 4 of issue 7, measured in process on the synthetic instances of
// services/review/domain (the ones its benchmarks use): the ranking and selection of n
// applications, and the assignment of three reviewers each from a jury of m.
type SelectionResult struct {
	Applications int `json:"applications"`
	Reviewers    int `json:"reviewers"`
	// Selection against a €10,000,000 envelope (a few dozen funded) and against half of
	// everything requested (a long reserve list): Finals then Select, as the service runs them.
	Selection     SelectionRun `json:"selection"`
	SelectionHalf SelectionRun `json:"selectionHalfEnvelope"`
	Assignment    AssignRun    `json:"assignment"`
}

// SelectionRun is one ranking.
type SelectionRun struct {
	EnvelopeCents int64   `json:"envelopeCents"`
	Seconds       float64 `json:"seconds"`
	PeakHeapMB    float64 `json:"peakHeapMb"`
	Selected      int     `json:"selected"`
	Reserve       int     `json:"reserve"`
	Rejected      int     `json:"rejected"`
}

// AssignRun is one assignment of the whole call (domain.AssignAll, default load cap).
type AssignRun struct {
	PerApplication int     `json:"perApplication"`
	LoadCap        int     `json:"loadCap"`
	Seconds        float64 `json:"seconds"`
	PeakHeapMB     float64 `json:"peakHeapMb"`
	// Short is the number of reviewers missing over all applications.
	Short   int `json:"short"`
	MinLoad int `json:"minLoad"`
	MaxLoad int `json:"maxLoad"`
	// ExpertShare is the share of assigned pairs where the reviewer declared at least one of the
	// application's keywords.
	ExpertShare float64 `json:"expertShare"`
}

// Selection measures the selection of n synthetic applications and their assignment to m
// reviewers.
func Selection(n, m int) (SelectionResult, error) {
	r := SelectionResult{Applications: n, Reviewers: m}
	for _, run := range []struct {
		envelope int64
		into     *SelectionRun
	}{{10_000_000_00, &r.Selection}, {0, &r.SelectionHalf}} {
		call, cands := domain.SyntheticCall(n, run.envelope, 7)
		var ranking domain.Ranking
		var err error
		run.into.Seconds, run.into.PeakHeapMB = measureInProcess(func() {
			var finals []domain.Final
			if finals, err = domain.Finals(call, cands); err == nil {
				ranking, err = domain.Select(call, finals)
			}
		})
		if err != nil {
			return r, fmt.Errorf("selection: %w", err)
		}
		run.into.EnvelopeCents = call.EnvelopeCents
		for _, e := range ranking.Entries {
			switch e.Decision {
			case domain.Selected:
				run.into.Selected++
			case domain.Reserve:
				run.into.Reserve++
			default:
				run.into.Rejected++
			}
		}
	}
	apps, reviewers, conflicts, expertise := domain.SyntheticJury(n, m, 1)
	a := AssignRun{PerApplication: domain.MinReviewersPerApplication,
		LoadCap: domain.DefaultLoadCap(n, domain.MinReviewersPerApplication, m)}
	var res domain.Result
	var err error
	a.Seconds, a.PeakHeapMB = measureInProcess(func() {
		res, err = domain.AssignAll(apps, reviewers, a.PerApplication, 0, conflicts, expertise, 1)
	})
	if err != nil {
		return r, fmt.Errorf("assignment: %w", err)
	}
	for _, s := range res.Short {
		a.Short += s
	}
	a.MinLoad = n * a.PerApplication
	for _, l := range res.Loads {
		a.MinLoad, a.MaxLoad = min(a.MinLoad, l), max(a.MaxLoad, l)
	}
	declared := map[string]map[string]bool{}
	for rv, ks := range expertise {
		declared[rv] = map[string]bool{}
		for _, k := range ks {
			declared[rv][k] = true
		}
	}
	pairs, expert := 0, 0
	for _, app := range apps {
		for _, rv := range res.Assigned[app.Name] {
			pairs++
			for _, k := range app.Keywords {
				if declared[rv][k] {
					expert++
					break
				}
			}
		}
	}
	if pairs > 0 {
		a.ExpertShare = float64(expert) / float64(pairs)
	}
	r.Assignment = a
	return r, nil
}

// measureInProcess runs f and returns its wall time and the peak of the live heap while it ran, sampled
// every 5 ms (without stopping the world).
func measureInProcess(f func()) (seconds, peakMB float64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	read := func() {
		metrics.Read(sample)
		peak = max(peak, sample[0].Value.Uint64())
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				read()
			}
		}
	})
	start := time.Now()
	f()
	seconds = time.Since(start).Seconds()
	close(stop)
	wg.Wait()
	read()
	return seconds, float64(peak) / 1e6
}

// rows writes the result into the report's table.
func (r *SelectionResult) rows(f func(format string, a ...any)) {
	for _, s := range []SelectionRun{r.Selection, r.SelectionHalf} {
		f("selection of %d applications, envelope %s\t%.3f s, peak heap %.0f MB (%d selected, %d reserve, %d rejected)\n",
			r.Applications, money.Euros(s.EnvelopeCents), s.Seconds, s.PeakHeapMB, s.Selected, s.Reserve, s.Rejected)
	}
	a := r.Assignment
	f("assignment of %d applications to %d reviewers\t%.1f s, peak heap %.0f MB (%d each, cap %d, loads %d–%d, %d short, %.1f%% of pairs share a keyword)\n",
		r.Applications, r.Reviewers, a.Seconds, a.PeakHeapMB, a.PerApplication, a.LoadCap, a.MinLoad, a.MaxLoad, a.Short, 100*a.ExpertShare)
}
