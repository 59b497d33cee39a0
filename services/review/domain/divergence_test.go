package domain

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestDiverge(t *testing.T) {
	tests := []struct {
		name      string
		reviews   [][]Score
		flagged   bool
		divergent []string // criteria flagged
		reason    string   // a substring of the reasons
		min, max  float64
	}{
		{name: "agreement", reviews: [][]Score{rev(4, 4, 4), rev(4, 3.5, 4), rev(3.5, 4, 4.5)}, min: 15.5, max: 16},
		{name: "a spread of 1.5 is not enough", reviews: [][]Score{rev(4, 2.5, 4), rev(4, 4, 4)}, min: 14.5, max: 16},
		{name: "a spread of 2 flags the criterion", reviews: [][]Score{rev(4, 2, 4), rev(4, 4, 4), rev(4, 3, 4)}, flagged: true,
			divergent: []string{"data"}, reason: "criterion data spreads from 2 to 4", min: 14, max: 16},
		{name: "two criteria", reviews: [][]Score{rev(5, 1, 4), rev(3, 3.5, 4)}, flagged: true,
			divergent: []string{"impact", "data"}, min: 13.5, max: 15},
		// Totals 13 and 10 (impact weighs double): exactly 30% apart, not more.
		{name: "totals 30% apart exactly", reviews: [][]Score{rev(3, 3.5, 3.5), rev(2.5, 2.5, 2.5)}, min: 10, max: 13},
		{name: "totals more than 30% apart", reviews: [][]Score{rev(3, 4, 3.5), rev(2.5, 2.5, 2.5)}, flagged: true,
			reason: "totals range from 10 to 13.5", min: 10, max: 13.5},
		{name: "zero against something", reviews: [][]Score{rev(0, 0, 0), rev(0, 0, 0.5)}, flagged: true, min: 0, max: 0.5},
		{name: "zero everywhere agrees", reviews: [][]Score{rev(0, 0, 0), rev(0, 0, 0)}},
		{name: "one review cannot disagree", reviews: [][]Score{rev(5, 0, 2)}, min: 12, max: 12},
		{name: "no review"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Diverge(grid, tc.reviews)
			if err != nil {
				t.Fatal(err)
			}
			if d.Flagged != tc.flagged || d.MinTotal != tc.min || d.MaxTotal != tc.max {
				t.Fatalf("flagged %v totals %v–%v, want %v %v–%v (%v)", d.Flagged, d.MinTotal, d.MaxTotal, tc.flagged, tc.min, tc.max, d.Reasons)
			}
			var divergent []string
			for _, s := range d.Spreads {
				if s.Divergent {
					divergent = append(divergent, s.Criterion)
				}
			}
			if !slices.Equal(divergent, tc.divergent) {
				t.Fatalf("divergent criteria %v, want %v", divergent, tc.divergent)
			}
			if tc.flagged != (len(d.Reasons) > 0) || !strings.Contains(strings.Join(d.Reasons, "; "), tc.reason) {
				t.Fatalf("reasons %q, want one containing %q", d.Reasons, tc.reason)
			}
		})
	}
	if _, err := Diverge(grid, [][]Score{rev(4, 4, 4), {{"impact", 4}}}); err == nil {
		t.Fatal("a review missing criteria was measured")
	}
}

// Diverge agrees with the rule computed naively in floating point, away from the boundaries.
func TestDivergeProperties(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 5))
	for range 5000 {
		var reviews [][]Score
		for range 1 + rnd.IntN(5) {
			reviews = append(reviews, rev(float64(rnd.IntN(11))/2, float64(rnd.IntN(11))/2, float64(rnd.IntN(11))/2))
		}
		d, err := Diverge(grid, reviews)
		if err != nil {
			t.Fatal(err)
		}
		want := false
		minT, maxT := 1e9, -1.0
		for j := range grid {
			lo, hi := 5.0, 0.0
			for _, r := range reviews {
				lo, hi = min(lo, r[j].Score), max(hi, r[j].Score)
			}
			if hi-lo >= 2 {
				want = true
			}
			if d.Spreads[j].Min != lo || d.Spreads[j].Max != hi {
				t.Fatalf("spread %+v, want %v–%v", d.Spreads[j], lo, hi)
			}
		}
		for _, r := range reviews {
			tot := Total(grid, r)
			minT, maxT = min(minT, tot), max(maxT, tot)
		}
		if maxT > 1.3*minT+1e-9 {
			want = true
		}
		if d.Flagged != want {
			t.Fatalf("%v: flagged %v, want %v", reviews, d.Flagged, want)
		}
		// One review alone never diverges; the same reviews in any order give the same answer.
		if len(reviews) == 1 && d.Flagged {
			t.Fatal("a single review flagged")
		}
		rnd.Shuffle(len(reviews), func(a, b int) { reviews[a], reviews[b] = reviews[b], reviews[a] })
		again, _ := Diverge(grid, reviews)
		if again.Flagged != d.Flagged || again.MinTotal != d.MinTotal || again.MaxTotal != d.MaxTotal {
			t.Fatal("the order of the reviews changed the answer")
		}
	}
}

func TestCheckReview(t *testing.T) {
	tests := []struct {
		name       string
		scores     []Score
		comment    string
		wantFields []string
	}{
		{name: "fine", scores: rev(4, 3.5, 3), comment: "ok"},
		{name: "blank comment", scores: rev(4, 3.5, 3), comment: " \t\n ", wantFields: []string{"comment"}},
		{name: "quarter step and no comment", scores: rev(3.25, 3.5, 3), wantFields: []string{"scores[0].score", "comment"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckReview(grid, tc.scores, tc.comment)
			wantInvalid(t, got, err, tc.wantFields)
		})
	}
}

func TestCheckConsensus(t *testing.T) {
	tests := []struct {
		name       string
		scores     []Score
		comment    string
		wantFields []string
	}{
		{name: "fine", scores: rev(4, 3.5, 3), comment: "the jury agreed after discussion"},
		{name: "ten characters", scores: rev(4, 3.5, 3), comment: "  agreed!!!! "},
		{name: "short comment", scores: rev(4, 3.5, 3), comment: "ok   ", wantFields: []string{"comment"}},
		{name: "quarter step and no comment", scores: rev(3.25, 3.5, 3), wantFields: []string{"scores[0].score", "comment"}},
		{name: "missing criterion", scores: rev(4, 3.5, 3)[:2], comment: "the jury agreed", wantFields: []string{"scores"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckConsensus(grid, tc.scores, tc.comment)
			wantInvalid(t, got, err, tc.wantFields)
		})
	}
}

// wantInvalid checks three accepted scores when wantFields is nil, or a refusal naming exactly
// wantFields, in order.
func wantInvalid(t *testing.T, got []Score, err error, wantFields []string) {
	t.Helper()
	if wantFields == nil {
		if err != nil || len(got) != 3 {
			t.Fatalf("got %v, %v", got, err)
		}
		return
	}
	var bad Invalid
	if !errors.As(err, &bad) {
		t.Fatalf("err = %v", err)
	}
	var fields []string
	for _, f := range bad {
		fields = append(fields, f.Field)
	}
	if !slices.Equal(fields, wantFields) {
		t.Fatalf("fields %v, want %v", fields, wantFields)
	}
}
