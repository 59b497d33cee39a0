package domain

import (
	"fmt"

	"github.com/guichet/guichet/platform/grant"
	"github.com/guichet/guichet/platform/money"
)

// ScheduleLimits are a call's ceilings on what a grant pays before its final report, in percent of
// the grant: the advance (the first tranche, paid on signature) and the advance plus the interim
// tranches (every tranche but the last, which is the balance paid once the final report is accepted).
// The JSON names are those of the audit log.
type ScheduleLimits struct {
	AdvanceMaxPercent int32 `json:"advanceMaxPercent"`
	InterimMaxPercent int32 `json:"interimMaxPercent"`
}

// DefaultScheduleLimits are the limits of a call that sets none (DOMAIN.md: 30% and 80%).
var DefaultScheduleLimits = ScheduleLimits(grant.ResolveLimits(0, 0))

// ResolveScheduleLimits gives a zero percent its default and checks the limits: each from 1 to 100,
// and the advance no higher than advance plus interim, which would make no sense.
func ResolveScheduleLimits(advanceMaxPercent, interimMaxPercent int32) (ScheduleLimits, error) {
	l := grant.ResolveLimits(advanceMaxPercent, interimMaxPercent)
	var vs Violations
	for _, p := range l.Problems() {
		switch p {
		case grant.AdvanceOutOfRange:
			vs = append(vs, Violation{Field: "advanceMaxPercent", Description: fmt.Sprintf(
				"must be from 0 (the default, %d) to 100", grant.DefaultAdvanceMaxPercent)})
		case grant.InterimOutOfRange:
			vs = append(vs, Violation{Field: "interimMaxPercent", Description: fmt.Sprintf(
				"must be from 0 (the default, %d) to 100", grant.DefaultInterimMaxPercent)})
		case grant.AdvanceAboveInterim:
			vs = append(vs, Violation{Field: "advanceMaxPercent", Description: fmt.Sprintf(
				"the advance (%d%%) may not exceed what is paid before the final report (%d%%)", l.AdvanceMaxPercent, l.InterimMaxPercent)})
		}
	}
	if len(vs) > 0 {
		return ScheduleLimits(l), vs
	}
	return ScheduleLimits(l), nil
}

// CheckSchedule checks a grant's tranche schedule against the call's limits: every tranche is
// positive and together they sum exactly to the amount, so that paying every tranche pays the grant,
// no more and no less; the advance (first tranche) is at most limits.AdvanceMaxPercent of the amount;
// the tranches before the balance (all but the last) are together at most limits.InterimMaxPercent.
// The first tranche is the advance even when it is the only one: a single tranche pays the whole
// grant on signature, without any report, which only a call with a 100% advance limit allows (the
// same reading as the applications service).
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
	breaches := grant.CheckSchedule(amountCents, trancheCents, grant.Limits(limits))
	for _, b := range breaches {
		switch b.Rule {
		case grant.NotPositive:
			vs = append(vs, Violation{Field: fmt.Sprintf("tranches[%d].amountCents", b.Tranche), Description: "must be positive"})
		case grant.Overflow:
			vs = append(vs, Violation{Field: "tranches", Description: "the tranches overflow"})
		}
	}
	if len(vs) > 0 {
		// The limits are shares of a positive amount between positive tranches; without those they
		// would only add noise.
		return vs
	}
	for _, b := range breaches {
		switch {
		case b.Rule == grant.SumNotTotal:
			vs = append(vs, Violation{Field: "tranches", Description: fmt.Sprintf("the tranches sum to %s EUR, not the amount of %s EUR",
				money.Decimal(b.Cents), money.Decimal(amountCents))})
		case b.Rule == grant.AdvanceAboveLimit:
			vs = append(vs, Violation{Field: "tranches[0].amountCents", Description: fmt.Sprintf(
				"the advance of %s EUR is above %d%% of the grant of %s EUR: at most %s EUR",
				money.Decimal(b.Cents), limits.AdvanceMaxPercent, money.Decimal(amountCents), money.Decimal(grant.PercentOf(amountCents, limits.AdvanceMaxPercent)))})
		case b.Rule == grant.InterimAboveLimit:
			vs = append(vs, Violation{Field: fmt.Sprintf("tranches[%d].amountCents", b.Tranche), Description: fmt.Sprintf(
				"with this tranche %s EUR would be paid before the final report, above %d%% of the grant of %s EUR: at most %s EUR",
				money.Decimal(b.Cents), limits.InterimMaxPercent, money.Decimal(amountCents), money.Decimal(grant.PercentOf(amountCents, limits.InterimMaxPercent)))})
		}
	}
	if len(vs) > 0 {
		return vs
	}
	return nil
}
