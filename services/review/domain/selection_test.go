package domain

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSelectTieBreaks crafts totals that tie so that each tie-break decides in turn, with an
// envelope the selection leaves partly unused because it stops at the first that does not fit.
func TestSelectTieBreaks(t *testing.T) {
	candidates := []Candidate{
		cand("d", 100, 0, rev(5, 2, 5)),            // 17, but data 2 < 3: rejected
		cand("a", 400, 0, rev(4, 4, 4)),            // 16, impact 4
		cand("b", 400, 0, rev(3.5, 4, 5)),          // 16, impact 3.5, feasibility 5
		cand("c", 300, -time.Minute, rev(4, 4, 4)), // 16, as a but submitted a minute earlier
		cand("f", 500, 0, rev(3.5, 3, 3)),          // 13
		cand("e", 100, 0, rev(3, 3, 3)),            // 12: would fit, but the selection stopped
	}
	tests := []struct {
		name     string
		tieBreak []string
		order    []string
		selected int64
		cutoff   int
	}{
		{"grid order: impact first, then submission", nil, []string{"d", "c", "a", "b", "f", "e"}, 700, 3},
		{"feasibility first", []string{"feasibility"}, []string{"d", "b", "c", "a", "f", "e"}, 700, 3},
		{"data ties, then feasibility", []string{"data", "feasibility"}, []string{"d", "b", "c", "a", "f", "e"}, 700, 3},
		{"data ties, then impact", []string{"data", "impact"}, []string{"d", "c", "a", "b", "f", "e"}, 700, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Rank(Call{Criteria: grid, OverallThreshold: 12, EnvelopeCents: 1000, TieBreak: tc.tieBreak}, candidates)
			if err != nil {
				t.Fatal(err)
			}
			var order, decisions []string
			for _, e := range r.Entries {
				order = append(order, e.Application)
				decisions = append(decisions, e.Decision)
			}
			if !slices.Equal(order, tc.order) {
				t.Fatalf("order %v, want %v", order, tc.order)
			}
			wantDecisions := []string{Rejected, Selected, Selected, Reserve, Reserve, Reserve}
			if !slices.Equal(decisions, wantDecisions) {
				t.Fatalf("decisions %v, want %v", decisions, wantDecisions)
			}
			if r.SelectedCents != tc.selected || r.CutoffRank != tc.cutoff {
				t.Fatalf("selected %d cutoff %d, want %d and %d", r.SelectedCents, r.CutoffRank, tc.selected, tc.cutoff)
			}
			// 300 of the 1000 stay unused: the next on the list asks 400.
			if !strings.Contains(r.Entries[3].Reason, "reserve list position 1") || !strings.Contains(r.Entries[3].Reason, "3.00 EUR left") {
				t.Fatalf("first reserve reason %q", r.Entries[3].Reason)
			}
			if !strings.Contains(r.Entries[5].Reason, "reserve list position 3") {
				t.Fatalf("third reserve reason %q", r.Entries[5].Reason)
			}
			if !strings.Contains(r.Entries[0].Reason, "criterion data mean 2 < threshold 3") {
				t.Fatalf("rejection reason %q", r.Entries[0].Reason)
			}
		})
	}
}

func TestSelectRefusesBadTieBreaks(t *testing.T) {
	for _, tb := range [][]string{{"nope"}, {"data", "data"}} {
		if _, err := Select(Call{Criteria: grid, OverallThreshold: 12, EnvelopeCents: 1000, TieBreak: tb}, nil); err == nil {
			t.Fatalf("tie-break %v accepted", tb)
		}
	}
	if got := TieBreakOrder(grid, []string{"feasibility"}); !slices.Equal(got, []string{"feasibility", "impact", "data"}) {
		t.Fatalf("order %v", got)
	}
}

func TestSelectRefusesScoresThatAreNoMeans(t *testing.T) {
	call := Call{Criteria: grid, OverallThreshold: 12, EnvelopeCents: 1000}
	f := Final{Application: "a", RequestedCents: 1, SubmitTime: t0, Reviews: 3,
		Scores: []Score{{"impact", 4.1}, {"data", 4}, {"feasibility", 4}}}
	if _, err := Select(call, []Final{f}); err == nil || !strings.Contains(err.Error(), "not a mean of 3") {
		t.Fatalf("4.1 over 3 reviews accepted: %v", err)
	}
	f.Scores[0].Score = 13.0 / 3
	if _, err := Select(call, []Final{f}); err != nil {
		t.Fatalf("13/3 refused: %v", err)
	}
	f.Scores[0], f.Scores[1] = f.Scores[1], f.Scores[0]
	if _, err := Select(call, []Final{f}); err == nil {
		t.Fatal("scores out of the grid's order accepted")
	}
}

// inputsOf builds the published inputs of a ranking.
func inputsOf(t *testing.T, call Call, cands []Candidate) Inputs {
	t.Helper()
	finals, err := Finals(call, cands)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Select(call, finals)
	if err != nil {
		t.Fatal(err)
	}
	return Inputs{Call: "calls/x", Criteria: call.Criteria, OverallThreshold: call.OverallThreshold,
		TieBreakCriteria: TieBreakOrder(call.Criteria, call.TieBreak), EnvelopeCents: call.EnvelopeCents, Applications: finals, Ranking: r}
}

func TestVerify(t *testing.T) {
	call := Call{Criteria: grid, OverallThreshold: 12, EnvelopeCents: 1000}
	in := inputsOf(t, call, []Candidate{
		cand("a", 400, 0, rev(4, 4, 4), rev(4.5, 4, 3.5), rev(4, 3.5, 4)),
		cand("b", 700, 0, rev(3.5, 4, 5)),
		cand("c", 300, time.Minute, rev(3, 3, 3)),
	})
	if diff, err := in.Verify(); err != nil || diff != "" {
		t.Fatalf("untouched inputs: %q, %v", diff, err)
	}
	tampered := in
	tampered.Ranking.Entries = slices.Clone(in.Ranking.Entries)
	tampered.Ranking.Entries[2].Decision = Selected
	if diff, _ := tampered.Verify(); !strings.Contains(diff, "rank 3 (c): published decision SELECTED, recomputed RESERVE") {
		t.Fatalf("tampered decision: %q", diff)
	}
	tampered = in
	tampered.Applications = slices.Clone(in.Applications)
	tampered.Applications[1].RequestedCents = 500
	if diff, _ := tampered.Verify(); !strings.Contains(diff, "published request") {
		t.Fatalf("tampered request: %q", diff)
	}
}

// randomTieBreak draws a tie-break order over some of the grid's criteria.
func randomTieBreak(rnd *rand.Rand, criteria []Criterion) []string {
	var ids []string
	for _, c := range criteria {
		ids = append(ids, c.ID)
	}
	rnd.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
	return ids[:rnd.IntN(len(ids)+1)]
}

// TestSelectProperties checks on many random calls, with random tie-break orders: the
// invariants of every ranking, equal totals ordered by the tie-break criteria, a better score
// never ranking lower, and published inputs that verify after a round trip through JSON.
func TestSelectProperties(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range 1500 {
		call, cands := genCase(&source{rnd: rnd})
		call.TieBreak = randomTieBreak(rnd, call.Criteria)
		r, err := Rank(call, cands)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkInvariants(t, call, cands, r)
		again, err := Rank(call, shuffled(rnd, cands))
		if err != nil || FirstDifference(r, again) != "" {
			t.Fatalf("case %d: the order of the inputs changed the ranking: %v %s", i, err, FirstDifference(r, again))
		}

		order := TieBreakOrder(call.Criteria, call.TieBreak)
		for k := 1; k < len(r.Entries); k++ {
			a, b := r.Entries[k-1], r.Entries[k]
			if a.Total != b.Total {
				continue
			}
			for _, id := range order {
				j := slices.IndexFunc(call.Criteria, func(c Criterion) bool { return c.ID == id })
				if a.Means[j].Score > b.Means[j].Score {
					break
				}
				if a.Means[j].Score < b.Means[j].Score {
					t.Fatalf("case %d: equal totals, %s ranks above %s with a lower %s", i, a.Application, b.Application, id)
				}
			}
		}

		// A better score never ranks lower: raise one criterion of one candidate by half a point.
		if len(cands) > 0 {
			k, j := rnd.IntN(len(cands)), rnd.IntN(len(call.Criteria))
			better := slices.Clone(cands)
			c := better[k]
			raise := func(review []Score) []Score {
				review = slices.Clone(review)
				review[j].Score = min(MaxScore, review[j].Score+0.5)
				return review
			}
			if c.Consensus != nil {
				c.Consensus = raise(c.Consensus)
			} else {
				c.Reviews = slices.Clone(c.Reviews)
				for n := range c.Reviews {
					c.Reviews[n] = raise(c.Reviews[n])
				}
			}
			better[k] = c
			if rb, err := Rank(call, better); err == nil {
				before := slices.IndexFunc(r.Entries, func(e Entry) bool { return e.Application == c.Application })
				after := slices.IndexFunc(rb.Entries, func(e Entry) bool { return e.Application == c.Application })
				if after > before {
					t.Fatalf("case %d: %s raised on %s went from rank %d to %d", i, c.Application, call.Criteria[j].ID, before+1, after+1)
				}
				if r.Entries[before].AboveThresholds && !rb.Entries[after].AboveThresholds {
					t.Fatalf("case %d: %s raised fell below a threshold", i, c.Application)
				}
			}
		}

		in := inputsOf(t, call, cands)
		raw, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var back Inputs
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if diff, err := back.Verify(); err != nil || diff != "" {
			t.Fatalf("case %d: published inputs do not verify: %q %v", i, diff, err)
		}
	}
}
