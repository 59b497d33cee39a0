package domain

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestChooseReviewers(t *testing.T) {
	jury := []string{"r1", "r2", "r3", "r4", "r5", "r6"}
	tests := []struct {
		name    string
		jury    []string
		load    map[string]int
		n       int
		want    []string // exact choice, when the case pins it
		wantIn  []string // the choice must be a subset of these, when the case pins only that
		wantErr error
	}{
		{name: "least loaded win", jury: jury, n: 3,
			load:   map[string]int{"r1": 2, "r2": 2, "r3": 0, "r4": 1, "r5": 0, "r6": 2},
			wantIn: []string{"r3", "r5", "r4"}},
		{name: "all loaded but one", jury: jury, n: 1,
			load: map[string]int{"r1": 1, "r2": 1, "r3": 1, "r4": 1, "r5": 0, "r6": 1},
			want: []string{"r5"}},
		{name: "whole jury", jury: []string{"a", "b", "c"}, n: 3, wantIn: []string{"a", "b", "c"}},
		{name: "duplicates in the jury count once", jury: []string{"a", "a", "b", " b "}, n: 3, wantErr: ErrJuryTooSmall},
		{name: "blank names ignored", jury: []string{"a", "", "  ", "b"}, n: 2, wantIn: []string{"a", "b"}},
		{name: "jury too small", jury: []string{"a", "b"}, n: 3, wantErr: ErrJuryTooSmall},
		{name: "zero needed", jury: jury, n: 0, wantErr: errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ChooseReviewers("calls/c/applications/a1", tc.jury, tc.load, tc.n)
			if tc.wantErr != nil {
				if err == nil || (tc.wantErr != errAny && !errors.Is(err, tc.wantErr)) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n {
				t.Fatalf("got %v, want %d reviewers", got, tc.n)
			}
			if tc.want != nil && !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for _, r := range got {
				if tc.wantIn != nil && !slices.Contains(tc.wantIn, r) {
					t.Fatalf("got %v, %s is not among %v", got, r, tc.wantIn)
				}
			}
			assertDistinct(t, got)
		})
	}
}

// errAny stands for "some error" in the table.
var errAny = errors.New("any error")

func assertDistinct(t *testing.T, rs []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r] {
			t.Fatalf("%s chosen twice in %v", r, rs)
		}
		seen[r] = true
	}
}

func TestChooseReviewersDeterministic(t *testing.T) {
	jury := []string{"r1", "r2", "r3", "r4", "r5", "r6"}
	shuffled := []string{"r4", "r6", "r1", "r3", "r5", "r2"}
	for i := range 50 {
		app := fmt.Sprintf("calls/c/applications/a%d", i)
		a, err := ChooseReviewers(app, jury, nil, 3)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ChooseReviewers(app, shuffled, map[string]int{}, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a, b) {
			t.Fatalf("%s: %v then %v for the same inputs", app, a, b)
		}
	}
}

// Assigning a stream of applications one after the other, as the service does, keeps every
// reviewer's load within one of the others', and the hash spreads the ties rather than always
// picking the first names.
func TestChooseReviewersBalancesLoad(t *testing.T) {
	jury := []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7"}
	load := map[string]int{}
	firstPicks := map[string]bool{}
	for i := range 70 {
		got, err := ChooseReviewers(fmt.Sprintf("calls/c/applications/a%d", i), jury, load, 3)
		if err != nil {
			t.Fatal(err)
		}
		assertDistinct(t, got)
		for _, r := range got {
			load[r]++
		}
		if i%7 == 0 {
			firstPicks[got[0]] = true
		}
		lo, hi := load[jury[0]], load[jury[0]]
		for _, r := range jury {
			lo, hi = min(lo, load[r]), max(hi, load[r])
		}
		if hi-lo > 1 {
			t.Fatalf("after %d applications the loads are %v", i+1, load)
		}
	}
	for _, r := range jury {
		if load[r] != 30 {
			t.Fatalf("loads %v, want 30 each", load)
		}
	}
	if len(firstPicks) < 2 {
		t.Fatalf("ties always broken toward %v", firstPicks)
	}
}
