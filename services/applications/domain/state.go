package domain

// State is an application's state (DOMAIN.md, "Application").
type State string

// The states.
const (
	Draft       State = "DRAFT"
	Submitted   State = "SUBMITTED"
	Eligible    State = "ELIGIBLE"
	Ineligible  State = "INELIGIBLE"
	UnderReview State = "UNDER_REVIEW"
	Selected    State = "SELECTED"
	Reserve     State = "RESERVE"
	Rejected    State = "REJECTED"
	Funded      State = "FUNDED"
	Completed   State = "COMPLETED"
	Withdrawn   State = "WITHDRAWN"
)

var transitions = map[State][]State{
	Draft:       {Submitted, Withdrawn},
	Submitted:   {Eligible, Ineligible, Withdrawn},
	Eligible:    {UnderReview, Withdrawn},
	UnderReview: {Selected, Reserve, Rejected, Withdrawn},
	Reserve:     {Selected, Withdrawn},
	Selected:    {Funded, Withdrawn},
	Funded:      {Completed, Withdrawn},
}

// CanTransition reports whether an application may go from one state to another.
func CanTransition(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Final reports whether no further transition leaves s.
func (s State) Final() bool { return len(transitions[s]) == 0 }
