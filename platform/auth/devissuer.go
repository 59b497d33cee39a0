package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/guichet/guichet/platform/ids"
)

// DevIssuer is the built-in development OpenID Connect issuer: it signs tokens for any role and
// serves its discovery document and JWKS like a real issuer, so the verification path is the
// production one. Its key is a file shared by the processes of one machine (`guichet token` and
// the gateway). Never enable it in production.
type DevIssuer struct {
	issuer   string
	audience string
	key      jose.JSONWebKey
	// codes are the authorization codes of /authorize waiting for /token.
	codes codeStore
}

// LoadDevIssuer reads the issuer's key from keyFile, creating it on first use.
func LoadDevIssuer(issuer, audience, keyFile string) (*DevIssuer, error) {
	key, err := loadOrCreateKey(keyFile)
	if err != nil {
		return nil, err
	}
	return &DevIssuer{issuer: strings.TrimRight(issuer, "/"), audience: audience, key: key}, nil
}

func loadOrCreateKey(path string) (jose.JSONWebKey, error) {
	var key jose.JSONWebKey
	data, err := os.ReadFile(path)
	if err == nil {
		if err := key.UnmarshalJSON(data); err != nil {
			return key, fmt.Errorf("development issuer key %s: %w", path, err)
		}
		if key.Algorithm != string(jose.RS256) && key.Algorithm != string(jose.ES256) {
			return key, fmt.Errorf("development issuer key %s: algorithm %q, want RS256 or ES256", path, key.Algorithm)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	// RS256: the one algorithm every OpenID provider must support (OpenID Connect Core, 15.1) and
	// the usual default of the providers an administration deploys; its signatures are also
	// checked in a third of the time of ES256's (30 against 77 µs here), and every request checks
	// one. A key file of an earlier version (ES256) keeps working: tokens are signed with the
	// algorithm the key file names.
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return key, err
	}
	key = jose.JSONWebKey{Key: priv, KeyID: ids.New(), Algorithm: string(jose.RS256), Use: "sig"}
	data, err = key.MarshalJSON()
	if err != nil {
		return key, err
	}
	if err := writeKey(path, data); errors.Is(err, errKeyExists) {
		// Another process created it first: use that one.
		return loadOrCreateKey(path)
	} else if err != nil {
		return key, err
	}
	return key, nil
}

// writeKey creates the key file, or leaves the one another process created first.
func writeKey(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return errKeyExists
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

var errKeyExists = errors.New("the key file exists")

// alg is the signature algorithm of the issuer's key.
func (d *DevIssuer) alg() jose.SignatureAlgorithm { return jose.SignatureAlgorithm(d.key.Algorithm) }

// signer signs the issuer's tokens with its key, naming the key in the header.
func (d *DevIssuer) signer() (jose.Signer, error) {
	return jose.NewSigner(jose.SigningKey{Algorithm: d.alg(), Key: d.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", d.key.KeyID))
}

// Issuer returns the issuer URL.
func (d *DevIssuer) Issuer() string { return d.issuer }

// Mint signs a token for claims, valid for ttl.
func (d *DevIssuer) Mint(c Claims, ttl time.Duration) (string, error) {
	return d.mint(c, ttl, time.Now())
}

func (d *DevIssuer) mint(c Claims, ttl time.Duration, now time.Time) (string, error) {
	if _, err := c.Principal(""); err != nil {
		return "", err
	}
	signer, err := d.signer()
	if err != nil {
		return "", err
	}
	registered := jwt.Claims{
		Issuer:    d.issuer,
		Audience:  jwt.Audience{d.audience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
		Expiry:    jwt.NewNumericDate(now.Add(ttl)),
		ID:        ids.New(),
	}
	return jwt.Signed(signer).Claims(registered).Claims(c).Serialize()
}

// Handler serves the discovery document at /.well-known/openid-configuration, the keys at /jwks
// and the authorization code flow at /authorize (a page where a developer picks a demo principal)
// and /token, relative to where it is mounted (the issuer URL's path). DEVELOPMENT ONLY.
func (d *DevIssuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{
			"issuer":                                d.issuer,
			"jwks_uri":                              d.issuer + "/jwks",
			"authorization_endpoint":                d.issuer + "/authorize",
			"token_endpoint":                        d.issuer + "/token",
			"grant_types_supported":                 []string{"authorization_code"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
			"id_token_signing_alg_values_supported": []string{string(d.alg())},
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{d.key.Public()}})
	})
	mux.HandleFunc("GET /authorize", d.authorize)
	mux.HandleFunc("POST /authorize", d.authorize)
	mux.HandleFunc("POST /token", d.token)
	return mux
}

func jsonEncode(w http.ResponseWriter, v any) error { return json.NewEncoder(w).Encode(v) }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=60")
	_ = json.NewEncoder(w).Encode(v)
}
