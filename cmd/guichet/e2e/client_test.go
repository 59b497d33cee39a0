package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/auth"
)

// api is a REST client of the gateway with tokens of the development issuer.
type api struct {
	t      testing.TB
	base   string
	issuer *auth.DevIssuer
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

func (a *api) token(role auth.Role, sub, siret string) string {
	a.t.Helper()
	tok, err := a.issuer.Mint(auth.Claims{Subject: sub, Role: string(role), Siret: siret}, time.Hour)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// call sends a request; body is JSON-encoded unless it is a string (sent as is).
func (a *api) call(method, path, token string, body any, headers ...string) response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(a.t, req)
}

// do sends a prepared request and reads its response, decoding a JSON body.
func do(tb testing.TB, req *http.Request) response {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	r := response{Status: resp.StatusCode, Header: resp.Header, Body: data}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		_ = json.Unmarshal(data, &r.JSON)
	}
	return r
}

// must fails the test unless the response has the status.
func (r response) must(t testing.TB, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// problem checks an RFC 9457 problem response with a violation on field (when field is not "").
func (r response) problem(t testing.TB, status int, field string) {
	t.Helper()
	r.must(t, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json: %s", ct, r.Body)
	}
	if int(r.JSON["status"].(float64)) != status || r.JSON["title"] == "" {
		t.Fatalf("problem body %s", r.Body)
	}
	if field == "" {
		return
	}
	violations, _ := r.JSON["violations"].([]any)
	for _, v := range violations {
		if v.(map[string]any)["field"] == field {
			return
		}
	}
	t.Fatalf("no violation on %s: %s", field, r.Body)
}

func (r response) str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}

// eventually retries check until it returns true or the timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
