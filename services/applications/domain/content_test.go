package domain

import (
	"strings"
	"testing"
	"time"
)

func complete() Content {
	return Content{
		Title: "Bankruptcy risk from tax data", Summary: "Predict", LegalName: "DINUM", Siret: "13002526500013",
		ContactName: "Alice", ContactEmail: "alice@example.org",
		Datasets:           []string{"5b7ffc618b4c4169d30727e0", "https://www.data.gouv.fr/fr/datasets/base-sirene/"},
		ProjectBudgetCents: 100_000_000, RequestedAmountCents: 50_000_000,
		// Advance 30%, interim 50% (80% in all), balance 20%.
		Milestones: []Milestone{{"Start", "2027-01-15", 15_000_000}, {"Pilot", "2027-06-30", 25_000_000}, {"Final", "2027-12-31", 10_000_000}},
		IBAN:       "FR7630006000011234567890189", AccountHolder: "DINUM",
	}
}

// terms are a call closing on 15 December 2026 at noon in Paris, with the default schedule limits.
var terms = Terms{FloorCents: 10_000_000, CeilingCents: 100_000_000, MaxRatePercent: 50,
	OpensAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), ClosesAt: time.Date(2026, 12, 15, 11, 0, 0, 0, time.UTC)}

func TestValidateComplete(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Content)
		field  string
	}{
		{"complete", func(*Content) {}, ""},
		{"no title", func(c *Content) { c.Title = "" }, "application.title"},
		{"bad siret", func(c *Content) { c.Siret = "12345678901234" }, "application.applicant.siret"},
		{"bad iban", func(c *Content) { c.IBAN = "FR7630006000011234567890188" }, "application.bankAccount.iban"},
		{"below floor", func(c *Content) { c.RequestedAmountCents = 1; c.Milestones = []Milestone{{"a", "2027-01-01", 1}} }, "application.requestedAmountCents"},
		{"above ceiling", func(c *Content) {
			c.ProjectBudgetCents = 1_000_000_000
			c.RequestedAmountCents = 200_000_000
			c.Milestones = []Milestone{{"a", "2027-01-01", 200_000_000}}
		}, "application.requestedAmountCents"},
		{"above rate", func(c *Content) { c.ProjectBudgetCents = 99_999_999 }, "application.requestedAmountCents"},
		{"tranches do not sum", func(c *Content) { c.Milestones[1].TrancheAmountCents-- }, "application.milestones"},
		{"bad date", func(c *Content) { c.Milestones[0].DueDate = "2027-13-01" }, "application.milestones[0].dueDate"},
		{"no datasets", func(c *Content) { c.Datasets = nil }, "application.datasets"},
		{"bad dataset", func(c *Content) { c.Datasets[1] = "base-sirene" }, "application.datasets[1]"},
		{"bad email", func(c *Content) { c.ContactEmail = "alice" }, "application.contact.email"},
		{"no email", func(c *Content) { c.ContactEmail = "" }, "application.contact.email"},
		{"bad rna", func(c *Content) { c.RNA = "W12" }, "application.applicant.rna"},
		{"rna optional", func(c *Content) { c.RNA = "" }, ""},
		{"good rna", func(c *Content) { c.RNA = "W751234567" }, ""},
		{"no milestone", func(c *Content) { c.Milestones = nil }, "application.milestones"},
		{"advance too large", func(c *Content) {
			c.Milestones[0].TrancheAmountCents++
			c.Milestones[1].TrancheAmountCents--
		}, "application.milestones[0].trancheAmountCents"},
		{"balance too small", func(c *Content) {
			c.Milestones[2].TrancheAmountCents--
			c.Milestones[1].TrancheAmountCents++
		}, "application.milestones[2].trancheAmountCents"},
		{"dates not increasing", func(c *Content) { c.Milestones[1].DueDate = "2027-01-15" }, "application.milestones[1].dueDate"},
		{"due before the close", func(c *Content) { c.Milestones[0].DueDate = "2026-12-15" }, "application.milestones[0].dueDate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := complete()
			tt.change(&c)
			v := ValidateComplete(c, terms)
			if tt.field == "" {
				if len(v) != 0 {
					t.Fatalf("violations: %v", v)
				}
				return
			}
			for _, got := range v {
				if got.Field == tt.field {
					return
				}
			}
			t.Fatalf("no violation on %s: %v", tt.field, v)
		})
	}
}

func TestSHA256IsStableAndSensitive(t *testing.T) {
	a, b := complete(), complete()
	if a.SHA256() != b.SHA256() || len(a.SHA256()) != 64 {
		t.Fatalf("hash not stable: %s %s", a.SHA256(), b.SHA256())
	}
	b.Summary += "."
	if a.SHA256() == b.SHA256() {
		t.Fatal("hash ignores the summary")
	}
}

func TestCheckWindow(t *testing.T) {
	closes := time.Date(2026, 12, 15, 11, 0, 0, 0, time.UTC) // 12:00 in Paris
	w := Terms{OpensAt: closes.Add(-30 * 24 * time.Hour), ClosesAt: closes}
	tests := []struct {
		now  time.Time
		ok   bool
		text string
	}{
		{closes.Add(-time.Second), true, ""},
		{closes, false, "closed at 2026-12-15 12:00:00 CET"},
		{closes.Add(time.Second), false, "closed"},
		{w.OpensAt.Add(-time.Second), false, "opens at"},
	}
	for _, tt := range tests {
		err := CheckWindow(tt.now, w)
		if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), tt.text)) {
			t.Errorf("CheckWindow(%v) = %v", tt.now, err)
		}
	}
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		from, to State
		ok       bool
	}{
		{Draft, Submitted, true},
		{Submitted, Eligible, true},
		{Submitted, Selected, false},
		{Eligible, UnderReview, true},
		{UnderReview, Selected, true},
		{Reserve, Selected, true},
		{Selected, Funded, true},
		{Funded, Completed, true},
		{Completed, Withdrawn, false},
		{Withdrawn, Draft, false},
		{Rejected, Selected, false},
	}
	for _, tt := range tests {
		if got := CanTransition(tt.from, tt.to); got != tt.ok {
			t.Errorf("CanTransition(%s, %s) = %v", tt.from, tt.to, got)
		}
	}
}
