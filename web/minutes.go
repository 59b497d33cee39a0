package web

import (
	"html/template"
	"net/http"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"

	"github.com/guichet/guichet/platform/clock"
)

// minutesData is the jury minutes page: the review service's minutes shown inside the console's
// layout (printable: the print stylesheet leaves out everything but the minutes), the signature
// form while they are unsigned, the signature and the content's hash once signed.
type minutesData struct {
	CallID string
	// Missing says why there are no minutes yet (the call is not ranked); empty otherwise.
	Missing string
	Minutes *reviewv1.Minutes
	Body    template.HTML
	Signed  bool
}

func (c *console) minutesPage(w http.ResponseWriter, r *http.Request, sess session) {
	callID := r.PathValue("call")
	m, err := c.review.GetMinutes(c.as(r, sess), &reviewv1.GetMinutesRequest{Name: "calls/" + callID + "/minutes"})
	d := minutesData{CallID: callID}
	switch {
	case status.Code(err) == codes.FailedPrecondition:
		// Not ranked yet: the page says so and links to the ranking.
		d.Missing = status.Convert(err).Message()
	case err != nil:
		c.grpcFail(w, r, sess, err)
		return
	default:
		d.Minutes, d.Signed, d.Body = m, m.GetSha256() != "", minutesBody(m.GetHtml())
	}
	c.render(w, r, http.StatusOK, "minutes.html", view{Title: "Procès-verbal du jury", Session: &sess, Data: d})
}

func (c *console) signMinutes(w http.ResponseWriter, r *http.Request, sess session) {
	callID := r.PathValue("call")
	if _, err := c.review.SignMinutes(c.as(r, sess), &reviewv1.SignMinutesRequest{Name: "calls/" + callID + "/minutes"}); err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/calls/"+callID+"/minutes", http.StatusSeeOther)
}

// minutesPolicy keeps the elements of the review service's minutes that the page shows, with no
// attribute but a table header's scope; anything else is dropped (its text kept, except in the
// document's head, scripts and styles), so the page shows the minutes' content without trusting
// their markup.
var minutesPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("h1", "h2", "h3", "p", "ul", "ol", "li", "table", "caption", "thead", "tbody", "tr", "th", "td", "strong", "em", "br")
	p.AllowAttrs("scope").Matching(regexp.MustCompile(`^(col|row|colgroup|rowgroup)$`)).OnElements("th")
	p.SkipElementsContent("head", "title", "script", "style")
	return p
}()

// headingsDown puts the minutes' headings one level under the page's h1. The sanitised markup has
// no attribute on headings, so the tags are matched exactly.
var headingsDown = strings.NewReplacer("<h1>", "<h2>", "</h1>", "</h2>", "<h2>", "<h3>", "</h2>", "</h3>", "<h3>", "<h4>", "</h3>", "</h4>")

// minutesBody keeps the minutes' HTML document as allowed markup, sanitised by minutesPolicy.
func minutesBody(doc string) template.HTML {
	return template.HTML(headingsDown.Replace(minutesPolicy.Sanitize(doc))) // sanitised: allowed elements, escaped text
}

// parisTime formats an instant in Paris time, in French.
func parisTime(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().In(clock.Paris).Format("02/01/2006 à 15:04:05 MST")
}
