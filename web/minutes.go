package web

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
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
		d.Minutes, d.Signed = m, m.GetSha256() != ""
		d.Body, err = minutesBody(m.GetHtml())
		if err != nil {
			c.fail(w, r, http.StatusBadGateway, "Le procès-verbal reçu n'a pas pu être lu.", err)
			return
		}
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

// minutesAllowed are the elements of the review service's minutes kept in the page, with the
// attributes each may keep; everything else is dropped (its text kept), so the page shows the
// minutes' content without trusting their markup. Headings go one level down under the page's h1.
var minutesAllowed = map[atom.Atom][]string{
	atom.H1: nil, atom.H2: nil, atom.H3: nil, atom.P: nil, atom.Ul: nil, atom.Ol: nil, atom.Li: nil,
	atom.Table: nil, atom.Caption: nil, atom.Thead: nil, atom.Tbody: nil, atom.Tr: nil, atom.Th: {"scope"}, atom.Td: nil,
	atom.Strong: nil, atom.Em: nil, atom.Br: nil,
}

var headingDown = map[atom.Atom]string{atom.H1: "h2", atom.H2: "h3", atom.H3: "h4"}

// minutesBody keeps the body of the minutes' HTML document as allowed markup, escaped anew.
func minutesBody(doc string) (template.HTML, error) {
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			switch ch.Type {
			case html.TextNode:
				b.WriteString(template.HTMLEscapeString(ch.Data))
			case html.ElementNode:
				if ch.DataAtom == atom.Head || ch.DataAtom == atom.Script || ch.DataAtom == atom.Style || ch.DataAtom == atom.Title {
					continue
				}
				attrs, ok := minutesAllowed[ch.DataAtom]
				if !ok {
					walk(ch)
					continue
				}
				name := ch.Data
				if h, ok := headingDown[ch.DataAtom]; ok {
					name = h
				}
				b.WriteString("<" + name)
				for _, a := range ch.Attr {
					for _, keep := range attrs {
						if a.Namespace == "" && a.Key == keep {
							b.WriteString(" " + keep + `="` + template.HTMLEscapeString(a.Val) + `"`)
						}
					}
				}
				b.WriteString(">")
				if ch.DataAtom == atom.Br {
					continue
				}
				walk(ch)
				b.WriteString("</" + name + ">")
			default:
				walk(ch)
			}
		}
	}
	walk(root)
	return template.HTML(b.String()), nil // rebuilt from allowed elements and escaped text only
}

// europeParis is the jury's time zone: the console shows French local times.
var europeParis = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// parisTime formats an instant in Paris time, in French.
func parisTime(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().In(europeParis).Format("02/01/2006 à 15:04:05 MST")
}
