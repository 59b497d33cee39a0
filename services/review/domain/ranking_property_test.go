package domain

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// source yields the bytes of a fuzz input, then zeros, so any input builds a valid case.
type source struct {
	data []byte
	rnd  *rand.Rand
}

func (s *source) byte() byte {
	if s.rnd != nil {
		return byte(s.rnd.UintN(256))
	}
	if len(s.data) == 0 {
		return 0
	}
	b := s.data[0]
	s.data = s.data[1:]
	return b
}

func (s *source) intn(n int) int { return int(s.byte()) % n }

// genCase builds a grid, an envelope and candidates from src: half-step scores, few distinct
// submission instants so that ties happen, amounts around the envelope so that it runs out.
func genCase(src *source) (Call, []Candidate) {
	call := Call{EnvelopeCents: int64(1 + src.intn(100)*100)}
	var maxTotal float64
	for i := range 1 + src.intn(4) {
		c := Criterion{ID: fmt.Sprintf("c%d", i), Weight: int32(1 + src.intn(5)), Threshold: float64(src.intn(11)) / 2}
		call.Criteria = append(call.Criteria, c)
		maxTotal += float64(c.Weight) * MaxScore
	}
	call.OverallThreshold = maxTotal * float64(src.intn(101)) / 100
	var cands []Candidate
	for i := range src.intn(13) {
		c := Candidate{
			Application:    fmt.Sprintf("calls/x/applications/a%d", i),
			RequestedCents: int64(1 + src.intn(60)*100),
			SubmitTime:     t0.Add(time.Duration(src.intn(3)) * time.Minute),
		}
		for range 1 + src.intn(4) {
			var r []Score
			for _, crit := range call.Criteria {
				r = append(r, Score{crit.ID, float64(src.intn(11)) / 2})
			}
			c.Reviews = append(c.Reviews, r)
		}
		// A divergent application gets the chair's consensus (others sometimes too), or it
		// could not be ranked.
		if d, _ := Diverge(call.Criteria, c.Reviews); d.Flagged || src.intn(4) == 0 {
			for _, crit := range call.Criteria {
				c.Consensus = append(c.Consensus, Score{crit.ID, float64(src.intn(11)) / 2})
			}
		}
		cands = append(cands, c)
	}
	return call, cands
}

// checkInvariants asserts what every ranking must satisfy, recomputing thresholds naively.
func checkInvariants(t *testing.T, call Call, cands []Candidate, r Ranking) {
	t.Helper()
	if len(r.Entries) != len(cands) {
		t.Fatalf("%d entries for %d candidates", len(r.Entries), len(cands))
	}
	byName := map[string]Candidate{}
	for _, c := range cands {
		byName[c.Application] = c
	}
	var selected int64
	stopped, lastSelected := false, 0
	for i, e := range r.Entries {
		if e.Rank != i+1 {
			t.Fatalf("entry %d has rank %d", i, e.Rank)
		}
		// A better total never ranks lower.
		if i > 0 && e.Total > r.Entries[i-1].Total {
			t.Fatalf("rank %d total %v above rank %d total %v", e.Rank, e.Total, i, r.Entries[i-1].Total)
		}
		c := byName[e.Application]
		above := true
		var total float64
		if e.Consensus != (c.Consensus != nil) {
			t.Fatalf("%s: consensus %v in the entry, %v in the input", e.Application, e.Consensus, c.Consensus != nil)
		}
		reviews := c.Reviews
		if c.Consensus != nil {
			reviews = [][]Score{c.Consensus}
		}
		for j, crit := range call.Criteria {
			var sum float64
			for _, rv := range reviews {
				sum += rv[j].Score
			}
			mean := sum / float64(len(reviews))
			if mean < crit.Threshold {
				above = false
			}
			total += float64(crit.Weight) * mean
		}
		if math.Abs(total-e.Total) > 1e-9 {
			t.Fatalf("%s total %v, recomputed %v", e.Application, e.Total, total)
		}
		if math.Abs(total-call.OverallThreshold) > 1e-9 && total < call.OverallThreshold {
			above = false
		}
		if math.Abs(total-call.OverallThreshold) > 1e-9 && e.AboveThresholds != above {
			t.Fatalf("%s above thresholds %v, recomputed %v", e.Application, e.AboveThresholds, above)
		}
		switch e.Decision {
		case Selected:
			// Never selects below a threshold, never after the selection stopped.
			if !e.AboveThresholds || stopped {
				t.Fatalf("%s selected: above %v, after the stop %v", e.Application, e.AboveThresholds, stopped)
			}
			selected += e.RequestedCents
			lastSelected = e.Rank
		case Reserve:
			if !e.AboveThresholds {
				t.Fatalf("%s in reserve below the thresholds", e.Application)
			}
			// The first fundable application left out did not fit.
			if !stopped && selected+e.RequestedCents <= call.EnvelopeCents {
				t.Fatalf("%s in reserve though it fits: %d + %d <= %d", e.Application, selected, e.RequestedCents, call.EnvelopeCents)
			}
			stopped = true
		case Rejected:
			if e.AboveThresholds {
				t.Fatalf("%s rejected above the thresholds", e.Application)
			}
		default:
			t.Fatalf("%s has decision %q", e.Application, e.Decision)
		}
		if e.Reason == "" {
			t.Fatalf("%s has no reason", e.Application)
		}
	}
	// Never above the envelope.
	if selected != r.SelectedCents || selected > call.EnvelopeCents {
		t.Fatalf("selected %d (reported %d) for an envelope of %d", selected, r.SelectedCents, call.EnvelopeCents)
	}
	if r.CutoffRank != lastSelected {
		t.Fatalf("cutoff %d, last selected at %d", r.CutoffRank, lastSelected)
	}
}

// shuffled returns the candidates and each one's reviews in another order.
func shuffled(rnd *rand.Rand, cands []Candidate) []Candidate {
	out := make([]Candidate, len(cands))
	for i, c := range cands {
		c.Reviews = append([][]Score(nil), c.Reviews...)
		rnd.Shuffle(len(c.Reviews), func(a, b int) { c.Reviews[a], c.Reviews[b] = c.Reviews[b], c.Reviews[a] })
		out[i] = c
	}
	rnd.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
	return out
}

func TestRankProperties(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		call, cands := genCase(&source{rnd: rnd})
		r, err := Rank(call, cands)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkInvariants(t, call, cands, r)
		// Same inputs, same output, whatever their order.
		again, err := Rank(call, shuffled(rnd, cands))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r, again) {
			t.Fatalf("case %d: the ranking depends on the input order:\n%+v\n%+v", i, r, again)
		}
	}
}

func FuzzRank(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 2, 10, 4, 1, 3, 2, 9, 0, 5, 2, 9, 9, 9, 9, 9})
	f.Add([]byte("the jury met on a rainy tuesday and scored everything 4.5"))
	f.Fuzz(func(t *testing.T, data []byte) {
		call, cands := genCase(&source{data: data})
		r, err := Rank(call, cands)
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, call, cands, r)
		again, err := Rank(call, shuffled(rand.New(rand.NewPCG(uint64(len(data)), 7)), cands))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r, again) {
			t.Fatal("the ranking depends on the input order")
		}
	})
}
