package web

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/redisx"
	"github.com/guichet/guichet/platform/testenv"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// harness is the console in front of a real development issuer and a real Redis; its service
// connections lead nowhere (these tests stop before any service call, or expect it to fail).
type harness struct {
	web, issuer *httptest.Server
	console     http.Handler
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	env := testenv.Get(t)
	rdb, err := redisx.Open(env.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	var issuerHandler http.Handler
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { issuerHandler.ServeHTTP(w, r) }))
	t.Cleanup(issuer.Close)
	dev, err := auth.LoadDevIssuer(issuer.URL, "guichet", filepath.Join(t.TempDir(), "key.json"))
	if err != nil {
		t.Fatal(err)
	}
	issuerHandler = dev.Handler()
	nowhere, err := grpc.NewClient("127.0.0.1:1", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nowhere.Close() })
	h := &harness{issuer: issuer}
	h.web = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.console.ServeHTTP(w, r) }))
	t.Cleanup(h.web.Close)
	h.console, err = Handler(Options{APIURL: "http://127.0.0.1:8080", BaseURL: h.web.URL, Issuer: issuer.URL, ClientID: "guichet-web",
		Redis: rdb, Applications: nowhere, Review: nowhere, Payments: nowhere})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func noFollow(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn runs the authorization code flow as sub and returns a client holding the session.
func (h *harness) signIn(t *testing.T, sub string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := noFollow(jar)
	res, err := c.Get(h.web.URL + "/login?next=/calls/x")
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", res, err)
	}
	authz, _ := url.Parse(res.Header.Get("Location"))
	q := authz.Query()
	if !strings.HasPrefix(authz.String(), h.issuer.URL+"/authorize?") || len(q.Get("state")) < 32 || len(q.Get("nonce")) < 32 {
		t.Fatalf("authorize URL %s", authz)
	}
	form := url.Values{"sub": {sub}}
	for k, v := range q {
		form[k] = v
	}
	res, err = c.PostForm(h.issuer.URL+"/authorize", form)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("authorize: %v %v", res, err)
	}
	callback := res.Header.Get("Location")
	res, err = c.Get(callback)
	if err != nil || res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/calls/x" {
		t.Fatalf("callback: %v %v", res, err)
	}
	return c, callback
}

func TestLoginSessionCSRF(t *testing.T) {
	h := newHarness(t)
	anon := noFollow(nil)

	// Pages need a session: the browser is sent to sign in, keeping where it was going.
	res, err := anon.Get(h.web.URL + "/calls/demo")
	if err != nil || res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fcalls%2Fdemo" {
		t.Fatalf("no session: %v %v", res, err)
	}

	c, callback := h.signIn(t, "reviewer-1")
	u, _ := url.Parse(h.web.URL)
	var sessionID string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "guichet_session" {
			sessionID = ck.Value
		}
	}
	if len(sessionID) < 32 {
		t.Fatalf("session cookie %q", sessionID)
	}
	// A callback replayed (same state and code) is refused.
	if res, err := c.Get(callback); err != nil || res.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed callback: %v %v", res, err)
	}
	// A callback from another browser (no login cookie) is refused.
	if res, err := anon.Get(callback); err != nil || res.StatusCode != http.StatusBadRequest {
		t.Fatalf("foreign callback: %v %v", res, err)
	}

	// POSTs need the session's synchroniser token.
	res, err = c.PostForm(h.web.URL+"/calls/demo/declaration", url.Values{"accepted": {"on"}})
	if err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("no token: %v %v", res, err)
	}
	res, err = c.PostForm(h.web.URL+"/logout", url.Values{"csrf": {"forged"}})
	if err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("forged token: %v %v", res, err)
	}
	res, err = anon.PostForm(h.web.URL+"/logout", url.Values{})
	if err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("no session: %v %v", res, err)
	}
	// A cross-site POST is refused before the handler, even with a token.
	req, _ := http.NewRequest(http.MethodPost, h.web.URL+"/logout", strings.NewReader("csrf=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, err := c.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site: %v %v", res, err)
	}

	// With the right token (read from a page's logout form), logout ends the session.
	res, err = c.Get(h.web.URL + "/accessibility")
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, res)
	m := regexp.MustCompile(`name="csrf" value="([A-Z0-9]{32,})"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in %s", page)
	}
	res, err = c.PostForm(h.web.URL+"/logout", url.Values{"csrf": {m[1]}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %v %v", res, err)
	}
	if res, err := c.Get(h.web.URL + "/calls/demo"); err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout: %v %v", res, err)
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHeadersAndStatic(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/", "/accessibility", "/static/console.css", "/nope", "/calls/x"} {
		req, _ := http.NewRequest(http.MethodGet, h.web.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := noFollow(nil).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if path == "/static/console.css" && (res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Cache-Control"), "max-age") || res.Header.Get("ETag") == "") {
			t.Errorf("static: %v", res.Header)
		}
	}
}

// TestTemplatesRender renders every page with representative data and checks its accessibility
// basics: language, skip link, labels bound to fields, errors announced.
func TestTemplatesRender(t *testing.T) {
	sess := &session{Subject: "chair-1", Role: "jury_chair", CSRF: "TOKEN"}
	criteria := []*appv1.Criterion{{Id: "impact", Title: "Impact", Weight: 2}, {Id: "data", Title: "Données", Weight: 1}}
	reviews := []*reviewv1.Review{{Reviewer: "reviewer-1", Scores: []*reviewv1.CriterionScore{{Criterion: "impact", Score: 3.5}}, Total: 3.5, Comment: "Bien"}}
	ranking := &reviewv1.Ranking{EnvelopeCents: 100_000_00, SelectedCents: 60_000_00, CutoffRank: 1, Entries: []*reviewv1.RankingEntry{
		{Rank: 1, Title: "A", Total: 12, RequestedAmountCents: 60_000_00, Decision: "SELECTED"},
		{Rank: 2, Title: "B", Total: 10, RequestedAmountCents: 50_000_00, Decision: "NOT_SELECTED", Reason: "envelope"}}}
	rows := cumulative(ranking)
	for name, v := range map[string]view{
		"signin.html":        {Title: "Connexion"},
		"error.html":         {Title: "Erreur", Error: "Non"},
		"accessibility.html": {Title: "A", Session: sess, Data: "http://api"},
		"home.html":          {Title: "Appels", Session: sess, Data: []*appv1.Call{{Name: "calls/demo", Title: "Démo"}}},
		"call.html":          {Title: "Démo", Session: sess, Error: "Cochez", Data: callData{Call: &appv1.Call{Title: "Démo"}, CallID: "demo", MustDeclare: true}},
		"application.html": {Title: "Dossier", Session: sess, Error: "Choisissez", Data: applicationData{CallID: "demo", AppID: "a1",
			Assignment: &reviewv1.Assignment{ApplicationTitle: "Dossier", ConflictDeclaration: "x"}, Criteria: criteria, Chosen: map[string]string{"impact": "3.5"}}},
		"divergences.html": {Title: "Div", Session: sess, Data: divergencesData{CallID: "demo", Divergences: []*reviewv1.Divergence{{Application: "calls/demo/applications/a1", ApplicationTitle: "A"}}}},
		"consensus.html":   {Title: "Consensus", Session: sess, Data: consensusData{CallID: "demo", AppID: "a1", Reviews: reviews, Criteria: criteria}},
		"ranking.html":     {Title: "Classement", Session: sess, Data: rankingData{CallID: "demo", Ranking: ranking, Rows: rows, Chart: chart(ranking.EnvelopeCents, rows)}},
	} {
		var b strings.Builder
		if err := pages[name].ExecuteTemplate(&b, "layout", v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := b.String()
		for _, want := range []string{`<html lang="fr">`, `href="#content"`, `id="content"`} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		if v.Error != "" && !strings.Contains(out, `role="alert"`) {
			t.Errorf("%s does not announce its error", name)
		}
		if strings.Count(out, "<script") != strings.Count(out, `<script src="/static/`) || strings.Contains(out, "style=") {
			t.Errorf("%s has inline script or style", name)
		}
		for _, id := range regexp.MustCompile(`<(?:select|textarea|input type="text")[^>]* id="([^"]+)"`).FindAllStringSubmatch(out, -1) {
			if !strings.Contains(out, `for="`+id[1]+`"`) {
				t.Errorf("%s: field %s has no label", name, id[1])
			}
		}
	}
	var b strings.Builder
	_ = pages["application.html"].ExecuteTemplate(&b, "layout", view{Session: sess, Error: "x", Data: applicationData{CallID: "demo", AppID: "a1",
		Assignment: &reviewv1.Assignment{ConflictDeclaration: "x"}, Criteria: criteria, Chosen: map[string]string{"impact": "3.5"}}})
	if !strings.Contains(b.String(), `<option value="3.5" selected>3,5</option>`) || !strings.Contains(b.String(), `aria-describedby="form-error"`) {
		t.Errorf("the scoring form does not keep the choice or refer to the error:\n%s", b.String())
	}
	if s := chart(ranking.EnvelopeCents, rows); !strings.Contains(string(s), "<title") || !strings.Contains(string(s), "<desc") || !strings.Contains(string(s), `class="envelope"`) {
		t.Errorf("chart: %s", s)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/calls/x": "/calls/x", "": "/", "//evil.example": "/", "https://evil.example/": "/", "/\\evil": "/"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
	if euros(123456789) != "1\u202f234\u202f567,89\u00a0€" || score(3.5) != "3,5" || score(4) != "4" {
		t.Errorf("formats: %q %q %q", euros(123456789), score(3.5), score(4))
	}
}
