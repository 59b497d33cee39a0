package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func get(t *testing.T, h http.Handler, path string) (*http.Response, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	resp := w.Result()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func TestHealthz(t *testing.T) {
	resp, body := get(t, newTestGateway(t, Options{}), "/healthz")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"status":"ok"}`, body)
}

func TestReadyz(t *testing.T) {
	rdb := testRedis(t)
	t.Run("ready", func(t *testing.T) {
		h := newTestGateway(t, Options{Redis: rdb, Ready: func(ctx context.Context) map[string]error {
			return map[string]error{"postgres": nil, "redis": rdb.Ping(ctx).Err(), "temporal": nil}
		}})
		resp, body := get(t, h, "/readyz")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		require.JSONEq(t, `{"status":"ok","checks":{"postgres":"ok","redis":"ok","temporal":"ok"}}`, body)
	})
	t.Run("not ready", func(t *testing.T) {
		h := newTestGateway(t, Options{Redis: rdb, Ready: func(context.Context) map[string]error {
			return map[string]error{"postgres": nil, "temporal": errors.New("dial tcp 127.0.0.1:7233: connection refused")}
		}})
		resp, body := get(t, h, "/readyz")
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		var got struct{ Checks map[string]string }
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		require.Equal(t, "ok", got.Checks["postgres"])
		require.Contains(t, got.Checks["temporal"], "connection refused")
	})
	t.Run("checks run under a deadline", func(t *testing.T) {
		h := newTestGateway(t, Options{Redis: rdb, Ready: func(ctx context.Context) map[string]error {
			_, ok := ctx.Deadline()
			if !ok {
				return map[string]error{"deadline": errors.New("none")}
			}
			return map[string]error{"deadline": nil}
		}})
		resp, _ := get(t, h, "/readyz")
		require.Equal(t, http.StatusOK, resp.StatusCode)
	})
}

func TestMetrics(t *testing.T) {
	h := newTestGateway(t, Options{Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "# HELP up\nup 1\n")
	})})
	resp, body := get(t, h, "/metrics")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "up 1")
}

func TestOpenAPI(t *testing.T) {
	resp, body := get(t, newTestGateway(t, Options{}), "/openapi.json")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	require.Contains(t, doc.Paths, "/v1/calls/{call}/applications")
	require.Contains(t, doc.Paths, "/v1/payment-batches/{batch}/pain001.xml")
	require.Contains(t, doc.Paths, "/v1/payment-batches/{batch}:confirm")
	require.NotContains(t, body, "payment-batche}")
	require.NotContains(t, body, `"payment-batche"`)
	require.Contains(t, string(doc.Paths["/v1/payment-batches/{batch}:confirm"]), `"name": "batch"`)
}

func TestDocs(t *testing.T) {
	resp, body := get(t, newTestGateway(t, Options{}), "/docs")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Equal(t, "default-src 'self'", resp.Header.Get("Content-Security-Policy"))
	require.Contains(t, body, `<html lang="en">`)
	require.Contains(t, body, "<h1>")
	require.Contains(t, body, `<nav aria-labelledby="toc-title">`)
	for _, want := range []string{
		"/v1/calls/{call}/applications",
		"/v1/calls/{call}/applications/{application}:submit",
		"/v1/payment-batches/{batch}/pain001.xml",
		"Submits a draft", // a summary from the protos
		`href="#schema-v1Application"`,
		`id="schema-v1Application"`,
		"<code>requestedAmountCents</code>",
	} {
		require.Contains(t, body, want)
	}
	require.NotContains(t, body, "payment-batche}")
	// Nothing loaded from elsewhere, nothing executable, nothing inline that the CSP would block.
	require.NotContains(t, body, "<script")
	require.NotContains(t, body, " style=")
	require.NotContains(t, body, "<style")
	for _, attr := range []string{`src="`, `href="http`, `href="//`, `action="`} {
		require.NotContains(t, body, attr)
	}
	require.Equal(t, 1, strings.Count(body, "<link "), "one stylesheet, its own")
	require.Contains(t, body, `<link rel="stylesheet" href="/docs.css">`)
	// A body written inline (PATCH application) lists its fields.
	require.Contains(t, body, "Fields of the request body of PATCH /v1/calls/{call}/applications/{application}")

	css, _ := get(t, newTestGateway(t, Options{}), "/docs.css")
	require.Equal(t, http.StatusOK, css.StatusCode)
	require.Equal(t, "text/css; charset=utf-8", css.Header.Get("Content-Type"))
}

func TestDocsEveryOperation(t *testing.T) {
	page, err := buildDocsPage(openAPIDocument())
	require.NoError(t, err)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(openAPIDocument(), &doc))
	want := 0
	for _, methods := range doc.Paths {
		want += len(methods)
	}
	got := 0
	for _, g := range page.Groups {
		got += len(g.Operations)
	}
	require.Equal(t, want, got, "every operation of the OpenAPI document is on the page")
	require.Len(t, createdOperations, len(creations))
	seen := map[string]bool{}
	for _, g := range page.Groups {
		for _, op := range g.Operations {
			seen[strings.TrimPrefix(op.ID, "op-")] = true
			if op.ID == "op-PaymentService_CreatePaymentBatch" {
				require.Equal(t, "201", op.Responses[0].Code)
			}
			if op.ID == "op-PaymentService_GetPain001" {
				require.Equal(t, "200", op.Responses[0].Code)
			}
		}
	}
	for id := range createdOperations {
		require.True(t, seen[id], "creation %s is not in the OpenAPI document", id)
	}
}

func TestOperationalRoutesRefuseOtherMethods(t *testing.T) {
	h := newTestGateway(t, Options{})
	for _, path := range []string{"/healthz", "/readyz", "/openapi.json", "/docs"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, nil))
		decodeProblem(t, w.Result(), http.StatusMethodNotAllowed)
		require.Equal(t, "GET, HEAD", w.Header().Get("Allow"))
	}
}

func TestDevIssuerMounted(t *testing.T) {
	issuer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "issuer saw "+r.URL.Path)
	})
	h := newTestGateway(t, Options{DevIssuer: issuer, DevIssuerPath: "/dev-issuer"})
	resp, body := get(t, h, "/dev-issuer/.well-known/openid-configuration")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "issuer saw /.well-known/openid-configuration", body)
}

func TestDocsShowSchemaExamples(t *testing.T) {
	page, err := buildDocsPage(openAPIDocument())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range page.Schemas {
		if s.Name == "v1Application" {
			if !strings.Contains(s.Example, `"siret": "13002526500013"`) {
				t.Fatalf("example of v1Application: %q", s.Example)
			}
			return
		}
	}
	t.Fatal("no v1Application schema")
}
