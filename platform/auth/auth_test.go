package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func newIssuer(t testing.TB) (*DevIssuer, *Verifier) {
	t.Helper()
	return issuerWithKey(t, filepath.Join(t.TempDir(), "key.json"))
}

// issuerWithKey serves a development issuer of the key file at path (made if missing) and
// returns it with a verifier of its tokens.
func issuerWithKey(t testing.TB, path string) (*DevIssuer, *Verifier) {
	t.Helper()
	mux := httptest.NewServer(nil)
	t.Cleanup(mux.Close)
	iss, err := LoadDevIssuer(mux.URL, "guichet", path)
	if err != nil {
		t.Fatal(err)
	}
	mux.Config.Handler = iss.Handler()
	return iss, NewVerifier(mux.URL, "guichet")
}

// writeKeyFile writes k as a key file of alg, as an earlier version of the issuer left one.
func writeKeyFile(t testing.TB, k any, alg string) string {
	t.Helper()
	data, err := (&jose.JSONWebKey{Key: k, KeyID: "old", Algorithm: alg, Use: "sig"}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// BenchmarkVerifyFirstSight measures the check of a token the verifier has not seen yet (each
// applicant's first request), for the issuer's RS256 and an earlier key file's ES256:
// go test -run '^$' -bench VerifyFirstSight -benchtime 2000x ./platform/auth/
func BenchmarkVerifyFirstSight(b *testing.B) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		alg  string
		path func() string
	}{
		{"RS256", func() string { return filepath.Join(b.TempDir(), "key.json") }},
		{"ES256", func() string { return writeKeyFile(b, ec, "ES256") }},
	} {
		b.Run(tc.alg, func(b *testing.B) {
			iss, v := issuerWithKey(b, tc.path())
			tokens := make([]string, b.N)
			for i := range tokens {
				if tokens[i], err = iss.Mint(Claims{Subject: fmt.Sprintf("applicant-%d", i), Role: "applicant", Siret: "13002526500013"}, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := v.Verify(context.Background(), tokens[0]); err != nil { // discovery and keys fetched once
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 1; i < b.N; i++ {
				if _, err := v.Verify(context.Background(), tokens[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestDevIssuerTokensVerify(t *testing.T) {
	iss, v := newIssuer(t)
	tok, err := iss.Mint(Claims{Subject: "alice", Role: "applicant", Siret: "13002526500013"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if p.Subject != "alice" || p.Role != Applicant || p.Siret != "13002526500013" {
		t.Fatalf("principal = %+v", p)
	}
}

func TestVerifierRefusesBadTokens(t *testing.T) {
	iss, v := newIssuer(t)
	other, _ := newIssuer(t)
	expired, err := iss.mint(Claims{Subject: "bob", Role: "reviewer"}, time.Minute, time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Mint(Claims{Subject: "bob", Role: "reviewer"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	wrongAud, err := (&DevIssuer{issuer: iss.issuer, audience: "other", key: iss.key}).Mint(Claims{Subject: "bob", Role: "reviewer"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// alg "none": header {"alg":"none"} with the same claims and no signature.
	none := "eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IiLCJyb2xlIjoicmV2aWV3ZXIifQ."
	for name, tok := range map[string]string{"expired": expired, "wrong key": foreign, "wrong audience": wrongAud, "alg none": none, "garbage": "x.y.z"} {
		if _, err := v.Verify(context.Background(), tok); err == nil {
			t.Errorf("%s: token accepted", name)
		}
	}
}

func TestClaimsRules(t *testing.T) {
	tests := []struct {
		name    string
		claims  Claims
		wantErr bool
	}{
		{"applicant with siret", Claims{Subject: "a", Role: "applicant", Siret: "13002526500013"}, false},
		{"applicant without siret", Claims{Subject: "a", Role: "applicant"}, true},
		{"unknown role", Claims{Subject: "a", Role: "king"}, true},
		{"no subject", Claims{Role: "reviewer"}, true},
		{"accountant", Claims{Subject: "acc", Role: "accountant"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.claims.Principal("")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func TestPolicyAuthorize(t *testing.T) {
	iss, v := newIssuer(t)
	policy := Policy{
		"/s.S/Public":  Anyone,
		"/s.S/Officer": Allow(ProgrammeOfficer),
	}
	officer, _ := iss.Mint(Claims{Subject: "o", Role: "programme_officer"}, time.Hour)
	reviewer, _ := iss.Mint(Claims{Subject: "r", Role: "reviewer"}, time.Hour)
	withToken := func(tok string) context.Context {
		return metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+tok))
	}
	tests := []struct {
		name   string
		ctx    context.Context
		method string
		want   codes.Code
	}{
		{"anonymous on public", context.Background(), "/s.S/Public", codes.OK},
		{"anonymous on protected", context.Background(), "/s.S/Officer", codes.Unauthenticated},
		{"bad token on public", withToken("x.y.z"), "/s.S/Public", codes.Unauthenticated},
		{"right role", withToken(officer), "/s.S/Officer", codes.OK},
		{"wrong role", withToken(reviewer), "/s.S/Officer", codes.PermissionDenied},
		{"method not in policy", withToken(officer), "/s.S/Other", codes.PermissionDenied},
		{"health is open", context.Background(), "/grpc.health.v1.Health/Check", codes.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.Authorize(tt.ctx, v, tt.method)
			if got := status.Code(err); got != tt.want {
				t.Fatalf("code = %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
}

// A verified token is remembered until it expires: a second request with it skips the signature
// check, and an expired one is refused even when remembered.
func TestVerifierRemembersTokensUntilTheyExpire(t *testing.T) {
	iss, v := newIssuer(t)
	now := time.Now()
	v.now = func() time.Time { return now }
	tok, err := iss.Mint(Claims{Subject: "alice", Role: "applicant", Siret: "13002526500013"}, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		p, err := v.Verify(context.Background(), tok)
		if err != nil || p.Subject != "alice" {
			t.Fatalf("Verify = %+v, %v", p, err)
		}
	}
	if v.verified.Len() != 1 {
		t.Fatalf("%d tokens remembered, want 1", v.verified.Len())
	}
	// A token that differs by one character is checked, not matched against the remembered one.
	tampered := tok[:len(tok)-2] + map[bool]string{true: "A", false: "B"}[tok[len(tok)-2] != 'A'] + tok[len(tok)-1:]
	if _, err := v.Verify(context.Background(), tampered); err == nil {
		t.Fatal("a tampered token was accepted")
	}
	now = now.Add(11 * time.Minute)
	if _, err := v.Verify(context.Background(), tok); err == nil {
		t.Fatal("an expired token was accepted from memory")
	}
}

// TestDevIssuerKeyAlgorithms: a new key signs RS256; a key file of an earlier version (ES256)
// keeps signing tokens that verify; a key file naming another algorithm is refused with the rule.
func TestDevIssuerKeyAlgorithms(t *testing.T) {
	iss, v := newIssuer(t)
	if iss.alg() != jose.RS256 {
		t.Fatalf("a new key signs %s, want RS256", iss.alg())
	}
	tok, err := iss.Mint(Claims{Subject: "alice", Role: "reviewer"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Split(tok, ".")[0]; !strings.Contains(decodeSegment(t, h), `"alg":"RS256"`) {
		t.Fatalf("token header %s, want RS256", decodeSegment(t, h))
	}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}

	writeKey := func(k any, alg string) string { return writeKeyFile(t, k, alg) }
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(nil)
	t.Cleanup(srv.Close)
	old, err := LoadDevIssuer(srv.URL, "guichet", writeKey(ec, "ES256"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = old.Handler()
	tok, err = old.Mint(Claims{Subject: "alice", Role: "reviewer"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewVerifier(srv.URL, "guichet").Verify(context.Background(), tok); err != nil {
		t.Fatalf("a token of an ES256 key file: %v", err)
	}
	if _, err := LoadDevIssuer(srv.URL, "guichet", writeKey(ec, "ES384")); err == nil || !strings.Contains(err.Error(), "want RS256 or ES256") {
		t.Fatalf("an ES384 key file: %v, want a refusal naming the algorithms", err)
	}
}

func decodeSegment(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
