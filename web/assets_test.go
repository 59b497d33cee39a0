package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// The console's assets and DSFR's are served by one handler: these are its rules, on files of
// each kind it meets (text compressed, fonts and unknown types as they are).
func TestAssetHandler(t *testing.T) {
	css := strings.Repeat(".fr-header{display:block}", 40)
	fsys := fstest.MapFS{
		"dsfr.min.css":                 {Data: []byte(css)},
		"fonts/Marianne-Bold.woff2":    {Data: []byte("wOF2 font bytes")},
		"notes.unknownext":             {Data: []byte("opaque")},
		"dsfr.module.min.js":           {Data: []byte("alert(1)")},
		"fonts/Marianne-Regular.woff2": {Data: []byte("another font")},
	}
	h, err := assetHandler(fsys, "/static/dsfr/", []string{"dsfr.min.css", "fonts/Marianne-Bold.woff2", "notes.unknownext"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	// Text is gzipped for a browser that accepts it, plain otherwise, with the same ETag.
	gz := get("/static/dsfr/dsfr.min.css", "Accept-Encoding", "gzip, br")
	if gz.Code != http.StatusOK || gz.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(gz.Header().Get("Content-Type"), "text/css") ||
		gz.Header().Get("Cache-Control") != "public, max-age=86400" || gz.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzipped CSS: %d %v", gz.Code, gz.Header())
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); string(b) != css {
		t.Fatalf("gunzipped CSS differs: %q", b)
	}
	plain := get("/static/dsfr/dsfr.min.css")
	if plain.Header().Get("Content-Encoding") != "" || plain.Body.String() != css || plain.Header().Get("ETag") != gz.Header().Get("ETag") {
		t.Fatalf("plain CSS: %v %q", plain.Header(), plain.Body.String())
	}

	// A browser holding the current version is told so, without the body.
	etag := plain.Header().Get("ETag")
	if len(etag) != 18 || etag[0] != '"' {
		t.Fatalf("ETag %q", etag)
	}
	if rec := get("/static/dsfr/dsfr.min.css", "If-None-Match", etag, "Accept-Encoding", "gzip"); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("revalidation: %d %q", rec.Code, rec.Body.String())
	}
	if rec := get("/static/dsfr/dsfr.min.css", "If-None-Match", `"stale"`); rec.Code != http.StatusOK || rec.Body.String() != css {
		t.Fatalf("stale ETag: %d", rec.Code)
	}

	// Fonts are compressed already: never gzipped. An unknown type is served as bytes.
	if rec := get("/static/dsfr/fonts/Marianne-Bold.woff2", "Accept-Encoding", "gzip"); rec.Code != http.StatusOK ||
		rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != "wOF2 font bytes" {
		t.Fatalf("font: %d %v", rec.Code, rec.Header())
	}
	if rec := get("/static/dsfr/notes.unknownext", "Accept-Encoding", "gzip"); rec.Header().Get("Content-Type") != "application/octet-stream" ||
		rec.Header().Get("Content-Encoding") != "" {
		t.Fatalf("unknown type: %v", rec.Header())
	}

	// Only the listed files are served, even when the folder holds more.
	for _, p := range []string{"/static/dsfr/dsfr.module.min.js", "/static/dsfr/fonts/Marianne-Regular.woff2", "/static/dsfr/", "/dsfr.min.css"} {
		if rec := get(p); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, rec.Code)
		}
	}
	// A listed file that cannot be read stops the start.
	if _, err := assetHandler(fsys, "/x/", []string{"absent.css"}); err == nil {
		t.Error("a missing listed file was accepted")
	}

	// The console's own assets follow the same rules: its script and icon are text, gzipped.
	static := staticHandler()
	for _, p := range []string{"/static/console.css", "/static/live.js", "/static/favicon.svg"} {
		req := httptest.NewRequest(http.MethodGet, p, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		static.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("ETag") == "" {
			t.Errorf("%s: %d %v", p, rec.Code, rec.Header())
		}
	}
}
