package mail

import (
	"net/mail"
	"strings"
	"testing"
	"time"
)

func TestReportReminderInBothLanguages(t *testing.T) {
	from := &mail.Address{Name: "guichet", Address: "noreply@guichet.localhost"}
	r := ReportReminder{To: []*mail.Address{{Name: "Alice", Address: "alice@example.org"}}, ContactName: "Alice",
		Application: "calls/c1/applications/a1", Title: "Risque de défaillance", Sequence: 2, Milestone: "Pilote",
		Due: time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), AmountCents: 20_000_050}
	m, err := r.Message(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mardi 1er juin 2027", "Tuesday 1 June 2027", "200000.50 EUR", "POST /v1/calls/c1/applications/a1/reports", "« Pilote »"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.Subject, "Rappel") || strings.Contains(m.Subject, "\n") {
		t.Errorf("subject %q", m.Subject)
	}
	r.Late = true
	late, err := r.Message(from)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(late.Subject, "en retard") || !strings.Contains(late.Text, "was due on") || late.ID == m.ID {
		t.Errorf("late reminder: %q %q", late.Subject, late.ID)
	}
	if !strings.Contains(late.HTML, `lang="en"`) || strings.Contains(late.HTML, "<script") {
		t.Errorf("html: %s", late.HTML)
	}
	if _, err := (ReportReminder{}).Message(from); err == nil {
		t.Error("a reminder without recipient was built")
	}
}
