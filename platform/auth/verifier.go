package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/hashicorp/golang-lru/v2/expirable"
)

// ErrNoToken is returned when a request carries no bearer token.
var ErrNoToken = errors.New("no bearer token")

// Verifier checks bearer tokens against an OpenID Connect issuer's keys (JWKS): signature, issuer,
// audience and expiry, as in production. The JWKS address comes from the issuer's discovery
// document, fetched on first use and again after a failure, so services may start before the issuer.
type Verifier struct {
	issuer   string
	audience string
	client   *http.Client

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier

	// verified remembers the tokens already checked (by their SHA-256) until they expire, and for
	// at most verifiedFor: a signature check costs more than the rest of a request's handling, and
	// one token authorises many requests. The bound means a key withdrawn from the issuer's JWKS
	// stops being honoured within verifiedFor.
	verified *expirable.LRU[[sha256.Size]byte, verifiedToken]
	now      func() time.Time
}

type verifiedToken struct {
	principal Principal
	expiry    time.Time
}

const (
	verifiedFor      = time.Minute
	verifiedCapacity = 20_000
)

// NewVerifier returns a verifier for tokens of issuer meant for audience.
func NewVerifier(issuer, audience string) *Verifier {
	return &Verifier{issuer: strings.TrimRight(issuer, "/"), audience: audience, client: &http.Client{Timeout: 5 * time.Second},
		verified: expirable.NewLRU[[sha256.Size]byte, verifiedToken](verifiedCapacity, nil, verifiedFor), now: time.Now}
}

func (v *Verifier) load(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.verifier != nil {
		return v.verifier, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.issuer+"/.well-known/openid-configuration", nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("discovery of issuer %s: %w", v.issuer, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("discovery of issuer %s: HTTP %d", v.issuer, resp.StatusCode)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, fmt.Errorf("discovery of issuer %s: %w", v.issuer, err)
	}
	if strings.TrimRight(doc.Issuer, "/") != v.issuer {
		return nil, fmt.Errorf("discovery of issuer %s names issuer %s", v.issuer, doc.Issuer)
	}
	keyCtx := oidc.ClientContext(context.Background(), v.client)
	keys := oidc.NewRemoteKeySet(keyCtx, doc.JWKSURI)
	v.verifier = oidc.NewVerifier(doc.Issuer, keys, &oidc.Config{
		ClientID:             v.audience,
		SupportedSigningAlgs: []string{oidc.ES256, oidc.RS256},
		Now:                  v.now,
	})
	return v.verifier, nil
}

// Verify checks a raw token and returns its principal.
func (v *Verifier) Verify(ctx context.Context, raw string) (Principal, error) {
	if raw == "" {
		return Principal{}, ErrNoToken
	}
	key := sha256.Sum256([]byte(raw))
	if hit, ok := v.verified.Get(key); ok {
		if v.now().Before(hit.expiry) {
			return hit.principal, nil
		}
		v.verified.Remove(key)
	}
	verifier, err := v.load(ctx)
	if err != nil {
		return Principal{}, err
	}
	tok, err := verifier.Verify(ctx, raw)
	if err != nil {
		return Principal{}, err
	}
	var c Claims
	if err := tok.Claims(&c); err != nil {
		return Principal{}, err
	}
	p, err := c.Principal(raw)
	if err != nil {
		return Principal{}, err
	}
	v.verified.Add(key, verifiedToken{principal: p, expiry: tok.Expiry})
	return p, nil
}

// BearerToken extracts the token of an "Authorization: Bearer <token>" value; "" when absent.
func BearerToken(header string) string {
	const prefix = "bearer "
	if len(header) > len(prefix) && strings.EqualFold(header[:len(prefix)], prefix) {
		return strings.TrimSpace(header[len(prefix):])
	}
	return ""
}
