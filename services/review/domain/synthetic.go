package domain

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Synthetic calls, drawn from a seed: what the benchmarks of the selection and of the assignment
// at scale run on (BenchmarkSelect100k, BenchmarkAssignAll100kx1000 and `guichet bench
// --selection`), shared so that the figures of both come from the same instances.

// SyntheticCall draws a call of n applications with three reviews each on a three-criterion grid:
// scores in half steps around a per-application quality (some below the thresholds, many equal
// totals so the tie-breaks work), requests of €100,000 to €1,000,000, submissions in the same
// second now and then, and about one application in twenty whose reviews diverge and that
// carries the chair's consensus. envelopeCents 0 means half of everything requested.
func SyntheticCall(n int, envelopeCents int64, seed uint64) (Call, []Candidate) {
	rnd := rand.New(rand.NewPCG(seed, uint64(n)))
	call := Call{
		Criteria: []Criterion{
			{ID: "impact", Weight: 3, Threshold: 2},
			{ID: "feasibility", Weight: 2, Threshold: 2},
			{ID: "data", Weight: 1, Threshold: 1.5},
		},
		OverallThreshold: 12,
		TieBreak:         []string{"feasibility"},
	}
	halfStep := func(x int) float64 { return float64(min(max(x, 0), 2*MaxScore)) / 2 }
	opening := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var total int64
	cands := make([]Candidate, n)
	for i := range cands {
		c := Candidate{
			Application:    fmt.Sprintf("calls/synthetic/applications/a%06d", i),
			Title:          fmt.Sprintf("Synthetic project %d", i),
			RequestedCents: (100_000 + int64(rnd.IntN(901))*1000) * 100,
			// Thirty days of submissions to the second: about a thousand collide.
			SubmitTime: opening.Add(time.Duration(rnd.IntN(30*24*3600)) * time.Second),
		}
		quality := 2 + rnd.IntN(8) // half points: 1 to 4.5
		base := make([]int, len(call.Criteria))
		for j := range base {
			base[j] = quality + rnd.IntN(3) - 1
		}
		for range 3 {
			review := make([]Score, len(call.Criteria))
			for j, crit := range call.Criteria {
				review[j] = Score{Criterion: crit.ID, Score: halfStep(base[j] + rnd.IntN(3) - 1)}
			}
			c.Reviews = append(c.Reviews, review)
		}
		if rnd.IntN(20) == 0 {
			// A reviewer who saw it very differently.
			c.Reviews[0][0].Score = halfStep(base[0] + 5)
		}
		if d, err := Diverge(call.Criteria, c.Reviews); err == nil && d.Flagged {
			c.Consensus = make([]Score, len(call.Criteria))
			for j, crit := range call.Criteria {
				c.Consensus[j] = Score{Criterion: crit.ID, Score: halfStep(base[j])}
			}
		}
		total += c.RequestedCents
		cands[i] = c
	}
	call.EnvelopeCents = envelopeCents
	if envelopeCents <= 0 {
		call.EnvelopeCents = max(total/2, 1)
	}
	return call, cands
}

// SyntheticJury draws an assignment instance of n applications and m reviewers: a pool of 30
// topics, two keywords per application and three declared per reviewer, and declared conflicts on
// about one application in ten (one to three reviewers each), a plausible rate for conflicts that
// are declared per application rather than for every pair.
func SyntheticJury(n, m int, seed uint64) (apps []Application, reviewers []string, conflicts []Pair, expertise map[string][]string) {
	rnd := rand.New(rand.NewPCG(seed, uint64(n)<<20|uint64(m)))
	pool := make([]string, 30)
	for i := range pool {
		pool[i] = fmt.Sprintf("topic%02d", i+1)
	}
	reviewers = make([]string, m)
	expertise = make(map[string][]string, m)
	for j := range reviewers {
		reviewers[j] = fmt.Sprintf("reviewer-%04d", j+1)
		expertise[reviewers[j]] = []string{pool[rnd.IntN(30)], pool[rnd.IntN(30)], pool[rnd.IntN(30)]}
	}
	apps = make([]Application, n)
	for i := range apps {
		apps[i] = Application{Name: fmt.Sprintf("calls/synthetic/applications/a%06d", i+1),
			Keywords: []string{pool[rnd.IntN(30)], pool[rnd.IntN(30)]}}
		if rnd.IntN(10) == 0 {
			for range 1 + rnd.IntN(3) {
				conflicts = append(conflicts, Pair{apps[i].Name, reviewers[rnd.IntN(m)]})
			}
		}
	}
	return apps, reviewers, conflicts, expertise
}
