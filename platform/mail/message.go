package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	texttemplate "text/template"
	"time"
)

// compose renders m, sent by from, as an RFC 5322 message with CRLF line ends: headers, then a
// multipart/alternative body whose text and HTML parts are UTF-8 in quoted-printable (safe on
// relays that are not 8-bit clean).
func compose(from *mail.Address, m Message) ([]byte, error) {
	if len(m.To) == 0 {
		return nil, ErrNoRecipient
	}
	if m.ID == "" || m.Date.IsZero() {
		return nil, fmt.Errorf("mail: message without Message-ID or Date")
	}
	for _, v := range []string{m.Subject, m.ID} {
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("mail: line break in header value %q", v)
		}
	}
	var body bytes.Buffer
	mp := multipart.NewWriter(&body)
	for _, part := range []struct{ contentType, content string }{
		{"text/plain; charset=utf-8", m.Text},
		{"text/html; charset=utf-8", m.HTML},
	} {
		w, err := mp.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.contentType},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(lineFeeds.Replace(part.content))); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mp.Close(); err != nil {
		return nil, err
	}

	to := make([]string, len(m.To))
	for i, a := range m.To {
		to[i] = a.String()
	}
	var out bytes.Buffer
	for _, h := range [][2]string{
		{"From", from.String()},
		{"To", strings.Join(to, ", ")},
		{"Subject", encodeHeader(m.Subject)},
		{"Date", m.Date.Format(time.RFC1123Z)},
		{"Message-ID", "<" + m.ID + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", strings.Replace(mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mp.Boundary()}), "; ", ";\r\n ", 1)},
		{"Content-Language", "fr, en"},
		// RFC 3834: an automatic message, so that auto-responders do not answer it.
		{"Auto-Submitted", "auto-generated"},
	} {
		fmt.Fprintf(&out, "%s: %s\r\n", h[0], h[1])
	}
	out.WriteString("\r\n")
	out.Write(body.Bytes())
	return out.Bytes(), nil
}

// lineFeeds makes every line end a line feed, which quoted-printable turns into CRLF: the writer
// mishandles a lone carriage return followed later by a line feed.
var lineFeeds = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// encodeHeader encodes a header value with RFC 2047 Q-encoding when it is not plain ASCII, folding
// between encoded words so that lines stay short.
func encodeHeader(v string) string {
	return strings.ReplaceAll(mime.QEncoding.Encode("utf-8", v), "?= =?", "?=\r\n =?")
}

// render executes a message's templates: "subject" and "body" of text, "body" of html, for v.
func render(text *texttemplate.Template, html *htmltemplate.Template, to []*mail.Address, v any, id string) (Message, error) {
	var subject, body, page bytes.Buffer
	if err := text.ExecuteTemplate(&subject, "subject", v); err != nil {
		return Message{}, err
	}
	if err := text.ExecuteTemplate(&body, "body", v); err != nil {
		return Message{}, err
	}
	if err := html.ExecuteTemplate(&page, "body", v); err != nil {
		return Message{}, err
	}
	return Message{
		To: to,
		// A title may hold line breaks; a header may not.
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    body.String(),
		HTML:    page.String(),
		ID:      id,
	}, nil
}
