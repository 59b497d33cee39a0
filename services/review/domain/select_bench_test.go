package domain

import "testing"

// benchmarkSelect ranks a synthetic call of n applications as the service does: Finals, then
// Select.
func benchmarkSelect(b *testing.B, n int, envelopeCents int64) {
	call, cands := SyntheticCall(n, envelopeCents, 7)
	b.ReportAllocs()
	var r Ranking
	for b.Loop() {
		finals, err := Finals(call, cands)
		if err != nil {
			b.Fatal(err)
		}
		if r, err = Select(call, finals); err != nil {
			b.Fatal(err)
		}
	}
	selected, reserve := 0, 0
	for _, e := range r.Entries {
		switch e.Decision {
		case Selected:
			selected++
		case Reserve:
			reserve++
		}
	}
	b.ReportMetric(float64(selected), "selected")
	b.ReportMetric(float64(reserve), "reserve")
}

// BenchmarkSelect100k is issue 7's selection target (under a second): 100,000 applications
// against a €10,000,000 envelope (a few dozen funded), and against half of everything requested
// (a long list of laureates and a long reserve list).
func BenchmarkSelect100k(b *testing.B) {
	b.Run("envelope=10M", func(b *testing.B) { benchmarkSelect(b, 100_000, 10_000_000_00) })
	b.Run("envelope=half", func(b *testing.B) { benchmarkSelect(b, 100_000, 0) })
}
