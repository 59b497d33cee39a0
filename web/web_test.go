package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestConsolePages(t *testing.T) {
	h := Handler(Options{APIURL: "http://127.0.0.1:8080"})
	for path, want := range map[string]string{"/": "Jury and finance console", "/accessibility": "Accessibility statement", "/static/console.css": "font-family"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: %d %q", path, rec.Code, rec.Body.String())
		}
		if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s: no CSP", path)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nope", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("/nope: %d", rec.Code)
	}
}
