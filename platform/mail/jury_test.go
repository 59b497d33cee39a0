package mail

import (
	"net/mail"
	"strings"
	"testing"
	"time"
)

func TestReviewReminderInBothLanguages(t *testing.T) {
	from := &mail.Address{Name: "guichet", Address: "noreply@guichet.localhost"}
	r := ReviewReminder{To: &mail.Address{Address: "reviewer-1@jury.example.org"}, Reviewer: "reviewer-1", Call: "calls/c1",
		CallTitle: "Données publiques 2026", Deadline: time.Date(2027, 3, 15, 16, 0, 0, 0, time.UTC),
		Files: []ReviewFile{{Application: "calls/c1/applications/a1", Title: "Risque de défaillance"}, {Application: "calls/c1/applications/a2", Title: "<b>Cartes</b>"}}}
	m, err := r.Message(from)
	if err != nil {
		t.Fatal(err)
	}
	// 16:00 UTC is 17:00 in Paris in March (winter time).
	for _, want := range []string{"lundi 15 mars 2027 à 17:00:00 (heure de Paris)", "Monday 15 March 2027 at 17:00:00 (Paris time)",
		"Risque de défaillance (calls/c1/applications/a1)", "2 dossier(s)", "2 file(s)"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, "&lt;b&gt;Cartes&lt;/b&gt;") || !strings.Contains(m.HTML, `lang="en"`) {
		t.Errorf("html does not escape the titles or lacks the English part:\n%s", m.HTML)
	}
	if !strings.HasPrefix(m.Subject, "Rappel") || m.ID != "review-reminder.calls.c1.reviewer-1@guichet.localhost" {
		t.Errorf("subject %q, id %q", m.Subject, m.ID)
	}
	if _, err := (ReviewReminder{To: r.To, Call: "calls/c1", Deadline: r.Deadline}).Message(from); err == nil {
		t.Error("a reminder without files was built")
	}
	if _, err := (ReviewReminder{Files: r.Files, Deadline: r.Deadline}).Message(from); err != ErrNoRecipient {
		t.Errorf("a reminder without recipient: %v", err)
	}
}

func TestMissingReviewsNameTheReviewers(t *testing.T) {
	from := &mail.Address{Name: "guichet", Address: "noreply@guichet.localhost"}
	e := MissingReviews{To: &mail.Address{Name: "Claire", Address: "chair-1@jury.example.org"}, Chair: "chair-1", Call: "calls/c1",
		CallTitle: "Données publiques 2026", Deadline: time.Date(2027, 7, 1, 15, 0, 0, 0, time.UTC),
		Files: []ReviewFile{{Application: "calls/c1/applications/a1", Title: "Risque", Reviewers: []string{"reviewer-2", "reviewer-5"}}}}
	m, err := e.Message(from)
	if err != nil {
		t.Fatal(err)
	}
	// Summer time: 17:00 in Paris.
	for _, want := range []string{"Bonjour Claire,", "jeudi 1er juillet 2027 à 17:00:00", "Thursday 1 July 2027 at 17:00:00",
		"Risque (calls/c1/applications/a1) : reviewer-2, reviewer-5", "Risque (calls/c1/applications/a1): reviewer-2, reviewer-5"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, "reviewer-2, reviewer-5") || m.ID != "review-escalation.calls.c1.chair-1@guichet.localhost" {
		t.Errorf("html or id %q:\n%s", m.ID, m.HTML)
	}
	if _, err := compose(from, withDate(m)); err != nil {
		t.Fatal(err)
	}
}

func withDate(m Message) Message {
	m.Date = time.Date(2027, 7, 1, 15, 0, 0, 0, time.UTC)
	return m
}
