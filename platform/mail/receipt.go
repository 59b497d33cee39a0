package mail

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	texttemplate "text/template"
	"time"

	"github.com/guichet/guichet/platform/clock"
)

//go:embed templates
var templates embed.FS

var (
	receiptText = texttemplate.Must(texttemplate.ParseFS(templates, "templates/receipt.txt"))
	receiptHTML = htmltemplate.Must(htmltemplate.ParseFS(templates, "templates/receipt.html"))
)

// Receipt is the acknowledgement of receipt the administration owes for a submitted application
// (CRPA L112-3): which file, for which call, received when, with which content.
type Receipt struct {
	// To is the application's contact.
	To *mail.Address
	// Application is the application's resource name; the Message-ID is derived from it, so a
	// receipt sent twice is recognisable as the same message.
	Application   string
	Title         string
	CallName      string
	CallTitle     string
	Organisation  string
	Siret         string
	SubmitTime    time.Time
	ContentSHA256 string
}

// receiptView is what the templates show.
type receiptView struct {
	Receipt
	ContactName        string
	SubmitFR, SubmitEN string
	SubmitRFC3339      string
}

// Message renders the receipt, in French then English, as a message from from.
func (r Receipt) Message(from *mail.Address) (Message, error) {
	if r.To == nil || r.To.Address == "" {
		return Message{}, ErrNoRecipient
	}
	if r.SubmitTime.IsZero() || r.ContentSHA256 == "" {
		return Message{}, fmt.Errorf("mail: receipt of %s without submission instant or content digest", r.Application)
	}
	t := r.SubmitTime.In(clock.Paris)
	v := receiptView{
		Receipt: r, ContactName: r.To.Name,
		SubmitFR: frenchDate(t), SubmitEN: t.Format("Monday 2 January 2006 at 15:04:05"),
		SubmitRFC3339: t.Format(time.RFC3339Nano),
	}
	return render(receiptText, receiptHTML, []*mail.Address{r.To}, v, DerivedID(from, "receipt", r.Application))
}

var (
	frenchDays   = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frenchMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

// frenchDate writes "lundi 30 novembre 2026 à 17:19:22" (Go's layouts know only English names).
func frenchDate(t time.Time) string {
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %s %d à %s", frenchDays[t.Weekday()], day, frenchMonths[t.Month()-1], t.Year(), t.Format("15:04:05"))
}
