package grant

import (
	"math"
	"math/bits"
)

// AtMostPercent reports whether part is at most pct% of whole: part·100 ≤ pct·whole, computed
// exactly on 128 bits, so that no amount, however large, overflows, and nothing is rounded.
func AtMostPercent(part, whole int64, pct int32) bool {
	return cmpPercent(part, whole, pct) <= 0
}

// AtLeastPercent reports whether part is at least pct% of whole: part·100 ≥ pct·whole, exactly.
func AtLeastPercent(part, whole int64, pct int32) bool {
	return cmpPercent(part, whole, pct) >= 0
}

// PercentOf returns pct% of cents rounded down to the cent (the largest amount that AtMostPercent
// accepts), for messages; 0 for a non-positive amount or percent, and the largest int64 where
// the true value (only above 100%) does not fit.
func PercentOf(cents int64, pct int32) int64 {
	if cents <= 0 || pct <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(cents), uint64(pct))
	if hi >= 100 { // the quotient would not fit in 64 bits
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, 100)
	return int64(min(q, math.MaxInt64))
}

// cmpPercent compares part·100 with pct·whole: -1, 0 or +1. Any signs are allowed.
func cmpPercent(part, whole int64, pct int32) int {
	return mul(part, 100).cmp(mul(whole, int64(pct)))
}

// product is a 128-bit signed product as a sign and a magnitude.
type product struct {
	negative bool
	hi, lo   uint64
}

func mul(a, b int64) product {
	hi, lo := bits.Mul64(abs(a), abs(b))
	return product{negative: (a < 0) != (b < 0) && (hi|lo) != 0, hi: hi, lo: lo}
}

// abs is |a| as a uint64, right for the smallest int64 too (its negation wraps to itself, whose
// bits read unsigned are 2⁶³).
func abs(a int64) uint64 {
	if a < 0 {
		return uint64(-a)
	}
	return uint64(a)
}

func (p product) cmp(q product) int {
	switch {
	case p.negative != q.negative:
		if p.negative {
			return -1
		}
		return 1
	case p.negative:
		return cmpMagnitude(q, p) // the larger magnitude is the smaller negative number
	}
	return cmpMagnitude(p, q)
}

func cmpMagnitude(p, q product) int {
	switch {
	case p.hi != q.hi:
		if p.hi < q.hi {
			return -1
		}
		return 1
	case p.lo < q.lo:
		return -1
	case p.lo > q.lo:
		return 1
	}
	return 0
}
