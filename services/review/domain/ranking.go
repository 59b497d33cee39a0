package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Decisions of a ranking.
const (
	Selected = "SELECTED"
	Reserve  = "RESERVE"
	Rejected = "REJECTED"
)

// Call is what a ranking needs of a call: its grid and its envelope.
type Call struct {
	Criteria         []Criterion
	OverallThreshold float64
	EnvelopeCents    int64
}

// Candidate is an application to rank, with every review it received.
type Candidate struct {
	Application    string
	Title          string
	RequestedCents int64
	SubmitTime     time.Time
	// Reviews holds one slice of scores per reviewer, each covering the call's grid.
	Reviews [][]Score
	// Consensus holds the chair's scores when the reviews diverged: they replace the means.
	Consensus []Score
}

// Entry is one application's line in a ranking.
type Entry struct {
	Rank        int    `json:"rank"`
	Application string `json:"application"`
	Title       string `json:"title"`
	// Means are the mean scores per criterion, in the grid's order.
	Means           []Score   `json:"means"`
	Total           float64   `json:"total"`
	AboveThresholds bool      `json:"aboveThresholds"`
	RequestedCents  int64     `json:"requestedCents"`
	SubmitTime      time.Time `json:"submitTime"`
	Decision        string    `json:"decision"`
	Reason          string    `json:"reason"`
	// Consensus says the scores are the chair's consensus, not the reviewers' means.
	Consensus bool `json:"consensus,omitempty"`
}

// Ranking is the ordered list of a call's applications with their decisions.
type Ranking struct {
	Entries       []Entry `json:"entries"`
	EnvelopeCents int64   `json:"envelopeCents"`
	SelectedCents int64   `json:"selectedCents"`
	// CutoffRank is the rank of the last selected entry, 0 when none is.
	CutoffRank int `json:"cutoffRank"`
}

// scored is a candidate with its exact weighted sum: scores are half steps, so counting in half
// points keeps every sum an integer and lets two totals be compared without rounding, even when
// the applications had different numbers of reviewers.
type scored struct {
	entry Entry
	// weighted is Σ weight × Σ reviewers' half points; total = weighted / (2 × reviews).
	weighted, reviews int64
}

// ConsensusMissing lists the applications whose reviews diverge and that have no consensus yet:
// they cannot be ranked on a silent average.
type ConsensusMissing []string

func (c ConsensusMissing) Error() string {
	return "divergent applications without a consensus: " + strings.Join(c, ", ")
}

// Rank orders the candidates and decides them within the envelope:
//   - per criterion the mean of the reviewers' scores, or the chair's consensus when there is one;
//     an application whose reviews diverge (Diverge) must have one, or Rank refuses with
//     ConsensusMissing; total = Σ weight × score;
//   - fundable when every criterion mean reaches its threshold and the total the overall threshold;
//   - order: total descending, then earlier submission, then application name;
//   - down the list, fundable applications are SELECTED while the envelope covers the cumulative
//     requested amount; the first that does not fit ends the selection, and it and every fundable
//     application after it form the RESERVE list, in order; the others are REJECTED with the
//     thresholds they missed.
//
// The result depends only on the inputs, not on their order.
func Rank(call Call, candidates []Candidate) (Ranking, error) {
	if err := CheckGrid(call.Criteria, call.OverallThreshold); err != nil {
		return Ranking{}, fmt.Errorf("grid: %w", err)
	}
	if call.EnvelopeCents <= 0 {
		return Ranking{}, errors.New("the envelope must be positive")
	}
	seen := map[string]bool{}
	list := make([]scored, 0, len(candidates))
	var missing ConsensusMissing
	for _, c := range candidates {
		if seen[c.Application] {
			return Ranking{}, fmt.Errorf("application %s appears twice", c.Application)
		}
		seen[c.Application] = true
		if c.Consensus == nil {
			d, err := Diverge(call.Criteria, c.Reviews)
			if err != nil {
				return Ranking{}, fmt.Errorf("application %s: %w", c.Application, err)
			}
			if d.Flagged {
				missing = append(missing, c.Application)
				continue
			}
		}
		s, err := score(call, c)
		if err != nil {
			return Ranking{}, fmt.Errorf("application %s: %w", c.Application, err)
		}
		list = append(list, s)
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return Ranking{}, missing
	}
	slices.SortFunc(list, compare)

	r := Ranking{EnvelopeCents: call.EnvelopeCents, Entries: make([]Entry, len(list))}
	selecting, reserve := true, 0
	for i := range list {
		e := list[i].entry
		e.Rank = i + 1
		switch {
		case !e.AboveThresholds:
			e.Decision = Rejected
		case selecting && e.RequestedCents <= call.EnvelopeCents-r.SelectedCents:
			e.Decision = Selected
			r.SelectedCents += e.RequestedCents
			r.CutoffRank = e.Rank
			e.Reason = fmt.Sprintf("funded: %s cumulative within the envelope of %s",
				Euros(r.SelectedCents), Euros(call.EnvelopeCents))
		default:
			selecting = false
			reserve++
			e.Decision = Reserve
			e.Reason = fmt.Sprintf("reserve list position %d: above the thresholds, but the envelope had %s left for %s requested when the selection stopped",
				reserve, Euros(call.EnvelopeCents-r.SelectedCents), Euros(e.RequestedCents))
		}
		r.Entries[i] = e
	}
	return r, nil
}

// score computes a candidate's means, total and threshold status.
func score(call Call, c Candidate) (scored, error) {
	if c.RequestedCents <= 0 {
		return scored{}, errors.New("the requested amount must be positive")
	}
	if len(c.Reviews) == 0 {
		return scored{}, errors.New("no review to rank on")
	}
	reviews, what := c.Reviews, "mean"
	if c.Consensus != nil {
		what = "consensus"
		// The consensus stands alone: averaging it with the reviews would bring the divergence back.
		reviews = [][]Score{c.Consensus}
	}
	halfPoints := make([]int64, len(call.Criteria))
	for i, review := range reviews {
		ordered, err := CheckScores(call.Criteria, review)
		if err != nil {
			return scored{}, fmt.Errorf("review %d: %w", i, err)
		}
		for j, s := range ordered {
			halfPoints[j] += int64(s.Score * 2)
		}
	}
	n := int64(len(reviews))
	s := scored{reviews: n, entry: Entry{
		Consensus:       c.Consensus != nil,
		Application:     c.Application,
		Title:           c.Title,
		RequestedCents:  c.RequestedCents,
		SubmitTime:      c.SubmitTime.UTC(),
		AboveThresholds: true,
	}}
	var missed []string
	for j, crit := range call.Criteria {
		// One correctly rounded division of exact integers: comparing it with the threshold
		// gives the same answer as comparing the exact mean.
		mean := float64(halfPoints[j]) / float64(2*n)
		s.entry.Means = append(s.entry.Means, Score{Criterion: crit.ID, Score: mean})
		s.weighted += int64(crit.Weight) * halfPoints[j]
		if mean < crit.Threshold {
			missed = append(missed, fmt.Sprintf("criterion %s %s %s < threshold %g", crit.ID, what, number(mean), crit.Threshold))
		}
	}
	s.entry.Total = float64(s.weighted) / float64(2*n)
	if s.entry.Total < call.OverallThreshold {
		missed = append(missed, fmt.Sprintf("total %s < overall threshold %g", number(s.entry.Total), call.OverallThreshold))
	}
	if len(missed) > 0 {
		s.entry.AboveThresholds = false
		s.entry.Reason = "below threshold: " + strings.Join(missed, "; ")
	}
	return s, nil
}

// compare orders by exact total descending (a/n > b/m ⇔ a·m > b·n), then earlier submission, then name.
func compare(a, b scored) int {
	if l, r := a.weighted*b.reviews, b.weighted*a.reviews; l != r {
		if l > r {
			return -1
		}
		return 1
	}
	if c := a.entry.SubmitTime.Compare(b.entry.SubmitTime); c != 0 {
		return c
	}
	return strings.Compare(a.entry.Application, b.entry.Application)
}

// number prints a mean or total briefly (3.333 rather than 3.3333333333333335).
func number(f float64) string { return fmt.Sprintf("%.4g", f) }

// Euros formats cents as euros with two decimals (1234567 → "12345.67 EUR").
func Euros(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d EUR", sign, cents/100, cents%100)
}
