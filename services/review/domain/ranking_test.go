package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// rev is one reviewer's scores on the test grid (impact ×2, data, feasibility).
func rev(impact, data, feasibility float64) []Score {
	return []Score{{"impact", impact}, {"data", data}, {"feasibility", feasibility}}
}

func cand(name string, cents int64, submitted time.Duration, reviews ...[]Score) Candidate {
	return Candidate{Application: name, Title: "title " + name, RequestedCents: cents, SubmitTime: t0.Add(submitted), Reviews: reviews}
}

type want struct {
	app, decision string
	reason        string // a substring of the reason
}

func TestRank(t *testing.T) {
	call := Call{Criteria: grid, OverallThreshold: 12, EnvelopeCents: 1000}
	tests := []struct {
		name       string
		call       Call
		candidates []Candidate
		want       []want
		selected   int64
		cutoff     int
	}{
		{
			name: "fund down the list, then reserve in order",
			candidates: []Candidate{
				cand("c", 300, 0, rev(4, 4, 4)),               // 16
				cand("a", 300, 0, rev(5, 5, 5)),               // 20
				cand("b", 500, 0, rev(4.5, 4.5, 4.5)),         // 18
				cand("d", 100, 0, rev(3.5, 3.5, 3.5)),         // 14
				cand("e", 100, 0, rev(3, 3, 3), rev(3, 3, 3)), // 12, exactly on the thresholds
			},
			want: []want{
				{"a", Selected, "funded"}, {"b", Selected, "funded"},
				{"c", Reserve, "reserve list position 1"},
				// d would fit, but the selection stopped at c.
				{"d", Reserve, "reserve list position 2"},
				{"e", Reserve, "reserve list position 3"},
			},
			selected: 800, cutoff: 2,
		},
		{
			name: "the envelope spent exactly",
			candidates: []Candidate{
				cand("a", 600, 0, rev(5, 5, 5)),
				cand("b", 400, 0, rev(4, 4, 4)),
			},
			want:     []want{{"a", Selected, ""}, {"b", Selected, ""}},
			selected: 1000, cutoff: 2,
		},
		{
			name: "below a threshold is never funded, whatever its rank",
			candidates: []Candidate{
				// total 2*5+5+2 = 17 ranks first but feasibility 2 < 2.5.
				cand("a", 100, 0, rev(5, 5, 2)),
				cand("b", 100, 0, rev(4, 4, 4)),
				// total 2*3+3+3 = 12 passes every criterion; 3,3,2.5 = 11.5 misses the overall threshold.
				cand("c", 100, 0, rev(3, 3, 2.5)),
			},
			want: []want{
				{"a", Rejected, "criterion feasibility mean 2 < threshold 2.5"},
				{"b", Selected, ""},
				{"c", Rejected, "total 11.5 < overall threshold 12"},
			},
			selected: 100, cutoff: 2,
		},
		{
			name: "every missed threshold is named",
			candidates: []Candidate{
				cand("a", 100, 0, rev(1, 2, 3)),
			},
			want:   []want{{"a", Rejected, "criterion impact mean 1 < threshold 3; criterion data mean 2 < threshold 3; total 7 < overall threshold 12"}},
			cutoff: 0,
		},
		{
			name: "means across reviewers decide thresholds",
			candidates: []Candidate{
				// data mean (2.5+3.5)/2 = 3 passes; impact mean (3+2.5)/2 = 2.75 fails.
				cand("a", 100, 0, rev(3, 2.5, 4), rev(2.5, 3.5, 4)),
			},
			want: []want{{"a", Rejected, "criterion impact mean 2.75 < threshold 3"}},
		},
		{
			name: "ties: earlier submission, then name",
			candidates: []Candidate{
				cand("z", 100, 2*time.Hour, rev(4, 4, 4)),
				cand("y", 100, time.Hour, rev(4, 4, 4)),
				cand("b", 100, 2*time.Hour, rev(4, 4, 4)),
			},
			want:     []want{{"y", Selected, ""}, {"b", Selected, ""}, {"z", Selected, ""}},
			selected: 300, cutoff: 3,
		},
		{
			name: "totals compared exactly across reviewer counts",
			candidates: []Candidate{
				// (16+16+16.5)/3 = 16.1666… against (16+16.5)/2 = 16.25.
				cand("three", 100, 0, rev(4, 4, 4), rev(4, 4, 4), rev(4, 4.5, 4)),
				cand("two", 100, time.Hour, rev(4, 4, 4), rev(4, 4.5, 4)),
			},
			want:     []want{{"two", Selected, ""}, {"three", Selected, ""}},
			selected: 200, cutoff: 2,
		},
		{
			name:       "first one too big: nothing selected, all in reserve",
			candidates: []Candidate{cand("a", 2000, 0, rev(5, 5, 5)), cand("b", 100, 0, rev(4, 4, 4))},
			want:       []want{{"a", Reserve, "10.00 EUR left for 20.00 EUR requested"}, {"b", Reserve, "position 2"}},
			cutoff:     0,
		},
		{name: "nothing to rank"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := call
			if tc.call.EnvelopeCents != 0 {
				c = tc.call
			}
			got, err := Rank(c, tc.candidates)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Entries) != len(tc.want) {
				t.Fatalf("%d entries, want %d: %+v", len(got.Entries), len(tc.want), got.Entries)
			}
			for i, w := range tc.want {
				e := got.Entries[i]
				if e.Rank != i+1 || e.Application != w.app || e.Decision != w.decision || !strings.Contains(e.Reason, w.reason) {
					t.Errorf("entry %d = rank %d %s %s %q, want %s %s containing %q", i, e.Rank, e.Application, e.Decision, e.Reason, w.app, w.decision, w.reason)
				}
			}
			if got.SelectedCents != tc.selected || got.CutoffRank != tc.cutoff || got.EnvelopeCents != c.EnvelopeCents {
				t.Errorf("selected %d cutoff %d envelope %d, want %d %d %d", got.SelectedCents, got.CutoffRank, got.EnvelopeCents, tc.selected, tc.cutoff, c.EnvelopeCents)
			}
		})
	}
}

func TestRankMeansAndTotal(t *testing.T) {
	got, err := Rank(Call{Criteria: grid, OverallThreshold: 0, EnvelopeCents: 1},
		[]Candidate{cand("a", 1, 0, rev(4, 3, 2), rev(5, 3.5, 2.5), rev(3.5, 3, 3))})
	if err != nil {
		t.Fatal(err)
	}
	e := got.Entries[0]
	wantMeans := []Score{{"impact", 12.5 / 3}, {"data", 9.5 / 3}, {"feasibility", 2.5}}
	for i, m := range wantMeans {
		if e.Means[i] != m {
			t.Errorf("mean %d = %v, want %v", i, e.Means[i], m)
		}
	}
	if want := 2*12.5/3 + 9.5/3 + 2.5; e.Total < want-1e-9 || e.Total > want+1e-9 {
		t.Errorf("total = %v, want %v", e.Total, want)
	}
	if e.Title != "title a" || e.RequestedCents != 1 || !e.SubmitTime.Equal(t0) {
		t.Errorf("entry lost its inputs: %+v", e)
	}
}

// A divergent application is ranked on the chair's consensus, never on the average of the
// reviews; without a consensus the ranking is refused, naming every such application.
func TestRankWithConsensus(t *testing.T) {
	call := Call{Criteria: grid, OverallThreshold: 12, EnvelopeCents: 1000}
	divergent := cand("d", 100, 0, rev(5, 5, 5), rev(3, 3, 3)) // impact spreads by 2: the mean would be 16
	other := cand("c", 100, 0, rev(2, 4, 4), rev(4, 4, 4))     // impact spreads by 2 too
	calm := cand("b", 100, 0, rev(4, 4, 4), rev(4, 4, 4.5))

	_, err := Rank(call, []Candidate{divergent, calm, other})
	var missing ConsensusMissing
	if !errors.As(err, &missing) || !slices.Equal(missing, ConsensusMissing{"c", "d"}) {
		t.Fatalf("err = %v, want the consensus missing for c and d", err)
	}

	divergent.Consensus = rev(3, 3.5, 2) // total 11.5, and feasibility misses its threshold
	other.Consensus = rev(4.5, 4, 4)     // total 17
	got, err := Rank(call, []Candidate{divergent, calm, other})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range got.Entries {
		lines = append(lines, fmt.Sprintf("%s %g %s %v", e.Application, e.Total, e.Decision, e.Consensus))
	}
	want := []string{"c 17 SELECTED true", "b 16.25 SELECTED false", "d 11.5 REJECTED true"}
	if !slices.Equal(lines, want) {
		t.Fatalf("ranking %q, want %q", lines, want)
	}
	if r := got.Entries[2].Reason; !strings.Contains(r, "criterion feasibility consensus 2 < threshold 2.5; total 11.5 < overall threshold 12") {
		t.Fatalf("reason %q", r)
	}
	if m := got.Entries[0].Means; m[0].Score != 4.5 {
		t.Fatalf("means %v are not the consensus", m)
	}

	// A consensus off the grid is refused like a review.
	divergent.Consensus = rev(3, 3.5, 6)
	if _, err := Rank(call, []Candidate{divergent}); err == nil || errors.As(err, &missing) {
		t.Fatalf("err = %v, want a bad consensus refused", err)
	}
}

func TestRankRefusesBadInputs(t *testing.T) {
	call := Call{Criteria: grid, OverallThreshold: 12, EnvelopeCents: 1000}
	tests := []struct {
		name       string
		call       Call
		candidates []Candidate
	}{
		{"no review", call, []Candidate{cand("a", 100, 0)}},
		{"a review missing a criterion", call, []Candidate{cand("a", 100, 0, []Score{{"impact", 4}})}},
		{"a score off the scale", call, []Candidate{cand("a", 100, 0, rev(4, 4, 6))}},
		{"an application twice", call, []Candidate{cand("a", 100, 0, rev(4, 4, 4)), cand("a", 100, 0, rev(4, 4, 4))}},
		{"nothing requested", call, []Candidate{cand("a", 0, 0, rev(4, 4, 4))}},
		{"no envelope", Call{Criteria: grid, OverallThreshold: 12}, nil},
		{"no grid", Call{EnvelopeCents: 1000}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Rank(tc.call, tc.candidates); err == nil {
				t.Fatal("no error")
			}
		})
	}
}
