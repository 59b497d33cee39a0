package grant

// The default limits of a call that sets none (DOMAIN.md, "Funding and payments").
const (
	DefaultAdvanceMaxPercent int32 = 30
	DefaultInterimMaxPercent int32 = 80
)

// Limits are a call's ceilings on what a grant pays before its final report, in percent of the
// grant: the advance (the first tranche) and the advance plus the interim tranches (every tranche
// but the last, the balance).
type Limits struct {
	AdvanceMaxPercent int32
	InterimMaxPercent int32
}

// ResolveLimits returns a call's limits, the defaults standing in for 0 (a call that sets none).
// It does not check them: see Limits.Problems.
func ResolveLimits(advanceMaxPercent, interimMaxPercent int32) Limits {
	if advanceMaxPercent == 0 {
		advanceMaxPercent = DefaultAdvanceMaxPercent
	}
	if interimMaxPercent == 0 {
		interimMaxPercent = DefaultInterimMaxPercent
	}
	return Limits{AdvanceMaxPercent: advanceMaxPercent, InterimMaxPercent: interimMaxPercent}
}

// LimitProblem is what is wrong with a call's limits.
type LimitProblem int

const (
	// AdvanceOutOfRange: the advance limit is not from 1 to 100.
	AdvanceOutOfRange LimitProblem = iota + 1
	// InterimOutOfRange: the interim limit is not from 1 to 100.
	InterimOutOfRange
	// AdvanceAboveInterim: the advance limit is above the interim limit, although the advance is
	// one of the tranches the interim limit counts.
	AdvanceAboveInterim
)

// Problems returns what is wrong with the limits (once resolved), in this order: the advance out
// of range, the interim out of range, and only when both are in range the advance above the
// interim limit. None when the limits are sound.
func (l Limits) Problems() []LimitProblem {
	var ps []LimitProblem
	if l.AdvanceMaxPercent < 1 || l.AdvanceMaxPercent > 100 {
		ps = append(ps, AdvanceOutOfRange)
	}
	if l.InterimMaxPercent < 1 || l.InterimMaxPercent > 100 {
		ps = append(ps, InterimOutOfRange)
	}
	if len(ps) == 0 && l.AdvanceMaxPercent > l.InterimMaxPercent {
		ps = append(ps, AdvanceAboveInterim)
	}
	return ps
}
