package grant

import (
	"math"
	"math/big"
	"slices"
	"testing"
)

func TestCheckSchedule(t *testing.T) {
	def := Limits{30, 80}
	const maxI = math.MaxInt64
	advance30 := PercentOf(maxI, 30)
	tests := []struct {
		name     string
		total    int64
		tranches []int64
		limits   Limits
		want     []Breach
	}{
		{"30 50 20", 100_000_00, []int64{30_000_00, 50_000_00, 20_000_00}, def, nil},
		{"advance at 30% exactly", 100_000_00, []int64{30_000_00, 70_000_00}, def, nil},
		{"advance one cent above 30%", 100_000_00, []int64{30_000_01, 69_999_99}, def,
			[]Breach{{AdvanceAboveLimit, 0, 30_000_01}}},
		{"advance rounds down: 30% of 333.33 is 99.999", 333_33, []int64{99_99, 233_34}, def, nil},
		{"advance above the rounded ceiling", 333_33, []int64{100_00, 233_33}, def,
			[]Breach{{AdvanceAboveLimit, 0, 100_00}}},
		{"80% before the last exactly", 100_000_00, []int64{30_000_00, 25_000_00, 25_000_00, 20_000_00}, def, nil},
		{"one cent above 80% before the last", 100_000_00, []int64{30_000_00, 25_000_00, 25_000_01, 19_999_99}, def,
			[]Breach{{InterimAboveLimit, 2, 80_000_01}}},
		{"the last tranche is the rest, whatever its size", 100, []int64{1, 1, 98}, def, nil},
		{"the interim crossing is named once", 100_000_00, []int64{10_000_00, 75_000_00, 10_000_00, 5_000_00}, def,
			[]Breach{{InterimAboveLimit, 1, 85_000_00}}},
		{"advance and interim both above", 100_000_00, []int64{40_000_00, 45_000_00, 15_000_00}, def,
			[]Breach{{AdvanceAboveLimit, 0, 40_000_00}, {InterimAboveLimit, 1, 85_000_00}}},
		{"advance above both limits is named once", 100_000_00, []int64{90_000_00, 10_000_00}, def,
			[]Breach{{AdvanceAboveLimit, 0, 90_000_00}}},
		{"single tranche: the advance at 100%", 100_000_00, []int64{100_000_00}, def,
			[]Breach{{AdvanceAboveLimit, 0, 100_000_00}}},
		{"single tranche under a 100% advance limit", 100_000_00, []int64{100_000_00}, Limits{100, 100}, nil},
		{"one cent", 1, []int64{1}, Limits{100, 100}, nil},
		{"a call's own limits", 1000, []int64{100, 400, 500}, Limits{10, 50}, nil},
		{"a call's own advance limit", 1000, []int64{101, 399, 500}, Limits{10, 50},
			[]Breach{{AdvanceAboveLimit, 0, 101}}},
		{"a call's own interim limit", 1000, []int64{100, 401, 499}, Limits{10, 50},
			[]Breach{{InterimAboveLimit, 1, 501}}},
		{"an interim limit below the advance one is still checked at the advance", 100, []int64{50, 50}, Limits{60, 40},
			[]Breach{{InterimAboveLimit, 0, 50}}},
		{"one cent short", 100_000_00, []int64{30_000_00, 49_999_99, 20_000_00}, def,
			[]Breach{{SumNotTotal, Whole, 99_999_99}}},
		{"one cent over", 100_000_00, []int64{30_000_00, 40_000_01, 30_000_00}, def,
			[]Breach{{SumNotTotal, Whole, 100_000_01}}},
		{"short and advance above", 100_000_00, []int64{40_000_00, 20_000_00}, def,
			[]Breach{{SumNotTotal, Whole, 60_000_00}, {AdvanceAboveLimit, 0, 40_000_00}}},
		{"none", 100, nil, def, []Breach{{SumNotTotal, Whole, 0}}},
		{"zero tranche, the rest summing to the total", 1000, []int64{300, 0, 700}, def,
			[]Breach{{NotPositive, 1, 0}}},
		{"negative tranche balanced: left out of the sum", 100, []int64{150, -50}, def,
			[]Breach{{NotPositive, 1, -50}, {SumNotTotal, Whole, 150}, {AdvanceAboveLimit, 0, 150}}},
		{"zero total: no limit", 0, []int64{0}, def, []Breach{{NotPositive, 0, 0}}},
		{"negative total: no limit", -100, []int64{100}, def, []Breach{{SumNotTotal, Whole, 100}}},
		{"overflow", maxI, []int64{maxI, 1, 1}, def, []Breach{{Overflow, Whole, 0}, {AdvanceAboveLimit, 0, maxI}}},
		{"overflow on a small total: the saturated sums named once", 1000, []int64{maxI, maxI}, def,
			[]Breach{{Overflow, Whole, 0}, {AdvanceAboveLimit, 0, maxI}}},
		{"the largest total at 30% and the rest", maxI, []int64{advance30, maxI - advance30}, def, nil},
		{"the largest total, one cent above 30%", maxI, []int64{advance30 + 1, maxI - advance30 - 1}, def,
			[]Breach{{AdvanceAboveLimit, 0, advance30 + 1}}},
		{"the largest total at 80% before the last", maxI, []int64{advance30, PercentOf(maxI, 80) - advance30, maxI - PercentOf(maxI, 80)}, def, nil},
		{"the largest total, one cent above 80%", maxI, []int64{advance30, PercentOf(maxI, 80) - advance30 + 1, maxI - PercentOf(maxI, 80) - 1}, def,
			[]Breach{{InterimAboveLimit, 1, PercentOf(maxI, 80) + 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckSchedule(tt.total, tt.tranches, tt.limits); !slices.Equal(got, tt.want) {
				t.Fatalf("CheckSchedule(%d, %v, %v) = %v, want %v", tt.total, tt.tranches, tt.limits, got, tt.want)
			}
		})
	}
}

// FuzzCheckSchedule compares CheckSchedule with the rules stated on unbounded integers, for any
// total, limits and up to four tranches (enough for an advance, interim tranches and a balance):
// a schedule has no breach exactly when its tranches are positive and sum to the total, the first
// is within the advance limit and all but the last within the interim limit; and each breach names
// a tranche of the schedule or the whole.
func FuzzCheckSchedule(f *testing.F) {
	f.Add(int64(100_000_00), int32(30), int32(80), uint8(3), int64(30_000_00), int64(50_000_00), int64(20_000_00), int64(0))
	f.Add(int64(100_000_00), int32(30), int32(80), uint8(3), int64(30_000_01), int64(49_999_99), int64(20_000_00), int64(0))
	f.Add(int64(100_000_00), int32(30), int32(80), uint8(4), int64(30_000_00), int64(25_000_00), int64(25_000_01), int64(19_999_99))
	f.Add(int64(math.MaxInt64), int32(100), int32(100), uint8(2), int64(math.MaxInt64), int64(1), int64(0), int64(0))
	f.Add(int64(1), int32(100), int32(-34), uint8(1), int64(1), int64(0), int64(0), int64(0))
	f.Add(int64(100), int32(60), int32(40), uint8(2), int64(50), int64(50), int64(0), int64(0))
	f.Add(int64(0), int32(30), int32(80), uint8(0), int64(0), int64(0), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, total int64, advance, interim int32, n uint8, a, b, c, d int64) {
		tranches := []int64{a, b, c, d}[:n%5]
		l := Limits{advance, interim}
		bs := CheckSchedule(total, tranches, l)
		if want := keepsTheRules(total, tranches, l); (len(bs) == 0) != want {
			t.Fatalf("CheckSchedule(%d, %v, %v) = %v, the rules say valid=%v", total, tranches, l, bs, want)
		}
		for _, x := range bs {
			if x.Tranche < Whole || x.Tranche >= len(tranches) {
				t.Fatalf("breach %+v names no tranche of %v", x, tranches)
			}
		}
	})
}

// keepsTheRules states the rules of DOMAIN.md on unbounded integers, where part ≤ p% of the
// total is simply 100·part ≤ p·total.
func keepsTheRules(total int64, tranches []int64, l Limits) bool {
	n := len(tranches)
	if n == 0 {
		return total == 0 // nothing to pay, nothing paid
	}
	if total <= 0 || slices.ContainsFunc(tranches, func(c int64) bool { return c <= 0 }) {
		return false
	}
	share := func(parts []int64) *big.Int {
		s := new(big.Int)
		for _, c := range parts {
			s.Add(s, big.NewInt(c))
		}
		return s.Mul(s, big.NewInt(100))
	}
	of := func(pct int32) *big.Int { return new(big.Int).Mul(big.NewInt(total), big.NewInt(int64(pct))) }
	if share(tranches).Cmp(of(100)) != 0 || share(tranches[:1]).Cmp(of(l.AdvanceMaxPercent)) > 0 {
		return false
	}
	// With a single tranche nothing comes before the last: no interim limit, not even a negative one.
	return n == 1 || share(tranches[:n-1]).Cmp(of(l.InterimMaxPercent)) <= 0
}
