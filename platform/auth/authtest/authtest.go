// Package authtest runs a development issuer on a loopback HTTP server for tests, so that services
// verify real signed tokens exactly as in production.
package authtest

import (
	"context"
	"net/http/httptest"
	"path/filepath"
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
	iss, err := auth.LoadDevIssuer(srv.URL, "guichet", filepath.Join(t.TempDir(), "key.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = iss.Handler()
	return &Issuer{DevIssuer: iss, Verifier: auth.NewVerifier(srv.URL, "guichet"), t: t}
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
