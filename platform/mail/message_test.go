package mail

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var from = &mail.Address{Name: "guichet", Address: "noreply@guichet.localhost"}

// parsed is a composed message read back as a mail client would.
type parsed struct {
	header mail.Header
	parts  []part
}

type part struct {
	contentType, encoding, body string
}

func parse(t testing.TB, raw []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q: %v", m.Header.Get("Content-Type"), err)
	}
	out := parsed{header: m.Header}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		out.parts = append(out.parts, part{p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), string(body)})
	}
	return out
}

func TestComposeHeadersAndParts(t *testing.T) {
	date := time.Date(2026, 11, 30, 16, 19, 22, 0, time.UTC)
	m := Message{
		To:      []*mail.Address{{Name: "Élodie Durand", Address: "elodie@example.org"}, {Address: "alice@example.org"}},
		Subject: "Accusé de réception : Prédire les défaillances d'entreprises à partir des données fiscales publiques / Acknowledgement of receipt",
		Text:    "Déposé le lundi 30 novembre 2026 à 17:19:22.\nSubmitted on Monday.\n" + strings.Repeat("é", 200) + "\n.\n",
		HTML:    "<p>Déposé — <b>reçu</b></p>\n",
		ID:      "receipt.calls.c1.applications.a1@guichet.localhost",
		Date:    date,
	}
	raw, err := compose(from, m)
	if err != nil {
		t.Fatal(err)
	}
	header, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		// RFC 5322: at most 998 characters, and 78 where it can be; quoted-printable bodies keep to 76.
		if len(line) > 998 || (len(line) > 78 && i > bytes.Count(header, []byte("\r\n"))) {
			t.Errorf("line %d is %d characters long: %q", i, len(line), line)
		}
		if bytes.IndexByte(line, '\n') >= 0 || bytes.IndexByte(line, '\r') >= 0 {
			t.Errorf("line %d has a bare line break: %q", i, line)
		}
		for _, b := range line {
			if b >= 0x80 {
				t.Fatalf("line %d is not 7-bit: %q", i, line)
			}
		}
	}
	if !bytes.Contains(body, []byte("=C3=A9")) {
		t.Errorf("body not quoted-printable UTF-8:\n%s", body)
	}
	p := parse(t, raw)
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(p.header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("subject %q (%v), want %q", subject, err, m.Subject)
	}
	if raw := p.header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("subject not Q-encoded: %q", raw)
	}
	to, err := p.header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Élodie Durand" || to[0].Address != "elodie@example.org" || to[1].Address != "alice@example.org" {
		t.Errorf("to %v (%v)", to, err)
	}
	if f, err := p.header.AddressList("From"); err != nil || f[0].String() != from.String() {
		t.Errorf("from %v (%v)", f, err)
	}
	if d, err := p.header.Date(); err != nil || !d.Equal(date) {
		t.Errorf("date %v (%v), want %v", d, err, date)
	}
	for h, want := range map[string]string{
		"Message-Id":     "<receipt.calls.c1.applications.a1@guichet.localhost>",
		"Mime-Version":   "1.0",
		"Auto-Submitted": "auto-generated",
	} {
		if got := p.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if len(p.parts) != 2 {
		t.Fatalf("%d parts, want text and HTML", len(p.parts))
	}
	for i, want := range []part{{"text/plain; charset=utf-8", "quoted-printable", m.Text}, {"text/html; charset=utf-8", "quoted-printable", m.HTML}} {
		got := p.parts[i]
		// quoted-printable turns the line ends into CRLF.
		got.body = strings.ReplaceAll(got.body, "\r\n", "\n")
		if got != want {
			t.Errorf("part %d: %+v, want %+v", i, got, want)
		}
	}
}

func TestComposeRefusesBadMessages(t *testing.T) {
	ok := Message{To: []*mail.Address{{Address: "a@example.org"}}, Subject: "s", ID: "x@y", Date: time.Now()}
	for name, change := range map[string]func(*Message){
		"no recipient":        func(m *Message) { m.To = nil },
		"header injection":    func(m *Message) { m.Subject = "hello\r\nBcc: eve@example.org" },
		"line feed in the id": func(m *Message) { m.ID = "x@y\nBcc: eve@example.org" },
		"no id":               func(m *Message) { m.ID = "" },
		"no date":             func(m *Message) { m.Date = time.Time{} },
	} {
		t.Run(name, func(t *testing.T) {
			m := ok
			change(&m)
			if _, err := compose(from, m); err == nil {
				t.Fatal("composed")
			}
		})
	}
	if _, err := compose(from, ok); err != nil {
		t.Fatal(err)
	}
}

var dotAtomID = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*@guichet\.localhost$`)

func TestDerivedID(t *testing.T) {
	for _, c := range []struct {
		parts []string
		want  string
	}{
		{[]string{"receipt", "calls/c1/applications/a1"}, "receipt.calls.c1.applications.a1@guichet.localhost"},
		{[]string{"receipt", "/calls//x y/"}, "receipt.calls.x-y@guichet.localhost"},
		{[]string{"décision", "a<b>"}, "d-cision.a-b-@guichet.localhost"},
	} {
		if got := DerivedID(from, c.parts...); got != c.want {
			t.Errorf("DerivedID(%q) = %q, want %q", c.parts, got, c.want)
		}
	}
}

func FuzzDerivedID(f *testing.F) {
	f.Add("receipt", "calls/c1/applications/a1")
	f.Add("..", "/ /")
	f.Add("é", "<>@\"")
	f.Fuzz(func(t *testing.T, kind, name string) {
		id := DerivedID(from, "receipt", kind, name)
		if !dotAtomID.MatchString(id) {
			t.Fatalf("%q is not a dot-atom Message-ID", id)
		}
		if id != DerivedID(from, "receipt", kind, name) {
			t.Fatal("not deterministic")
		}
	})
}

// FuzzCompose checks that any subject and body give a 7-bit message that reads back the same.
func FuzzCompose(f *testing.F) {
	f.Add("Accusé de réception", "Déposé le lundi\n.\nfin", "<p>reçu</p>")
	f.Add("", "", "")
	f.Add(strings.Repeat("ü", 100), "From here\r\n.\r\n", "=?utf-8?q?x?=")
	f.Fuzz(func(t *testing.T, subject, text, html string) {
		if !utf8.ValidString(subject) || !utf8.ValidString(text) || !utf8.ValidString(html) || strings.ContainsAny(subject, "\r\n") {
			t.Skip()
		}
		m := Message{To: []*mail.Address{{Address: "a@example.org"}}, Subject: subject, Text: text, HTML: html,
			ID: "x@guichet.localhost", Date: time.Unix(0, 0).UTC()}
		raw, err := compose(from, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range raw {
			if b >= 0x80 {
				t.Fatalf("not 7-bit: %q", raw)
			}
		}
		p := parse(t, raw)
		if len(p.parts) != 2 {
			t.Fatalf("%d parts", len(p.parts))
		}
		norm := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n") }
		if norm(p.parts[0].body) != norm(text) || norm(p.parts[1].body) != norm(html) {
			t.Fatalf("bodies changed: %q %q", p.parts[0].body, p.parts[1].body)
		}
	})
}

func TestPermanent(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&textproto.Error{Code: 550, Msg: "mailbox unavailable"}, true},
		{&textproto.Error{Code: 554, Msg: "transaction failed"}, true},
		{&textproto.Error{Code: 451, Msg: "try again later"}, false},
		{io.ErrUnexpectedEOF, false},
		{nil, false},
	} {
		if got := Permanent(c.err); got != c.want {
			t.Errorf("Permanent(%v) = %v", c.err, got)
		}
	}
}

func TestNewSenderChecksConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Addr: "127.0.0.1:1025", From: "not an address"},
		{Addr: "127.0.0.1:1025", From: "guichet <noreply>"},
		{Addr: "no-port", From: "guichet <noreply@guichet.localhost>"},
	} {
		if _, err := NewSender(cfg, nil); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}
