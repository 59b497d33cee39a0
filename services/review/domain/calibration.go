package domain

import "math"

// ReviewTotal is one review's weighted total.
type ReviewTotal struct {
	Application string
	Reviewer    string
	Total       float64
}

// Calibrate normalises each reviewer's totals against its own habits: the z-score
// (total − mean) / standard deviation over all of that reviewer's reviews in the call, so that a
// severe reviewer's 12 and a generous one's 16 can both read "one deviation above its usual".
// The deviation is the population one: the reviews are all of the reviewer's, not a sample.
// A reviewer with a single review, or whose totals are all equal, has no deviation to divide by:
// its calibrated totals are 0, "at its own mean", rather than undefined.
func Calibrate(totals []ReviewTotal) map[Pair]float64 {
	type moments struct {
		n           int
		sum         float64
		first       float64
		allTheSame  bool
		mean, stdev float64
	}
	by := map[string]*moments{}
	for _, t := range totals {
		m := by[t.Reviewer]
		if m == nil {
			m = &moments{first: t.Total, allTheSame: true}
			by[t.Reviewer] = m
		}
		m.n++
		m.sum += t.Total
		m.allTheSame = m.allTheSame && t.Total == m.first
	}
	for _, m := range by {
		m.mean = m.sum / float64(m.n)
	}
	var squares = map[string]float64{}
	for _, t := range totals {
		d := t.Total - by[t.Reviewer].mean
		squares[t.Reviewer] += d * d
	}
	for r, m := range by {
		m.stdev = math.Sqrt(squares[r] / float64(m.n))
	}
	out := make(map[Pair]float64, len(totals))
	for _, t := range totals {
		m := by[t.Reviewer]
		if m.n < 2 || m.allTheSame {
			out[Pair{t.Application, t.Reviewer}] = 0
			continue
		}
		out[Pair{t.Application, t.Reviewer}] = (t.Total - m.mean) / m.stdev
	}
	return out
}
