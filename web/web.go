// Package web is the jury and finance console: server-rendered pages that talk gRPC to the
// services. This first version serves the console's home page, its accessibility statement and a
// health endpoint; the jury and finance pages come with their issues.
package web

import (
	"embed"
	"html/template"
	"net/http"
)

//go:embed templates/*.html static/*.css
var assets embed.FS

var pages = template.Must(template.ParseFS(assets, "templates/*.html"))

// Options configure the console.
type Options struct {
	// APIURL is the REST gateway's address, shown to people looking for the API.
	APIURL string
}

// Handler serves the console.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", page("home.html", o))
	mux.HandleFunc("GET /accessibility", page("accessibility.html", o))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	static := http.FileServerFS(assets)
	mux.Handle("GET /static/", cached(static))
	return secure(mux)
}

func page(name string, o Options) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := pages.ExecuteTemplate(w, name, o); err != nil {
			http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		}
	}
}

func cached(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// secure sets the headers every page carries: a strict Content-Security-Policy and no framing.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}
