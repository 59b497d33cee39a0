package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
)

// TestDevIssuerAuthorizationCode runs the authorization code flow against the development issuer
// and verifies its id_token as a relying party does (discovery, signature, issuer, audience, nonce).
func TestDevIssuerAuthorizationCode(t *testing.T) {
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer srv.Close()
	iss, err := LoadDevIssuer(srv.URL, "guichet", filepath.Join(t.TempDir(), "key.json"))
	if err != nil {
		t.Fatal(err)
	}
	h = iss.Handler()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	state, nonce := strings.Repeat("s", 32), strings.Repeat("n", 40)
	const redirect = "http://127.0.0.1:1/callback"
	params := url.Values{"response_type": {"code"}, "client_id": {"web"}, "redirect_uri": {redirect}, "state": {state}, "nonce": {nonce}}

	page, err := http.Get(srv.URL + "/authorize?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	_ = page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("authorize page: %d %s", page.StatusCode, page.Header.Get("Content-Type"))
	}
	short := url.Values{"response_type": {"code"}, "client_id": {"web"}, "redirect_uri": {redirect}, "state": {"short"}, "nonce": {nonce}}
	if res, err := http.Get(srv.URL + "/authorize?" + short.Encode()); err != nil || res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a short state must be refused: %v %v", res, err)
	}

	authorize := func(sub string) string {
		form := url.Values{"sub": {sub}}
		for k, v := range params {
			form[k] = v
		}
		res, err := noRedirect.PostForm(srv.URL+"/authorize", form)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			return ""
		}
		back, err := url.Parse(res.Header.Get("Location"))
		if err != nil || !strings.HasPrefix(back.String(), redirect+"?") || back.Query().Get("state") != state {
			t.Fatalf("redirect %q", res.Header.Get("Location"))
		}
		return back.Query().Get("code")
	}
	if authorize("nobody") != "" {
		t.Fatal("an unknown principal got a code")
	}
	exchange := func(code, redirectURI, client string) (int, map[string]any) {
		res, err := http.PostForm(srv.URL+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {redirectURI}, "client_id": {client}})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		var body map[string]any
		_ = json.NewDecoder(res.Body).Decode(&body)
		return res.StatusCode, body
	}

	code := authorize("chair-1")
	status, body := exchange(code, redirect, "web")
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, body)
	}
	if again, _ := exchange(code, redirect, "web"); again != http.StatusBadRequest {
		t.Fatalf("a code used twice: %d", again)
	}
	if s, _ := exchange(authorize("chair-1"), "http://127.0.0.1:1/elsewhere", "web"); s != http.StatusBadRequest {
		t.Fatalf("a code for another redirect_uri: %d", s)
	}
	if s, _ := exchange(authorize("chair-1"), redirect, "other"); s != http.StatusBadRequest {
		t.Fatalf("a code for another client: %d", s)
	}

	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if provider.Endpoint().AuthURL != srv.URL+"/authorize" || provider.Endpoint().TokenURL != srv.URL+"/token" {
		t.Fatalf("discovery: %+v", provider.Endpoint())
	}
	idToken, err := provider.Verifier(&oidc.Config{ClientID: "web"}).Verify(ctx, body["id_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Nonce string `json:"nonce"`
		Role  string `json:"role"`
	}
	if err := idToken.Claims(&claims); err != nil || claims.Nonce != nonce || claims.Role != string(JuryChair) || idToken.Subject != "chair-1" {
		t.Fatalf("id_token claims %+v %s %v", claims, idToken.Subject, err)
	}
	if _, err := provider.Verifier(&oidc.Config{ClientID: "guichet"}).Verify(ctx, body["id_token"].(string)); err == nil {
		t.Fatal("the id_token was accepted for another audience")
	}
	p, err := NewVerifier(srv.URL, "guichet").Verify(ctx, body["access_token"].(string))
	if err != nil || p.Subject != "chair-1" || p.Role != JuryChair {
		t.Fatalf("access token: %+v %v", p, err)
	}
}
