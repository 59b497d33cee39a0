package auth

import (
	"context"
	"sync"
	"time"
)

// TokenSource gives the token a process sends when it calls a service as itself.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a token configured by the deployment (for instance obtained with the client
// credentials grant by a sidecar and mounted as a file).
type StaticToken string

// Token returns the token.
func (s StaticToken) Token(context.Context) (string, error) { return string(s), nil }

// DevTokenSource mints tokens for one principal with the development issuer, renewing them before
// they expire.
type DevTokenSource struct {
	Issuer *DevIssuer
	Claims Claims

	mu      sync.Mutex
	token   string
	expires time.Time
}

// Token returns a valid token.
func (d *DevTokenSource) Token(context.Context) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if time.Until(d.expires) > 5*time.Minute {
		return d.token, nil
	}
	tok, err := d.Issuer.Mint(d.Claims, time.Hour)
	if err != nil {
		return "", err
	}
	d.token, d.expires = tok, time.Now().Add(time.Hour)
	return tok, nil
}

// Credentials returns gRPC per-call credentials sending the source's token.
func Credentials(src TokenSource) PerRPC { return PerRPC{Token: src.Token} }
