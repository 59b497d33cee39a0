package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestDeclare(t *testing.T) {
	tests := []struct {
		name     string
		previous string
		reviewed bool
		conflict bool
		reason   string
		want     string
		wantErr  error
	}{
		{name: "first: no conflict", previous: Undeclared, want: Record},
		{name: "first: no conflict, a reason is fine", previous: Undeclared, reason: "checked the partners", want: Record},
		{name: "first: conflict", previous: Undeclared, conflict: true, reason: "I advised the applicant in 2025", want: Recuse},
		{name: "no conflict again", previous: NoConflict, want: Unchanged},
		{name: "no conflict again after the review", previous: NoConflict, reviewed: true, want: Unchanged},
		{name: "conflict found while reading", previous: NoConflict, conflict: true, reason: "a partner is my employer", want: Recuse},
		{name: "conflict after the review", previous: NoConflict, reviewed: true, conflict: true, reason: "late", wantErr: ErrReviewedAlready},
		{name: "anything after a conflict", previous: Conflict, wantErr: ErrRecusedAlready},
		{name: "conflict after a conflict", previous: Conflict, conflict: true, reason: "again", wantErr: ErrRecusedAlready},
		{name: "conflict without a reason", previous: Undeclared, conflict: true, reason: " \n", wantErr: Invalid{}},
		{name: "reason too long", previous: Undeclared, conflict: true, reason: strings.Repeat("x", 2001), wantErr: Invalid{}},
		{name: "reason at the limit", previous: Undeclared, conflict: true, reason: strings.Repeat("é", 2000), want: Recuse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Declare(tc.previous, tc.reviewed, tc.conflict, tc.reason)
			if tc.wantErr != nil {
				var bad Invalid
				if _, isInvalid := tc.wantErr.(Invalid); isInvalid {
					if !errors.As(err, &bad) || bad[0].Field != "reason" {
						t.Fatalf("err = %v, want Invalid on reason", err)
					}
					return
				}
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Declare = %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}

func FuzzDeclare(f *testing.F) {
	f.Add(0, false, true, "reason")
	f.Add(1, true, false, "")
	f.Fuzz(func(t *testing.T, prev int, reviewed, conflict bool, reason string) {
		previous := []string{Undeclared, NoConflict, Conflict}[uint(prev)%3]
		got, err := Declare(previous, reviewed, conflict, reason)
		if err != nil {
			return
		}
		// Never a déport after the scores, never anything after a déport, a conflict always with its reason.
		switch {
		case previous == Conflict:
			t.Fatalf("%q accepted after a conflict", got)
		case got == Recuse && (reviewed || strings.TrimSpace(reason) == ""):
			t.Fatalf("recused with reviewed=%v reason=%q", reviewed, reason)
		case conflict != (got == Recuse):
			t.Fatalf("conflict=%v gave %q", conflict, got)
		}
	})
}
