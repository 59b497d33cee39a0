// Package authtest runs a development issuer on a loopback HTTP server for tests, so that services
// verify real signed tokens exactly as in production.
package authtest

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/guichet/guichet/platform/auth"
)

// Issuer is a running development issuer and a verifier of its tokens.
type Issuer struct {
	*auth.DevIssuer
	Verifier *auth.Verifier
	t        testing.TB
}

// New starts an issuer for the test.
func New(t testing.TB) *Issuer {
	t.Helper()
	srv := httptest.NewServer(nil)
	t.Cleanup(srv.Close)
	iss, err := auth.LoadDevIssuer(srv.URL, "guichet", keyFile(t))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = iss.Handler()
	return &Issuer{DevIssuer: iss, Verifier: auth.NewVerifier(srv.URL, "guichet"), t: t}
}

// shared is the signing key of every issuer of a test binary, made once: an RSA key takes about
// 0.1 s to generate. Issuers stay apart by their URLs, which tokens name and verifiers check.
var shared struct {
	once sync.Once
	key  []byte
	err  error
}

// keyFile writes the shared key to a file of the test's own.
func keyFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key.json")
	shared.once.Do(func() {
		made := path + ".new"
		if _, err := auth.LoadDevIssuer("http://127.0.0.1", "guichet", made); err != nil {
			shared.err = err
			return
		}
		shared.key, shared.err = os.ReadFile(made)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	if err := os.WriteFile(path, shared.key, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Token mints a token for a role and subject; siret is for applicants.
func (i *Issuer) Token(role auth.Role, sub, siret string) string {
	i.t.Helper()
	tok, err := i.Mint(auth.Claims{Subject: sub, Role: string(role), Siret: siret}, time.Hour)
	if err != nil {
		i.t.Fatal(err)
	}
	return tok
}

// Context returns an outgoing gRPC context carrying the token of role and sub.
func (i *Issuer) Context(ctx context.Context, role auth.Role, sub, siret string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+i.Token(role, sub, siret))
}
