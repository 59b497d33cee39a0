package domain

import (
	"fmt"
	"math"
	"math/bits"
)

// The default ceilings of a grant's schedule (DOMAIN.md): the advance at most 30% of the grant, the
// advance and the interim tranches together at most 80% before the final report.
const (
	DefaultAdvanceMaxPercent = 30
	DefaultInterimMaxPercent = 80
)

// ScheduleLimits are a call's ceilings on what a grant pays before its final report, in percent of
// the grant: the advance (the first tranche, paid on signature) and the advance plus the interim
// tranches (every tranche but the last, which is the balance paid once the final report is accepted).
type ScheduleLimits struct {
	AdvanceMaxPercent int32 `json:"advanceMaxPercent"`
	InterimMaxPercent int32 `json:"interimMaxPercent"`
}

// DefaultScheduleLimits are the limits of a call that sets none.
var DefaultScheduleLimits = ScheduleLimits{AdvanceMaxPercent: DefaultAdvanceMaxPercent, InterimMaxPercent: DefaultInterimMaxPercent}

// ResolveScheduleLimits gives a zero percent its default and checks the limits: each from 1 to 100,
// and the advance no higher than advance plus interim, which would make no sense.
func ResolveScheduleLimits(advanceMaxPercent, interimMaxPercent int32) (ScheduleLimits, error) {
	l := ScheduleLimits{AdvanceMaxPercent: advanceMaxPercent, InterimMaxPercent: interimMaxPercent}
	if l.AdvanceMaxPercent == 0 {
		l.AdvanceMaxPercent = DefaultAdvanceMaxPercent
	}
	if l.InterimMaxPercent == 0 {
		l.InterimMaxPercent = DefaultInterimMaxPercent
	}
	var vs Violations
	if l.AdvanceMaxPercent < 0 || l.AdvanceMaxPercent > 100 {
		vs = append(vs, Violation{Field: "advanceMaxPercent", Description: "must be from 0 (the default, 30) to 100"})
	}
	if l.InterimMaxPercent < 0 || l.InterimMaxPercent > 100 {
		vs = append(vs, Violation{Field: "interimMaxPercent", Description: "must be from 0 (the default, 80) to 100"})
	}
	if len(vs) == 0 && l.AdvanceMaxPercent > l.InterimMaxPercent {
		vs = append(vs, Violation{Field: "advanceMaxPercent", Description: fmt.Sprintf(
			"the advance (%d%%) may not exceed what is paid before the final report (%d%%)", l.AdvanceMaxPercent, l.InterimMaxPercent)})
	}
	if len(vs) > 0 {
		return l, vs
	}
	return l, nil
}

// CheckSchedule checks a grant's tranche schedule against the call's limits: every tranche is
// positive and together they sum exactly to the amount, so that paying every tranche pays the grant,
// no more and no less; the advance (first tranche) is at most limits.AdvanceMaxPercent of the amount;
// the tranches before the balance (all but the last) are together at most limits.InterimMaxPercent.
// A schedule of one tranche is a balance alone: nothing is paid before the final report.
//
// The error is Violations naming the fields of a CommitGrantRequest: "amountCents", "tranches" for
// the schedule as a whole, "tranches[i].amountCents" for the tranche that breaks a limit.
func CheckSchedule(amountCents int64, trancheCents []int64, limits ScheduleLimits) error {
	var vs Violations
	if amountCents <= 0 {
		vs = append(vs, Violation{Field: "amountCents", Description: "must be positive"})
	}
	if len(trancheCents) == 0 {
		vs = append(vs, Violation{Field: "tranches", Description: "a grant needs at least one tranche"})
	}
	var sum int64
	overflow := false
	for i, c := range trancheCents {
		if c <= 0 {
			vs = append(vs, Violation{Field: fmt.Sprintf("tranches[%d].amountCents", i), Description: "must be positive"})
			continue
		}
		if sum > math.MaxInt64-c {
			overflow = true
			continue
		}
		sum += c
	}
	if overflow {
		vs = append(vs, Violation{Field: "tranches", Description: "the tranches overflow"})
	}
	if len(vs) > 0 {
		// The limits are shares of a positive amount between positive tranches; without those they
		// would only add noise.
		return vs
	}
	if sum != amountCents {
		vs = append(vs, Violation{Field: "tranches", Description: fmt.Sprintf("the tranches sum to %s EUR, not the amount of %s EUR",
			FormatEuros(sum), FormatEuros(amountCents))})
	}
	n := len(trancheCents)
	if n >= 2 {
		if maxAdvance := PercentOf(amountCents, limits.AdvanceMaxPercent); trancheCents[0] > maxAdvance {
			vs = append(vs, Violation{Field: "tranches[0].amountCents", Description: fmt.Sprintf(
				"the advance of %s EUR is above %d%% of the grant of %s EUR: at most %s EUR",
				FormatEuros(trancheCents[0]), limits.AdvanceMaxPercent, FormatEuros(amountCents), FormatEuros(maxAdvance))})
		}
		maxBefore := PercentOf(amountCents, limits.InterimMaxPercent)
		var before int64
		for i, c := range trancheCents[:n-1] {
			before += c
			if before <= maxBefore {
				continue
			}
			// The advance alone above this ceiling is above its own, lower one, reported above.
			if i > 0 {
				vs = append(vs, Violation{Field: fmt.Sprintf("tranches[%d].amountCents", i), Description: fmt.Sprintf(
					"with this tranche %s EUR would be paid before the final report, above %d%% of the grant of %s EUR: at most %s EUR",
					FormatEuros(before), limits.InterimMaxPercent, FormatEuros(amountCents), FormatEuros(maxBefore))})
			}
			break
		}
	}
	if len(vs) > 0 {
		return vs
	}
	return nil
}

// PercentOf returns percent% of cents, rounded down to the cent, computed on 128 bits so that no
// amount overflows (a value above the largest int64, only possible above 100%, is capped to it).
func PercentOf(cents int64, percent int32) int64 {
	if cents <= 0 || percent <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(cents), uint64(percent))
	if hi >= 100 {
		// Only above 100%: the true value does not fit in an int64.
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, 100)
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}
