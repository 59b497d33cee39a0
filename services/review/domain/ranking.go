package domain

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guichet/guichet/platform/money"
)

// Decisions of a ranking.
const (
	Selected = "SELECTED"
	Reserve  = "RESERVE"
	Rejected = "REJECTED"
)

// Call is what a ranking needs of a call: its grid, its tie-break order and its envelope.
type Call struct {
	Criteria         []Criterion
	OverallThreshold float64
	EnvelopeCents    int64
	// TieBreak orders criteria for equal totals: the higher mean on the first listed criterion
	// ranks first, then on the next. Criteria it leaves out follow in the grid's order; empty
	// means the grid's order.
	TieBreak []string
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

// Final is an application's final scores, what the selection is computed from and what is
// published so that anyone can recompute it.
type Final struct {
	Application    string    `json:"application"`
	Title          string    `json:"title,omitempty"`
	RequestedCents int64     `json:"requestedCents"`
	SubmitTime     time.Time `json:"submitTime"`
	// Scores per criterion, in the grid's order: the chair's consensus, or the reviewers' mean.
	Scores []Score `json:"scores"`
	// Reviews is how many reviews the means are taken over (1 for a consensus): with it, each
	// mean gives back the exact sum of half points, so totals compare without rounding.
	Reviews   int  `json:"reviews"`
	Consensus bool `json:"consensus,omitempty"`
}

// ConsensusMissing lists the applications whose reviews diverge and that have no consensus yet:
// they cannot be ranked on a silent average.
type ConsensusMissing []string

func (c ConsensusMissing) Error() string {
	return "divergent applications without a consensus: " + strings.Join(c, ", ")
}

// Rank computes each candidate's final scores (Finals) and selects within the envelope (Select).
// An application whose reviews diverge (Diverge) must have the chair's consensus, or Rank
// refuses with ConsensusMissing.
func Rank(call Call, candidates []Candidate) (Ranking, error) {
	finals, err := Finals(call, candidates)
	if err != nil {
		return Ranking{}, err
	}
	return Select(call, finals)
}

// Finals computes the final scores of each candidate: per criterion the mean of the reviewers'
// scores, or the chair's consensus when there is one.
func Finals(call Call, candidates []Candidate) ([]Final, error) {
	if err := CheckGrid(call.Criteria, call.OverallThreshold); err != nil {
		return nil, fmt.Errorf("grid: %w", err)
	}
	finals := make([]Final, 0, len(candidates))
	var missing ConsensusMissing
	for _, c := range candidates {
		if c.Consensus == nil {
			d, err := Diverge(call.Criteria, c.Reviews)
			if err != nil {
				return nil, fmt.Errorf("application %s: %w", c.Application, err)
			}
			if d.Flagged {
				missing = append(missing, c.Application)
				continue
			}
		}
		f, err := finalOf(call, c)
		if err != nil {
			return nil, fmt.Errorf("application %s: %w", c.Application, err)
		}
		finals = append(finals, f)
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, missing
	}
	return finals, nil
}

func finalOf(call Call, c Candidate) (Final, error) {
	if len(c.Reviews) == 0 {
		return Final{}, errors.New("no review to rank on")
	}
	reviews := c.Reviews
	if c.Consensus != nil {
		// The consensus stands alone: averaging it with the reviews would bring the divergence back.
		reviews = [][]Score{c.Consensus}
	}
	halfPoints := make([]int64, len(call.Criteria))
	for i, review := range reviews {
		ordered, err := CheckScores(call.Criteria, review)
		if err != nil {
			return Final{}, fmt.Errorf("review %d: %w", i, err)
		}
		for j, s := range ordered {
			halfPoints[j] += int64(s.Score * 2)
		}
	}
	n := len(reviews)
	f := Final{Application: c.Application, Title: c.Title, RequestedCents: c.RequestedCents, SubmitTime: c.SubmitTime.UTC(),
		Reviews: n, Consensus: c.Consensus != nil}
	for j, crit := range call.Criteria {
		// One correctly rounded division of exact integers: it gives the half points back exactly.
		f.Scores = append(f.Scores, Score{Criterion: crit.ID, Score: float64(halfPoints[j]) / float64(2*n)})
	}
	return f, nil
}

// scored is a final with its exact sums: scores are half steps, so counting in half points keeps
// every sum an integer and lets two totals be compared without rounding, even when the
// applications had different numbers of reviewers.
type scored struct {
	entry Entry
	// half is Σ reviewers' half points per criterion, in the grid's order.
	half []int64
	// weighted is Σ weight × half; total = weighted / (2 × reviews).
	weighted, reviews int64
}

// CheckTieBreak reports tie-break criteria that are not in the grid or appear twice.
func CheckTieBreak(criteria []Criterion, tieBreak []string) error {
	var bad Invalid
	seen := map[string]bool{}
	for i, id := range tieBreak {
		switch {
		case !slices.ContainsFunc(criteria, func(c Criterion) bool { return c.ID == id }):
			bad = append(bad, FieldError{fmt.Sprintf("tie_break_criteria[%d]", i), fmt.Sprintf("%q is not a criterion of the grid", id)})
		case seen[id]:
			bad = append(bad, FieldError{fmt.Sprintf("tie_break_criteria[%d]", i), fmt.Sprintf("%q appears twice", id)})
		}
		seen[id] = true
	}
	if len(bad) > 0 {
		return bad
	}
	return nil
}

// TieBreakOrder is the full criterion-priority order: the configured criteria, then the others in
// the grid's order.
func TieBreakOrder(criteria []Criterion, tieBreak []string) []string {
	order := slices.Clone(tieBreak)
	for _, c := range criteria {
		if !slices.Contains(order, c.ID) {
			order = append(order, c.ID)
		}
	}
	return order
}

// Select orders the finals and decides them within the envelope:
//   - total = Σ weight × score; fundable when every criterion score reaches its threshold and the
//     total the overall threshold;
//   - order: total descending, then the higher score on each criterion of the tie-break order,
//     then earlier submission, then application name;
//   - down the list, fundable applications are SELECTED while the envelope covers the cumulative
//     requested amount; the first that does not fit ends the selection, and it and every fundable
//     application after it form the RESERVE list, in order; the others are REJECTED with the
//     thresholds they missed.
//
// The result depends only on the inputs, not on their order.
func Select(call Call, finals []Final) (Ranking, error) {
	if err := CheckGrid(call.Criteria, call.OverallThreshold); err != nil {
		return Ranking{}, fmt.Errorf("grid: %w", err)
	}
	if err := CheckTieBreak(call.Criteria, call.TieBreak); err != nil {
		return Ranking{}, fmt.Errorf("tie-break: %w", err)
	}
	if call.EnvelopeCents <= 0 {
		return Ranking{}, errors.New("the envelope must be positive")
	}
	index := map[string]int{}
	for j, c := range call.Criteria {
		index[c.ID] = j
	}
	var order []int
	for _, id := range TieBreakOrder(call.Criteria, call.TieBreak) {
		order = append(order, index[id])
	}
	seen := make(map[string]bool, len(finals))
	list := make([]scored, 0, len(finals))
	for _, f := range finals {
		if seen[f.Application] {
			return Ranking{}, fmt.Errorf("application %s appears twice", f.Application)
		}
		seen[f.Application] = true
		s, err := score(call, f)
		if err != nil {
			return Ranking{}, fmt.Errorf("application %s: %w", f.Application, err)
		}
		list = append(list, s)
	}
	// Sorting pointers moves 8 bytes a swap instead of a whole entry of some 200 bytes, which
	// counts at 100,000 applications (BenchmarkSelect100k).
	sorted := make([]*scored, len(list))
	for i := range list {
		sorted[i] = &list[i]
	}
	slices.SortFunc(sorted, func(a, b *scored) int { return compare(order, a, b) })

	r := Ranking{EnvelopeCents: call.EnvelopeCents, Entries: make([]Entry, len(list))}
	selecting, reserve := true, 0
	for i, s := range sorted {
		e := s.entry
		e.Rank = i + 1
		switch {
		case !e.AboveThresholds:
			e.Decision = Rejected
		case selecting && e.RequestedCents <= call.EnvelopeCents-r.SelectedCents:
			e.Decision = Selected
			r.SelectedCents += e.RequestedCents
			r.CutoffRank = e.Rank
			e.Reason = "funded: " + money.Euros(r.SelectedCents) + " cumulative within the envelope of " + money.Euros(call.EnvelopeCents)
		default:
			selecting = false
			reserve++
			e.Decision = Reserve
			e.Reason = "reserve list position " + strconv.Itoa(reserve) + ": above the thresholds, but the envelope had " +
				money.Euros(call.EnvelopeCents-r.SelectedCents) + " left for " + money.Euros(e.RequestedCents) + " requested when the selection stopped"
		}
		r.Entries[i] = e
	}
	return r, nil
}

// score checks a final's scores and computes its exact sums, total and threshold status.
func score(call Call, f Final) (scored, error) {
	if f.RequestedCents <= 0 {
		return scored{}, errors.New("the requested amount must be positive")
	}
	if f.Reviews < 1 {
		return scored{}, errors.New("no review to rank on")
	}
	if f.Consensus && f.Reviews != 1 {
		return scored{}, errors.New("a consensus is one set of scores (reviews must be 1)")
	}
	if len(f.Scores) != len(call.Criteria) {
		return scored{}, fmt.Errorf("%d scores for a grid of %d criteria", len(f.Scores), len(call.Criteria))
	}
	what := "mean"
	if f.Consensus {
		what = "consensus"
	}
	n := int64(f.Reviews)
	s := scored{reviews: n, half: make([]int64, len(call.Criteria)), entry: Entry{
		Means:           make([]Score, 0, len(call.Criteria)),
		Consensus:       f.Consensus,
		Application:     f.Application,
		Title:           f.Title,
		RequestedCents:  f.RequestedCents,
		SubmitTime:      f.SubmitTime.UTC(),
		AboveThresholds: true,
	}}
	var missed []string
	for j, crit := range call.Criteria {
		sc := f.Scores[j]
		if sc.Criterion != crit.ID {
			return scored{}, fmt.Errorf("scores[%d] is %q, the grid's criterion %d is %q", j, sc.Criterion, j, crit.ID)
		}
		// The mean of n half-step scores is k/(2n) for an integer k, computed by one correctly
		// rounded division: anything else is not such a mean.
		k := math.Round(sc.Score * float64(2*n))
		if !(sc.Score >= 0 && sc.Score <= MaxScore) || k/float64(2*n) != sc.Score {
			return scored{}, fmt.Errorf("score %v on %s is not a mean of %d half-step scores between 0 and 5", sc.Score, crit.ID, n)
		}
		s.half[j] = int64(k)
		s.entry.Means = append(s.entry.Means, sc)
		s.weighted += int64(crit.Weight) * s.half[j]
		if sc.Score < crit.Threshold {
			missed = append(missed, fmt.Sprintf("criterion %s %s %s < threshold %g", crit.ID, what, number(sc.Score), crit.Threshold))
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

// compare orders by exact total descending (a/n > b/m ⇔ a·m > b·n), then by exact score
// descending on each criterion of the tie-break order, then earlier submission, then name.
func compare(order []int, a, b *scored) int {
	if c := descending(a.weighted, a.reviews, b.weighted, b.reviews); c != 0 {
		return c
	}
	for _, j := range order {
		if c := descending(a.half[j], a.reviews, b.half[j], b.reviews); c != 0 {
			return c
		}
	}
	if c := a.entry.SubmitTime.Compare(b.entry.SubmitTime); c != 0 {
		return c
	}
	return strings.Compare(a.entry.Application, b.entry.Application)
}

// descending compares the fractions a/n and b/m, the larger first.
func descending(a, n, b, m int64) int {
	l, r := a*m, b*n
	switch {
	case l > r:
		return -1
	case l < r:
		return 1
	}
	return 0
}

// number prints a mean or total briefly (3.333 rather than 3.3333333333333335).
func number(f float64) string { return fmt.Sprintf("%.4g", f) }
