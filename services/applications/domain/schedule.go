package domain

import (
	"fmt"
	"math"
	"math/bits"
	"time"
)

// The default limits of a tranche schedule (DOMAIN.md, "Funding and payments"): the advance is at
// most 30% of the grant, the advance and the interim tranches together at most 80%, so the balance,
// paid after the final report, is at least 20%.
const (
	DefaultAdvanceMaxPercent int32 = 30
	DefaultInterimMaxPercent int32 = 80
)

// ScheduleLimits returns a call's advance and interim limits, the defaults standing in for 0 (a
// call created without them).
func ScheduleLimits(advance, interim int32) (int32, int32) {
	if advance == 0 {
		advance = DefaultAdvanceMaxPercent
	}
	if interim == 0 {
		interim = DefaultInterimMaxPercent
	}
	return advance, interim
}

// ValidateScheduleLimits checks a call's limits once the defaults are applied: each within
// 1..100, and the advance, being one of the tranches paid before the balance, not above the interim limit.
func ValidateScheduleLimits(advance, interim int32) []Violation {
	var v []Violation
	if advance < 1 || advance > 100 {
		v = append(v, Violation{"call.advanceMaxPercent", "must be between 1 and 100"})
	}
	if interim < 1 || interim > 100 {
		v = append(v, Violation{"call.interimMaxPercent", "must be between 1 and 100"})
	}
	if len(v) == 0 && advance > interim {
		v = append(v, Violation{"call.advanceMaxPercent", fmt.Sprintf("must not exceed interimMaxPercent (%d)", interim)})
	}
	return v
}

// ValidateSchedule checks the milestones against the requested amount and the call: at least one
// milestone; positive tranches summing to the requested amount; the first tranche (the advance)
// at most AdvanceMaxPercent of it; the tranches before the last (advance and interim) together at
// most InterimMaxPercent; the last (the balance) at least the rest; due dates strictly increasing
// and after the day the call closes (Europe/Paris).
func ValidateSchedule(c Content, t Terms) []Violation {
	ms := c.Milestones
	if len(ms) == 0 {
		return []Violation{{"application.milestones", "needs at least one milestone"}}
	}
	var v []Violation
	field := func(i int, name string) string { return fmt.Sprintf("application.milestones[%d].%s", i, name) }

	// Dates: each parsable, strictly after the previous one and after the closing day.
	closing := ""
	if !t.ClosesAt.IsZero() {
		closing = t.ClosesAt.In(paris).Format(time.DateOnly)
	}
	previous := ""
	for i, m := range ms {
		if _, err := time.Parse(time.DateOnly, m.DueDate); err != nil {
			previous = ""
			continue // ValidateFormats names it
		}
		switch {
		case closing != "" && m.DueDate <= closing:
			v = append(v, Violation{field(i, "dueDate"), fmt.Sprintf("must be after the day the call closes (%s)", closing)})
		case previous != "" && m.DueDate <= previous:
			v = append(v, Violation{field(i, "dueDate"), fmt.Sprintf("must be after the previous milestone's due date (%s)", previous)})
		}
		previous = m.DueDate // ISO dates compare as strings
	}

	// Amounts. Sums saturate instead of overflowing, and an overflowing total is refused.
	var sum int64
	overflow := false
	for i, m := range ms {
		if m.TrancheAmountCents <= 0 {
			v = append(v, Violation{field(i, "trancheAmountCents"), "must be positive"})
			continue
		}
		overflow = overflow || sum > math.MaxInt64-m.TrancheAmountCents
		sum = addSaturating(sum, m.TrancheAmountCents)
	}
	if overflow {
		v = append(v, Violation{"application.milestones", "tranche amounts are too large to add up"})
	} else if sum != c.RequestedAmountCents {
		v = append(v, Violation{"application.milestones", fmt.Sprintf("tranche amounts sum to %s, not the requested %s", Euros(sum), Euros(c.RequestedAmountCents))})
	}
	requested := c.RequestedAmountCents
	if requested <= 0 {
		return v // the requested amount's own rules name it
	}
	advanceMax, interimMax := ScheduleLimits(t.AdvanceMaxPercent, t.InterimMaxPercent)
	advanceMax, interimMax = clampPercent(advanceMax), clampPercent(interimMax)
	last := len(ms) - 1
	advanceTooLarge := ms[0].TrancheAmountCents > 0 && !atMostPercent(ms[0].TrancheAmountCents, requested, advanceMax)
	if a := ms[0].TrancheAmountCents; advanceTooLarge {
		v = append(v, Violation{field(0, "trancheAmountCents"), fmt.Sprintf(
			"the first tranche is the advance: at most %d%% of the requested amount (%s), not %s", advanceMax, Euros(percentOf(requested, advanceMax)), Euros(a))})
	}
	var before int64
	for i := range last {
		if ms[i].TrancheAmountCents > 0 {
			before = addSaturating(before, ms[i].TrancheAmountCents)
		}
		if !atMostPercent(before, requested, interimMax) {
			if i == 0 && advanceTooLarge {
				break // already said of the advance
			}
			v = append(v, Violation{field(i, "trancheAmountCents"), fmt.Sprintf(
				"the advance and interim tranches (all but the last) must together be at most %d%% of the requested amount (%s); up to this one they are %s",
				interimMax, Euros(percentOf(requested, interimMax)), Euros(before))})
			break
		}
	}
	if b := ms[last].TrancheAmountCents; b > 0 && !atLeastPercent(b, requested, 100-interimMax) {
		v = append(v, Violation{field(last, "trancheAmountCents"), fmt.Sprintf(
			"the last tranche is the balance, paid after the final report: at least %d%% of the requested amount (%s), not %s",
			100-interimMax, Euros(percentOf(requested, 100-interimMax)), Euros(b))})
	}
	return v
}

// clampPercent keeps a limit within 0..100, so that a call's broken limit cannot turn the
// arithmetic below into nonsense (ValidateScheduleLimits refuses such calls).
func clampPercent(p int32) int32 {
	return min(max(p, 0), 100)
}

// addSaturating adds two non-negative amounts, stopping at the largest int64.
func addSaturating(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// atMostPercent reports part*100 <= pct*whole exactly (128-bit products; part, whole >= 0, pct in 0..100).
func atMostPercent(part, whole int64, pct int32) bool {
	return cmp128(uint64(part), 100, uint64(whole), uint64(pct)) <= 0
}

// atLeastPercent reports part*100 >= pct*whole exactly.
func atLeastPercent(part, whole int64, pct int32) bool {
	return cmp128(uint64(part), 100, uint64(whole), uint64(pct)) >= 0
}

// cmp128 compares a*b with c*d without overflow.
func cmp128(a, b, c, d uint64) int {
	h1, l1 := bits.Mul64(a, b)
	h2, l2 := bits.Mul64(c, d)
	switch {
	case h1 != h2:
		if h1 < h2 {
			return -1
		}
		return 1
	case l1 < l2:
		return -1
	case l1 > l2:
		return 1
	}
	return 0
}

// percentOf is pct% of whole, rounded down, for messages.
func percentOf(whole int64, pct int32) int64 {
	hi, lo := bits.Mul64(uint64(whole), uint64(pct))
	q, _ := bits.Div64(hi, lo, 100)
	return int64(q)
}
