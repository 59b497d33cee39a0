package mail

import (
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	texttemplate "text/template"
	"time"

	"github.com/guichet/guichet/platform/money"
)

var (
	reportText = texttemplate.Must(texttemplate.ParseFS(templates, "templates/report.txt"))
	reportHTML = htmltemplate.Must(htmltemplate.ParseFS(templates, "templates/report.html"))
)

// ReportReminder asks a funded project for a milestone report: before it is due, or once it is
// late (Late), when the programme officer is told too.
type ReportReminder struct {
	To          []*mail.Address
	ContactName string
	Application string
	Title       string
	Sequence    int
	Milestone   string
	// Due is the milestone's due date (a day).
	Due         time.Time
	AmountCents int64
	Late        bool
}

// Message builds the reminder, in French then English.
func (r ReportReminder) Message(from *mail.Address) (Message, error) {
	if len(r.To) == 0 {
		return Message{}, ErrNoRecipient
	}
	v := struct {
		ReportReminder
		DueFR, DueEN, AmountEuros string
	}{r, frenchDay(r.Due), r.Due.Format("Monday 2 January 2006"), money.Euros(r.AmountCents)}
	kind := "report-reminder"
	if r.Late {
		kind = "report-overdue"
	}
	return render(reportText, reportHTML, r.To, v, DerivedID(from, kind, fmt.Sprintf("%s/%d", r.Application, r.Sequence)))
}

// frenchDay writes "mardi 30 juin 2027".
func frenchDay(t time.Time) string {
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %s %d", frenchDays[t.Weekday()], day, frenchMonths[t.Month()-1], t.Year())
}
