package gateway

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/guichet/guichet/platform/auth"
)

func newTestRateLimiter(t *testing.T, perMinute int) *rateLimiter {
	t.Helper()
	l := newRateLimiter(testRedis(t), perMinute, quietLogger())
	l.prefix = uniquePrefix()
	return l
}

func limitedRequest(h http.Handler, subject, addr string) *http.Response {
	r := httptest.NewRequest(http.MethodGet, "/v1/calls", nil)
	if addr != "" {
		r.RemoteAddr = addr
	}
	if subject != "" {
		r = r.WithContext(auth.WithPrincipal(r.Context(), auth.Principal{Subject: subject, Role: auth.Applicant, Siret: "13002526500013"}))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func TestRateLimitPerPrincipal(t *testing.T) {
	h := newTestRateLimiter(t, 3).middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	for n := range 3 {
		require.Equal(t, http.StatusNoContent, limitedRequest(h, "alice", "").StatusCode, "request %d", n+1)
	}
	resp := limitedRequest(h, "alice", "")
	p := decodeProblem(t, resp, http.StatusTooManyRequests)
	require.Contains(t, p.Detail, "3 requests per minute")
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err)
	// GCRA at 3 per minute frees one request every 20 s.
	require.GreaterOrEqual(t, secs, 1)
	require.LessOrEqual(t, secs, 20)

	// Another principal, and an anonymous caller from the same machine, have their own budgets.
	require.Equal(t, http.StatusNoContent, limitedRequest(h, "bob", "").StatusCode)
	require.Equal(t, http.StatusNoContent, limitedRequest(h, "", "192.0.2.1:1234").StatusCode)
}

func TestRateLimitPerAddressForAnonymous(t *testing.T) {
	h := newTestRateLimiter(t, 2).middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	require.Equal(t, http.StatusNoContent, limitedRequest(h, "", "198.51.100.7:1000").StatusCode)
	require.Equal(t, http.StatusNoContent, limitedRequest(h, "", "198.51.100.7:2000").StatusCode)
	resp := limitedRequest(h, "", "198.51.100.7:3000")
	decodeProblem(t, resp, http.StatusTooManyRequests)
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Equal(t, http.StatusNoContent, limitedRequest(h, "", "198.51.100.8:1000").StatusCode)
}

func TestRateLimitDisabled(t *testing.T) {
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	l := newRateLimiter(nil, 0, quietLogger())
	require.NotNil(t, l.middleware(next))
	for range 5 {
		require.Equal(t, http.StatusOK, limitedRequest(l.middleware(next), "alice", "").StatusCode)
	}
}
