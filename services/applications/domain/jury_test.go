package domain

import (
	"reflect"
	"testing"
)

func TestValidateJuryContacts(t *testing.T) {
	reviewers := []string{"r1", "r2", "r3"}
	for _, tc := range []struct {
		name     string
		contacts []JuryContact
		want     []Violation
	}{
		{"none", nil, nil},
		{"chair and reviewers", []JuryContact{{"chair", "c@x.org"}, {"r2", "r2@x.org"}}, nil},
		{"outsider", []JuryContact{{"r1", "r1@x.org"}, {"someone", "s@x.org"}},
			[]Violation{{"call.juryContacts[1].subject", `"someone" is neither the chair nor one of the reviewers`}}},
		{"twice", []JuryContact{{"r1", "a@x.org"}, {"r1", "b@x.org"}},
			[]Violation{{"call.juryContacts[1].subject", `"r1" has more than one contact`}}},
		{"email without a public domain", []JuryContact{{"r1", "r1@localhost"}},
			[]Violation{{"call.juryContacts[0].email", "must be an email address whose domain has a dot, such as name@example.org"}}},
		{"empty subject", []JuryContact{{"", "a@x.org"}},
			[]Violation{{"call.juryContacts[0].subject", `"" is neither the chair nor one of the reviewers`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidateJuryContacts("chair", reviewers, tc.contacts); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzValidateJuryContacts: a contact is accepted exactly when it names a member not named
// before.
func FuzzValidateJuryContacts(f *testing.F) {
	f.Add("r1", "r1", "chair")
	f.Add("x", "", "r3")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		subjects := []string{a, b, c}
		var contacts []JuryContact
		for _, s := range subjects {
			contacts = append(contacts, JuryContact{Subject: s, Email: "m@x.org"})
		}
		v := ValidateJuryContacts("chair", []string{"r1", "r2", "r3"}, contacts)
		want := 0
		seen := map[string]bool{}
		for _, s := range subjects {
			if !(s == "chair" || s == "r1" || s == "r2" || s == "r3") || seen[s] {
				want++
			}
			seen[s] = true
		}
		if len(v) != want {
			t.Fatalf("%q: %d violations, want %d: %v", subjects, len(v), want, v)
		}
	})
}
