package gateway

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"net/http"
	"time"
)

//go:embed openapi/guichet.swagger.json
var swaggerJSON []byte

// readyTimeout bounds /readyz so that a hanging dependency reads as not ready instead of a hung probe.
const readyTimeout = 5 * time.Second

// openAPIDocument is the generated OpenAPI document as served. protoc-gen-openapiv2 names the
// path parameter of payment-batches/{batch} by singularising the collection ("payment-batche");
// the paths API.md publishes say {batch}.
func openAPIDocument() []byte {
	doc := bytes.ReplaceAll(swaggerJSON, []byte("{payment-batche}"), []byte("{batch}"))
	return bytes.ReplaceAll(doc, []byte(`"payment-batche"`), []byte(`"batch"`))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz runs the dependency checks; any failure makes the whole gateway not ready (503).
func readyz(ready func(ctx context.Context) map[string]error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		checks := map[string]string{}
		ok := true
		if ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			defer cancel()
			for name, err := range ready(ctx) {
				if err != nil {
					checks[name] = err.Error()
					ok = false
				} else {
					checks[name] = "ok"
				}
			}
		}
		code, state := http.StatusOK, "ok"
		if !ok {
			code, state = http.StatusServiceUnavailable, "unavailable"
		}
		writeJSON(w, code, map[string]any{"status": state, "checks": checks})
	}
}

// staticContent serves a fixed document.
func staticContent(contentType string, body []byte, extra map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		for k, v := range extra {
			w.Header().Set(k, v)
		}
		_, _ = w.Write(body)
	}
}

// onlyGet answers methods other than GET and HEAD with a 405 problem.
func onlyGet(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeProblem(w, httpProblem(http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed on "+r.URL.Path))
			return
		}
		h.ServeHTTP(w, r)
	})
}
