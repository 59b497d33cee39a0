package domain

import (
	"fmt"
	"time"

	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/grant"
	"github.com/guichet/guichet/platform/money"
)

// ScheduleLimits returns a call's advance and interim limits, the defaults of DOMAIN.md (30% and
// 80%) standing in for 0 (a call created without them).
func ScheduleLimits(advance, interim int32) (int32, int32) {
	l := grant.ResolveLimits(advance, interim)
	return l.AdvanceMaxPercent, l.InterimMaxPercent
}

// ValidateScheduleLimits checks a call's limits once the defaults are applied: each within
// 1..100, and the advance, being one of the tranches paid before the balance, not above the interim limit.
func ValidateScheduleLimits(advance, interim int32) []Violation {
	var v []Violation
	for _, p := range (grant.Limits{AdvanceMaxPercent: advance, InterimMaxPercent: interim}).Problems() {
		switch p {
		case grant.AdvanceOutOfRange:
			v = append(v, Violation{"call.advanceMaxPercent", "must be between 1 and 100"})
		case grant.InterimOutOfRange:
			v = append(v, Violation{"call.interimMaxPercent", "must be between 1 and 100"})
		case grant.AdvanceAboveInterim:
			v = append(v, Violation{"call.advanceMaxPercent", fmt.Sprintf("must not exceed interimMaxPercent (%d)", interim)})
		}
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
		closing = t.ClosesAt.In(clock.Paris).Format(time.DateOnly)
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

	// Amounts, the advance and the interim tranches: the rules payments applies too (a single
	// milestone is read here as an advance).
	requested := c.RequestedAmountCents
	advanceMax, interimMax := ScheduleLimits(t.AdvanceMaxPercent, t.InterimMaxPercent)
	advanceMax, interimMax = clampPercent(advanceMax), clampPercent(interimMax)
	amounts := make([]int64, len(ms))
	for i, m := range ms {
		amounts[i] = m.TrancheAmountCents
	}
	for _, b := range grant.CheckSchedule(requested, amounts, grant.Limits{AdvanceMaxPercent: advanceMax, InterimMaxPercent: interimMax}) {
		switch b.Rule {
		case grant.NotPositive:
			v = append(v, Violation{field(b.Tranche, "trancheAmountCents"), "must be positive"})
		case grant.Overflow:
			v = append(v, Violation{"application.milestones", "tranche amounts are too large to add up"})
		case grant.SumNotTotal:
			v = append(v, Violation{"application.milestones", fmt.Sprintf("tranche amounts sum to %s, not the requested %s", money.Euros(b.Cents), money.Euros(requested))})
		case grant.AdvanceAboveLimit:
			v = append(v, Violation{field(0, "trancheAmountCents"), fmt.Sprintf(
				"the first tranche is the advance: at most %d%% of the requested amount (%s), not %s", advanceMax, money.Euros(grant.PercentOf(requested, advanceMax)), money.Euros(b.Cents))})
		case grant.InterimAboveLimit:
			v = append(v, Violation{field(b.Tranche, "trancheAmountCents"), fmt.Sprintf(
				"the advance and interim tranches (all but the last) must together be at most %d%% of the requested amount (%s); up to this one they are %s",
				interimMax, money.Euros(grant.PercentOf(requested, interimMax)), money.Euros(b.Cents))})
		}
	}
	if requested <= 0 {
		return v // the requested amount's own rules name it
	}
	// The balance: only the applications service names it, so that an applicant sees which
	// milestone to lower and which to raise.
	last := len(ms) - 1
	if b := ms[last].TrancheAmountCents; b > 0 && !grant.AtLeastPercent(b, requested, 100-interimMax) {
		v = append(v, Violation{field(last, "trancheAmountCents"), fmt.Sprintf(
			"the last tranche is the balance, paid after the final report: at least %d%% of the requested amount (%s), not %s",
			100-interimMax, money.Euros(grant.PercentOf(requested, 100-interimMax)), money.Euros(b))})
	}
	return v
}

// clampPercent keeps a limit within 0..100, so that a call's broken limit cannot turn the rules
// and their messages into nonsense (ValidateScheduleLimits refuses such calls).
func clampPercent(p int32) int32 {
	return min(max(p, 0), 100)
}
