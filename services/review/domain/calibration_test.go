package domain

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestCalibrate(t *testing.T) {
	tests := []struct {
		name   string
		totals []ReviewTotal
		want   map[Pair]float64
	}{
		{name: "none", want: map[Pair]float64{}},
		{name: "a single review is at its own mean",
			totals: []ReviewTotal{{"a", "r1", 17}},
			want:   map[Pair]float64{{"a", "r1"}: 0}},
		{name: "all equal: no deviation to divide by",
			totals: []ReviewTotal{{"a", "r1", 12}, {"b", "r1", 12}, {"c", "r1", 12}},
			want:   map[Pair]float64{{"a", "r1"}: 0, {"b", "r1"}: 0, {"c", "r1"}: 0}},
		{name: "two reviews: one deviation either side",
			totals: []ReviewTotal{{"a", "r1", 10}, {"b", "r1", 14}},
			want:   map[Pair]float64{{"a", "r1"}: -1, {"b", "r1"}: 1}},
		{name: "a severe and a generous reviewer read alike",
			// r1: mean 10, deviation sqrt(8/3); r2 is r1 shifted by 6.
			totals: []ReviewTotal{{"a", "r1", 8}, {"b", "r1", 10}, {"c", "r1", 12}, {"a", "r2", 14}, {"b", "r2", 16}, {"c", "r2", 18}},
			want: map[Pair]float64{
				{"a", "r1"}: -2 / math.Sqrt(8.0/3), {"b", "r1"}: 0, {"c", "r1"}: 2 / math.Sqrt(8.0/3),
				{"a", "r2"}: -2 / math.Sqrt(8.0/3), {"b", "r2"}: 0, {"c", "r2"}: 2 / math.Sqrt(8.0/3)}},
		{name: "reviewers apart",
			totals: []ReviewTotal{{"a", "r1", 20}, {"a", "r2", 5}, {"b", "r2", 15}},
			want:   map[Pair]float64{{"a", "r1"}: 0, {"a", "r2"}: -1, {"b", "r2"}: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Calibrate(tc.totals)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, w := range tc.want {
				if g, ok := got[k]; !ok || math.Abs(g-w) > 1e-12 {
					t.Fatalf("%v: got %v, want %v", k, got[k], w)
				}
			}
		})
	}
}

// Per reviewer with varied totals, the calibrated totals have mean 0 and deviation 1, and keep
// the reviewer's order; shifting or scaling a reviewer's totals changes nothing.
func TestCalibrateProperties(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 1))
	for range 500 {
		var totals, moved []ReviewTotal
		shift, scale := float64(rnd.IntN(10)), 1+float64(rnd.IntN(3))
		for i := range 2 + rnd.IntN(10) {
			tot := float64(rnd.IntN(41)) / 2
			totals = append(totals, ReviewTotal{string(rune('a' + i)), "r", tot})
			moved = append(moved, ReviewTotal{string(rune('a' + i)), "r", tot*scale + shift})
		}
		got, again := Calibrate(totals), Calibrate(moved)
		var sum, sq float64
		for _, r := range totals {
			z := got[Pair{r.Application, r.Reviewer}]
			sum += z
			sq += z * z
			if math.Abs(z-again[Pair{r.Application, r.Reviewer}]) > 1e-9 {
				t.Fatalf("scaling changed %v", r)
			}
			for _, u := range totals {
				if r.Total < u.Total && z >= got[Pair{u.Application, u.Reviewer}] {
					t.Fatal("order not kept")
				}
			}
		}
		n := float64(len(totals))
		if math.Abs(sum/n) > 1e-9 || (sq != 0 && math.Abs(sq/n-1) > 1e-9) {
			t.Fatalf("mean %v, variance %v", sum/n, sq/n)
		}
	}
}
