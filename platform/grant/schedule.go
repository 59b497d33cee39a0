package grant

import "math"

// Rule is a rule of a tranche schedule.
type Rule int

const (
	// NotPositive: the tranche is zero or negative.
	NotPositive Rule = iota + 1
	// Overflow: the positive tranches add up beyond the largest int64 (the schedule as a whole).
	Overflow
	// SumNotTotal: the positive tranches do not sum to the total (the schedule as a whole).
	SumNotTotal
	// AdvanceAboveLimit: the first tranche, the advance, is above the advance limit.
	AdvanceAboveLimit
	// InterimAboveLimit: the tranches up to this one, all before the last, are together above the
	// interim limit.
	InterimAboveLimit
)

// Whole is the Tranche of a Breach of the schedule as a whole.
const Whole = -1

// Breach is a rule a schedule breaks.
type Breach struct {
	Rule Rule
	// Tranche is the index of the offending tranche, or Whole.
	Tranche int
	// Cents is the amount the rule is about: the tranche (NotPositive, AdvanceAboveLimit), the
	// sum of the tranches (SumNotTotal), the sum of the tranches up to this one
	// (InterimAboveLimit); 0 for Overflow.
	Cents int64
}

// CheckSchedule checks tranches against a total and the limits, and returns every breach in this
// order: each non-positive tranche; the overflow or else the wrong sum of the positive tranches;
// then, only for a positive total (the limits are shares of it), the advance above its limit and
// the first tranche before the last where the running sum crosses the interim limit. Such a
// crossing at the advance itself, already named, is not named again.
//
// The first tranche is the advance even when it is the only one, and every service reads it so: a
// single tranche pays the whole total on signature. The limits are used as they are: resolve and
// check them first (ResolveLimits, Limits.Problems).
func CheckSchedule(total int64, tranches []int64, l Limits) []Breach {
	var bs []Breach
	var sum int64
	overflow := false
	for i, c := range tranches {
		if c <= 0 {
			bs = append(bs, Breach{Rule: NotPositive, Tranche: i, Cents: c})
			continue
		}
		overflow = overflow || sum > math.MaxInt64-c
		sum = addSaturating(sum, c)
	}
	switch {
	case overflow:
		bs = append(bs, Breach{Rule: Overflow, Tranche: Whole})
	case sum != total:
		bs = append(bs, Breach{Rule: SumNotTotal, Tranche: Whole, Cents: sum})
	}
	if total <= 0 || len(tranches) == 0 {
		return bs
	}
	advance := tranches[0]
	advanceAbove := advance > 0 && !AtMostPercent(advance, total, l.AdvanceMaxPercent)
	if advanceAbove {
		bs = append(bs, Breach{Rule: AdvanceAboveLimit, Tranche: 0, Cents: advance})
	}
	var before int64
	for i, c := range tranches[:len(tranches)-1] {
		if c > 0 {
			before = addSaturating(before, c)
		}
		if AtMostPercent(before, total, l.InterimMaxPercent) {
			continue
		}
		if i > 0 || !advanceAbove {
			bs = append(bs, Breach{Rule: InterimAboveLimit, Tranche: i, Cents: before})
		}
		break
	}
	return bs
}

// addSaturating adds two non-negative amounts, stopping at the largest int64.
func addSaturating(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
