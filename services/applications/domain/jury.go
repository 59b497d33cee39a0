package domain

import "fmt"

// JuryContact is a jury member's email for the call's notices (review reminders, escalation of
// missing reviews to the chair).
type JuryContact struct {
	Subject string `json:"subject"`
	Email   string `json:"email"`
}

// ValidateJuryContacts checks that each contact names the chair or one of the reviewers, and
// each member at most once, so that a notice can never go to someone outside the jury; and that
// the email is one public mail can reach, by the rule of the applicant's contact (ValidateEmail),
// since the workflow writes to it.
func ValidateJuryContacts(chair string, reviewers []string, contacts []JuryContact) []Violation {
	jury := map[string]bool{chair: true}
	for _, r := range reviewers {
		jury[r] = true
	}
	var v []Violation
	seen := map[string]bool{}
	for i, c := range contacts {
		field := fmt.Sprintf("call.juryContacts[%d].subject", i)
		switch {
		case !jury[c.Subject]:
			v = append(v, Violation{field, fmt.Sprintf("%q is neither the chair nor one of the reviewers", c.Subject)})
		case seen[c.Subject]:
			v = append(v, Violation{field, fmt.Sprintf("%q has more than one contact", c.Subject)})
		}
		seen[c.Subject] = true
		if err := ValidateEmail(c.Email); err != nil {
			v = append(v, Violation{fmt.Sprintf("call.juryContacts[%d].email", i), err.Error()})
		}
	}
	return v
}
