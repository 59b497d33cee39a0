package mail

import (
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	texttemplate "text/template"
	"time"

	"github.com/guichet/guichet/platform/clock"
)

var (
	reviewReminderText   = texttemplate.Must(texttemplate.ParseFS(templates, "templates/review-reminder.txt"))
	reviewReminderHTML   = htmltemplate.Must(htmltemplate.ParseFS(templates, "templates/review-reminder.html"))
	reviewEscalationText = texttemplate.Must(texttemplate.ParseFS(templates, "templates/review-escalation.txt"))
	reviewEscalationHTML = htmltemplate.Must(htmltemplate.ParseFS(templates, "templates/review-escalation.html"))
)

// ReviewFile is an application whose review is awaited.
type ReviewFile struct {
	// Application is the application's resource name.
	Application string
	Title       string
	// Reviewers are the jury members whose reviews are missing (escalation only).
	Reviewers []string
}

// ReviewReminder reminds a reviewer, before the review deadline, of the files it still has to
// score.
type ReviewReminder struct {
	To *mail.Address
	// Reviewer is the reviewer's subject; with the call it names the message, so a reminder sent
	// twice is recognisable as the same message.
	Reviewer  string
	Call      string
	CallTitle string
	Deadline  time.Time
	Files     []ReviewFile
}

// MissingReviews tells the jury chair, at the review deadline, which files miss which
// reviewers' reviews (the escalation).
type MissingReviews struct {
	To        *mail.Address
	Chair     string
	Call      string
	CallTitle string
	Deadline  time.Time
	Files     []ReviewFile
}

// juryView is what the jury templates show.
type juryView struct {
	Name, Call, CallTitle  string
	DeadlineFR, DeadlineEN string
	Files                  []ReviewFile
}

func newJuryView(to *mail.Address, call, title string, deadline time.Time, files []ReviewFile) juryView {
	t := deadline.In(clock.Paris)
	return juryView{Name: to.Name, Call: call, CallTitle: title, Files: files,
		DeadlineFR: frenchDate(t) + " (heure de Paris)", DeadlineEN: t.Format("Monday 2 January 2006 at 15:04:05") + " (Paris time)"}
}

// Message renders the reminder, in French then English, as a message from from.
func (r ReviewReminder) Message(from *mail.Address) (Message, error) {
	if r.To == nil || r.To.Address == "" {
		return Message{}, ErrNoRecipient
	}
	if len(r.Files) == 0 || r.Deadline.IsZero() {
		return Message{}, fmt.Errorf("mail: review reminder of %s without files or deadline", r.Call)
	}
	return render(reviewReminderText, reviewReminderHTML, []*mail.Address{r.To}, newJuryView(r.To, r.Call, r.CallTitle, r.Deadline, r.Files),
		DerivedID(from, "review-reminder", r.Call, r.Reviewer))
}

// Message renders the escalation, in French then English, as a message from from.
func (m MissingReviews) Message(from *mail.Address) (Message, error) {
	if m.To == nil || m.To.Address == "" {
		return Message{}, ErrNoRecipient
	}
	if len(m.Files) == 0 || m.Deadline.IsZero() {
		return Message{}, fmt.Errorf("mail: escalation of %s without files or deadline", m.Call)
	}
	return render(reviewEscalationText, reviewEscalationHTML, []*mail.Address{m.To}, newJuryView(m.To, m.Call, m.CallTitle, m.Deadline, m.Files),
		DerivedID(from, "review-escalation", m.Call, m.Chair))
}
