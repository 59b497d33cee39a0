package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/redisx"
	"github.com/guichet/guichet/platform/testenv"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// The minutes' HTML comes from the review service: the page keeps its content, never its markup
// beyond plain structure.
func TestMinutesBody(t *testing.T) {
	got := minutesBody(`<!DOCTYPE html><html lang="fr"><head><title>PV</title><style>p{}</style></head><body>
<h1 onclick="x()">Procès-verbal du jury — calls/demo</h1><script>alert(1)</script>
<table><thead><tr><th scope="col" style="color:red">Rang</th></tr></thead><tbody><tr><td><a href="javascript:x">1 &lt;b&gt;</a></td></tr></tbody></table>
<img src=x onerror="alert(2)"><p>Fin</p></body></html>`)
	s := string(got)
	for _, want := range []string{`<h2>Procès-verbal du jury — calls/demo</h2>`, `<th scope="col">Rang</th>`, `<td>1 &lt;b&gt;</td>`, `<p>Fin</p>`} {
		if !strings.Contains(s, want) {
			t.Errorf("minutes body lacks %s:\n%s", want, s)
		}
	}
	for _, banned := range []string{"<script", "alert", "onclick", "style", "<a", "<img", "<title", "PV"} {
		if strings.Contains(s, banned) {
			t.Errorf("minutes body keeps %q:\n%s", banned, s)
		}
	}
}

// The minutes page offers the signature until the minutes are signed, then shows who signed,
// when, and the content's hash, and no form any more; the print stylesheet hides the rest.
func TestMinutesPage(t *testing.T) {
	sess := &session{Subject: "chair-1", Role: "jury_chair", CSRF: "TOKEN"}
	body := minutesBody(`<h1>Procès-verbal du jury — calls/demo</h1><p>Membres</p>`)
	render := func(d minutesData) string {
		var b strings.Builder
		if err := pages["minutes.html"].ExecuteTemplate(&b, "layout", view{Title: "PV", Session: sess, Theme: ThemeNeutral, Data: d}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	unsigned := render(minutesData{CallID: "demo", Minutes: &reviewv1.Minutes{Name: "calls/demo/minutes"}, Body: body})
	if !strings.Contains(unsigned, `action="/calls/demo/minutes"`) || !strings.Contains(unsigned, `value="TOKEN"`) || !strings.Contains(unsigned, "<h2>Procès-verbal du jury — calls/demo</h2>") {
		t.Errorf("unsigned minutes page:\n%s", unsigned)
	}
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	signed := render(minutesData{CallID: "demo", Signed: true, Body: body, Minutes: &reviewv1.Minutes{Name: "calls/demo/minutes",
		Sha256: strings.Repeat("ab", 32), SignedBy: "chair-1", SignTime: timestamppb.New(at)}})
	if strings.Contains(signed, `action="/calls/demo/minutes"`) || !strings.Contains(signed, strings.Repeat("ab", 32)) ||
		!strings.Contains(signed, "02/03/2026 à 10:30:00 CET") || !strings.Contains(signed, `datetime="2026-03-02T09:30:00Z"`) {
		t.Errorf("signed minutes page:\n%s", signed)
	}
	missing := render(minutesData{CallID: "demo", Missing: "not ranked"})
	if !strings.Contains(missing, `href="/calls/demo/ranking"`) || strings.Contains(missing, `action="/calls/demo/minutes"`) {
		t.Errorf("minutes page before the ranking:\n%s", missing)
	}
	css, _ := assets.ReadFile("static/console.css")
	if !strings.Contains(string(css), "@media print{header,footer,nav,form,.skip,.no-print{display:none!important}") {
		t.Error("console.css has no print stylesheet hiding the navigation")
	}
}

// dsfrFolder lays out what `make dsfr` installs: npm's prefix folder with the package's dist/.
func dsfrFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	dist := filepath.Join(dir, "node_modules", "@gouvfr", "dsfr", "dist")
	for _, f := range dsfrRequired {
		p := filepath.Join(dist, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("/* "+f+" */ .fr-header{display:block}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The neutral theme is the default; the DSFR theme serves DSFR's CSS and fonts from the folder the
// operator installed, switches the layout, and refuses to start without that folder's files.
func TestThemes(t *testing.T) {
	env := testenv.Get(t)
	rdb, err := redisx.Open(env.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	h := newHarness(t)
	nowhere, err := grpc.NewClient("127.0.0.1:1", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nowhere.Close() })
	opts := func(theme, dir string) Options {
		return Options{BaseURL: "http://127.0.0.1:1", Issuer: h.issuer.URL, ClientID: "guichet-web", Redis: rdb,
			Applications: nowhere, Review: nowhere, Theme: theme, DSFRDir: dir}
	}
	get := func(hd http.Handler, path string) (*http.Response, string) {
		srv := httptest.NewServer(hd)
		t.Cleanup(srv.Close)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	neutral, err := Handler(opts("", ""))
	if err != nil {
		t.Fatal(err)
	}
	res, page := get(neutral, "/")
	if !strings.Contains(page, `href="/static/console.css"`) || strings.Contains(page, "dsfr") || strings.Contains(res.Header.Get("Content-Security-Policy"), "data:") {
		t.Errorf("neutral theme: %s\n%s", res.Header.Get("Content-Security-Policy"), page)
	}
	if res, _ := get(neutral, "/static/dsfr/dsfr.min.css"); res.StatusCode != http.StatusNotFound {
		t.Errorf("the neutral theme serves DSFR: %d", res.StatusCode)
	}

	// DSFR's distribution holds more than the console lists (its JavaScript, say): only the listed
	// CSS and fonts are served.
	dsfrDir := dsfrFolder(t)
	if err := os.WriteFile(filepath.Join(dsfrDir, "node_modules", "@gouvfr", "dsfr", "dist", "dsfr.module.min.js"), []byte("alert(1)"), 0o644); err != nil {
		t.Fatal(err)
	}
	dsfr, err := Handler(opts(ThemeDSFR, dsfrDir))
	if err != nil {
		t.Fatal(err)
	}
	res, page = get(dsfr, "/")
	if !strings.Contains(page, `href="/static/dsfr/dsfr.min.css"`) || !strings.Contains(page, `class="fr-header"`) || strings.Contains(page, `href="/static/console.css"`) ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "img-src 'self' data:") {
		t.Errorf("dsfr theme: %s\n%s", res.Header.Get("Content-Security-Policy"), page)
	}
	res, _ = get(dsfr, "/static/dsfr/dsfr.min.css")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("ETag") == "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("DSFR's CSS: %d %v", res.StatusCode, res.Header)
	}
	if res, _ := get(dsfr, "/static/dsfr/fonts/Marianne-Bold.woff2"); res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" {
		t.Errorf("DSFR's font: %d %v", res.StatusCode, res.Header)
	}
	if res, _ := get(dsfr, "/static/dsfr/dsfr.module.min.js"); res.StatusCode != http.StatusNotFound {
		t.Errorf("the DSFR folder serves a file it does not list: %d", res.StatusCode)
	}

	empty := t.TempDir()
	for _, tc := range []struct{ theme, dir, want string }{
		{ThemeDSFR, "", "GUICHET_DSFR_DIR"},
		{ThemeDSFR, empty, "lacks dsfr.min.css"},
		{ThemeDSFR, filepath.Join(empty, "absent"), "make dsfr ACCEPT_DSFR_TERMS=yes"},
		{"marianne", "", "unknown theme"},
	} {
		if _, err := Handler(opts(tc.theme, tc.dir)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("theme %q in %q: error %v, want one saying %q", tc.theme, tc.dir, err, tc.want)
		}
	}
}

// The live progress stream is the chair's, behind its session; its script is a cached same-origin
// file, allowed by the CSP.
func TestJuryEventsRefusals(t *testing.T) {
	h := newHarness(t)
	res, err := noFollow(nil).Get(h.web.URL + "/calls/demo/events")
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("events without a session: %v %v", res, err)
	}
	reviewer, _ := h.signIn(t, "reviewer-1")
	if res, err := reviewer.Get(h.web.URL + "/calls/demo/events"); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("events for a reviewer: %v %v", res, err)
	}
	res, err = noFollow(nil).Get(h.web.URL + "/static/live.js")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "javascript") || !strings.Contains(res.Header.Get("Cache-Control"), "max-age") ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("live.js: %d %v", res.StatusCode, res.Header)
	}
}
