package gateway

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/auth/authtest"
)

func TestBodyOver1MiBIs413(t *testing.T) {
	srv := httptest.NewServer(newTestGateway(t, Options{}))
	t.Cleanup(srv.Close)
	big := bytes.Repeat([]byte("a"), 2<<20)

	t.Run("with Content-Length", func(t *testing.T) {
		resp, err := http.Post(srv.URL+"/v1/calls", "application/json", bytes.NewReader(big))
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		decodeProblem(t, resp, http.StatusRequestEntityTooLarge)
	})
	t.Run("chunked", func(t *testing.T) {
		// A reader of unknown length makes the client send Transfer-Encoding: chunked.
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/calls", io.MultiReader(bytes.NewReader(big)))
		require.NoError(t, err)
		require.EqualValues(t, 0, req.ContentLength)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		decodeProblem(t, resp, http.StatusRequestEntityTooLarge)
	})
	t.Run("1 MiB is accepted", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/nowhere", io.MultiReader(bytes.NewReader(big[:1<<20])))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		decodeProblem(t, resp, http.StatusNotFound)
	})
}

func TestLimitBodyKeepsBody(t *testing.T) {
	var got string
	h := limitBody(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"a":1}`)))
	require.Equal(t, `{"a":1}`, got)
}

func TestAuthentication(t *testing.T) {
	iss := authtest.New(t)
	h := newTestGateway(t, Options{Verifier: iss.Verifier})

	expired, err := iss.Mint(auth.Claims{Subject: "alice", Role: string(auth.Applicant), Siret: "13002526500013"}, -time.Hour)
	require.NoError(t, err)
	// Same issuer URL, another signing key: only the signature tells them apart.
	forger, err := auth.LoadDevIssuer(iss.Issuer(), "guichet", filepath.Join(t.TempDir(), "other.json"))
	require.NoError(t, err)
	forged, err := forger.Mint(auth.Claims{Subject: "alice", Role: string(auth.ProgrammeOfficer)}, time.Hour)
	require.NoError(t, err)
	otherIssuer := authtest.New(t).Token(auth.ProgrammeOfficer, "alice", "")

	for name, header := range map[string]string{
		"malformed":      "Bearer not.a.jwt",
		"not bearer":     "Basic YWxpY2U6c2VjcmV0",
		"empty bearer":   "Bearer ",
		"expired":        "Bearer " + expired,
		"wrong key":      "Bearer " + forged,
		"another issuer": "Bearer " + otherIssuer,
		"tampered":       "Bearer " + iss.Token(auth.Applicant, "alice", "13002526500013") + "x",
	} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/v1/calls", nil)
			r.Header.Set("Authorization", header)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			p := decodeProblem(t, w.Result(), http.StatusUnauthorized)
			require.Equal(t, "https://guichet.dev/problems/unauthenticated", p.Type)
			require.NotEmpty(t, p.Detail)
			require.True(t, strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer"))
		})
	}

	t.Run("expired names the reason", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/v1/calls", nil)
		r.Header.Set("Authorization", "Bearer "+expired)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Contains(t, decodeProblem(t, w.Result(), http.StatusUnauthorized).Detail, "expired")
	})

	t.Run("two headers", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/v1/calls", nil)
		r.Header.Add("Authorization", "Bearer "+iss.Token(auth.Auditor, "auditor-1", ""))
		r.Header.Add("Authorization", "Bearer "+iss.Token(auth.Auditor, "auditor-2", ""))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		decodeProblem(t, w.Result(), http.StatusUnauthorized)
	})

	t.Run("valid token and anonymous reach the routes", func(t *testing.T) {
		for _, header := range []string{"Bearer " + iss.Token(auth.Auditor, "auditor-1", ""), ""} {
			r := httptest.NewRequest(http.MethodGet, "/v1/nowhere", nil)
			if header != "" {
				r.Header.Set("Authorization", header)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			decodeProblem(t, w.Result(), http.StatusNotFound)
		}
	})
}

func TestAuthenticatePutsPrincipalInContext(t *testing.T) {
	iss := authtest.New(t)
	var got auth.Principal
	h := authenticate(iss.Verifier)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = auth.FromContext(r.Context())
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+iss.Token(auth.Reviewer, "reviewer-1", ""))
	h.ServeHTTP(httptest.NewRecorder(), r)
	require.Equal(t, "reviewer-1", got.Subject)
	require.Equal(t, auth.Reviewer, got.Role)
	require.Equal(t, "sub:reviewer-1", callerScope(r.WithContext(auth.WithPrincipal(r.Context(), got))))
}

func TestOversizedHeadersAreRefused(t *testing.T) {
	h := newTestGateway(t, Options{})
	r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	r.Header.Set("X-Padding", strings.Repeat("a", maxHeaderBytes))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	decodeProblem(t, w.Result(), http.StatusRequestHeaderFieldsTooLarge)

	r = httptest.NewRequest(http.MethodGet, "/healthz", nil)
	r.Header.Set("X-Padding", strings.Repeat("a", maxHeaderBytes/2))
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code)
}
