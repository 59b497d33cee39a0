package mail

import (
	"net/mail"
	"strings"
	"testing"
)

func decisionFixture() Decision {
	return Decision{
		To: &mail.Address{Name: "Alice Martin", Address: "alice@example.org"}, Application: "calls/c1/applications/a1",
		Title: "Risque de défaillance", CallTitle: "Données publiques 2026", Decision: DecisionReserve, Rank: 3, ReservePosition: 2,
		Reason: "reserve list position 2: above the thresholds", Total: 11.5, OverallThreshold: 10,
		Criteria: []DecisionCriterion{
			{ID: "impact", Title: "Public value and impact", Weight: 1, Threshold: 3, Score: 4.333333333333333, Reached: true,
				Reviewers: []DecisionScore{{"Reviewer A", 4.5}, {"Reviewer B", 4}, {"Reviewer C", 4.5}}},
			{ID: "data", Weight: 2, Threshold: 3, Score: 2.5,
				Reviewers: []DecisionScore{{"Reviewer A", 2}, {"Reviewer B", 3}, {"Reviewer C", 2.5}}},
		},
		Reviewers: []DecisionReviewer{{"Reviewer A", "Solid <b>use</b> of public data.", 11}, {"Reviewer B", "Thin budget.", 10}, {"Reviewer C", "Good.", 12}},
	}
}

func TestDecisionInBothLanguages(t *testing.T) {
	from := &mail.Address{Name: "guichet", Address: "noreply@guichet.localhost"}
	d := decisionFixture()
	m, err := d.Message(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Bonjour Alice Martin,", "liste complémentaire, en position 2", "Rang au classement : 3", "Motif : reserve list position 2",
		"Public value and impact (impact) : note retenue 4,33, seuil 3, coefficient 1",
		"data : note retenue 2,5, seuil 3, coefficient 2 — SEUIL NON ATTEINT", "Reviewer A : 4,5 ; Reviewer B : 4 ; Reviewer C : 4,5",
		"Total pondéré : 11,5 (seuil 10)", "la moyenne des évaluateurs", "Reviewer B (total 10) : Thin budget.",
		"Hello Alice Martin,", "list, in position 2. If a laureate withdraws", "final score 4.33, threshold 3, weight 1",
		"— BELOW THRESHOLD", "Reviewer A: 2; Reviewer B: 3; Reviewer C: 2.5", "Weighted total: 11.5 (threshold 10)",
		"GET /v1/calls/c1/applications/a1/feedback",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "consensus") {
		t.Errorf("a decision without consensus mentions one:\n%s", m.Text)
	}
	if strings.Index(m.Text, "Bonjour") > strings.Index(m.Text, "Hello") {
		t.Error("the text is not French first")
	}
	if m.Subject != "Décision du jury : Risque de défaillance / Jury decision: Risque de défaillance" {
		t.Errorf("subject %q", m.Subject)
	}
	if m.ID != DerivedID(from, "decision", d.Application, "reserve") || len(m.To) != 1 || m.To[0].Address != "alice@example.org" {
		t.Errorf("id %q, to %v", m.ID, m.To)
	}
	// The HTML escapes what reviewers wrote.
	if !strings.Contains(m.HTML, "Solid &lt;b&gt;use&lt;/b&gt;") || strings.Contains(m.HTML, "<b>use") || !strings.Contains(m.HTML, `<div lang="en">`) ||
		!strings.Contains(m.HTML, "<td>4,33</td>") || !strings.Contains(m.HTML, "<td>4.33</td>") {
		t.Errorf("html:\n%s", m.HTML)
	}

	// The promotion of the same application is another message, saying what happened.
	d.Decision, d.Promoted, d.ReservePosition, d.ConsensusComment = DecisionSelected, true, 0, "The jury agreed on the middle ground."
	promoted, err := d.Message(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Un lauréat s'étant retiré", "A laureate withdrew", "POST /v1/calls/c1/applications/a1:signAgreement",
		"Commentaire du consensus : The jury agreed on the middle ground.", "Consensus comment: The jury agreed on the middle ground.", "the jury's consensus"} {
		if !strings.Contains(promoted.Text, want) {
			t.Errorf("promotion text lacks %q:\n%s", want, promoted.Text)
		}
	}
	if promoted.ID == m.ID {
		t.Error("the promotion reuses the reserve notification's Message-ID")
	}

	d.Decision, d.Promoted = DecisionRejected, false
	rejected, err := d.Message(from)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rejected.Text, "Le jury n'a pas retenu votre projet.") || !strings.Contains(rejected.Text, "The jury did not select your project.") {
		t.Errorf("rejection text:\n%s", rejected.Text)
	}
}

func TestDecisionRefusesIncompleteNotices(t *testing.T) {
	from := &mail.Address{Address: "noreply@guichet.localhost"}
	for name, change := range map[string]func(*Decision){
		"no recipient":   func(d *Decision) { d.To = nil },
		"empty address":  func(d *Decision) { d.To = &mail.Address{Name: "Alice"} },
		"other decision": func(d *Decision) { d.Decision = "WITHDRAWN" },
		"no scores":      func(d *Decision) { d.Criteria = nil },
	} {
		d := decisionFixture()
		change(&d)
		if _, err := d.Message(from); err == nil {
			t.Errorf("%s: built", name)
		}
	}
}

func TestPoints(t *testing.T) {
	for in, want := range map[float64]string{4: "4", 4.5: "4.5", 13.0 / 3: "4.33", 0: "0", 12.666666666666666: "12.67", 10.05: "10.05"} {
		if got := points(in); got != want {
			t.Errorf("points(%v) = %q, want %q", in, got, want)
		}
	}
}
