package grant

import (
	"math"
	"math/big"
	"testing"
)

func TestAtMostPercent(t *testing.T) {
	const maxI, minI = math.MaxInt64, math.MinInt64
	tests := []struct {
		part, whole int64
		pct         int32
		atMost      bool // part ≤ pct% of whole
		atLeast     bool // part ≥ pct% of whole
	}{
		{30_000_00, 100_000_00, 30, true, true}, // exactly 30%
		{30_000_01, 100_000_00, 30, false, true},
		{29_999_99, 100_000_00, 30, true, false},
		{80_000_00, 100_000_00, 80, true, true}, // exactly 80%
		{80_000_01, 100_000_00, 80, false, true},
		{99_99, 333_33, 30, true, false}, // 30% of 333.33 is 99.999
		{100_00, 333_33, 30, false, true},
		{0, 100, 0, true, true},
		{1, 100, 0, false, true},
		{100, 100, 100, true, true},
		// Near the largest int64, where part·100 or pct·whole overflows 64 bits.
		{maxI, maxI, 100, true, true},
		{maxI, maxI, 99, false, true},
		{maxI - 1, maxI, 100, true, false},
		{2767011611056432742, maxI, 30, true, false}, // ⌊30% of MaxInt64⌋
		{2767011611056432743, maxI, 30, false, true},
		{7378697629483820645, maxI, 80, true, false}, // ⌊80% of MaxInt64⌋
		{7378697629483820646, maxI, 80, false, true},
		{maxI, 1, math.MaxInt32, false, true},
		{1, maxI, math.MaxInt32, true, false},
		// Signs: exact whatever they are.
		{-1, 100, 0, true, false},
		{0, -100, 30, false, true},
		{minI, maxI, 0, true, false},
		{minI, minI, 100, true, true},
		{minI, minI, 99, true, false},
		{maxI, minI, math.MinInt32, true, false}, // 2⁶³·2³¹ > 100·(2⁶³-1)
	}
	for _, tt := range tests {
		if got := AtMostPercent(tt.part, tt.whole, tt.pct); got != tt.atMost {
			t.Errorf("AtMostPercent(%d, %d, %d) = %v", tt.part, tt.whole, tt.pct, got)
		}
		if got := AtLeastPercent(tt.part, tt.whole, tt.pct); got != tt.atLeast {
			t.Errorf("AtLeastPercent(%d, %d, %d) = %v", tt.part, tt.whole, tt.pct, got)
		}
	}
}

func TestPercentOf(t *testing.T) {
	tests := []struct {
		cents int64
		pct   int32
		want  int64
	}{
		{100_000_00, 30, 30_000_00},
		{333_33, 30, 99_99},
		{1, 30, 0},
		{0, 30, 0},
		{-100, 30, 0},
		{100, 0, 0},
		{100, -5, 0},
		{100, 100, 100},
		{math.MaxInt64, 100, math.MaxInt64},
		{math.MaxInt64, 30, 2767011611056432742},
		{math.MaxInt64, 80, 7378697629483820645},
		{math.MaxInt64, 101, math.MaxInt64},
		{math.MaxInt64, math.MaxInt32, math.MaxInt64},
	}
	for _, tt := range tests {
		if got := PercentOf(tt.cents, tt.pct); got != tt.want {
			t.Errorf("PercentOf(%d, %d) = %d, want %d", tt.cents, tt.pct, got, tt.want)
		}
	}
}

// FuzzPercent compares AtMostPercent, AtLeastPercent and PercentOf with the same computed on
// unbounded integers, for any amounts and percent.
func FuzzPercent(f *testing.F) {
	f.Add(int64(30_000_00), int64(100_000_00), int32(30))
	f.Add(int64(30_000_01), int64(100_000_00), int32(30))
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), int32(100))
	f.Add(int64(math.MinInt64), int64(math.MinInt64), int32(math.MinInt32))
	f.Add(int64(2767011611056432743), int64(math.MaxInt64), int32(30))
	f.Fuzz(func(t *testing.T, part, whole int64, pct int32) {
		lhs := new(big.Int).Mul(big.NewInt(part), big.NewInt(100))
		rhs := new(big.Int).Mul(big.NewInt(whole), big.NewInt(int64(pct)))
		c := lhs.Cmp(rhs)
		if got := AtMostPercent(part, whole, pct); got != (c <= 0) {
			t.Fatalf("AtMostPercent(%d, %d, %d) = %v, big.Int says %v", part, whole, pct, got, c <= 0)
		}
		if got := AtLeastPercent(part, whole, pct); got != (c >= 0) {
			t.Fatalf("AtLeastPercent(%d, %d, %d) = %v, big.Int says %v", part, whole, pct, got, c >= 0)
		}
		want := int64(0)
		if whole > 0 && pct > 0 {
			q := new(big.Int).Quo(rhs, big.NewInt(100)) // both positive: truncation is the floor
			if q.IsInt64() {
				want = q.Int64()
			} else {
				want = math.MaxInt64
			}
		}
		if got := PercentOf(whole, pct); got != want {
			t.Fatalf("PercentOf(%d, %d) = %d, big.Int says %d", whole, pct, got, want)
		}
	})
}
