package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/mail/mailpit"
	"github.com/guichet/guichet/platform/testenv"
)

// TestSecurity attacks one all-in-one platform on the real components through its REST gateway:
// the authorization matrix of every published method, forged and broken tokens, oversized
// requests and injection strings. docs/security.md describes the threat model.
func TestSecurity(t *testing.T) {
	env := testenv.Get(t)
	sp := startSecurityPlatform(t, env)
	a := sp.api(t)

	// The fixtures: the scenario funds one application of alice's organisation and pays its
	// tranches, so that every resource of a path template exists.
	funded := scenario(t, a, temporalClient(t, env.TemporalAddress), &mailpit.Client{URL: env.MailpitURL})
	alice := a.token(auth.Applicant, "alice", dinum)
	tranches := a.call(http.MethodGet, "/v1/"+funded+"/tranches", alice, nil).must(t, http.StatusOK)
	list, _ := tranches.JSON["tranches"].([]any)
	if len(list) == 0 {
		t.Fatalf("no tranches: %s", tranches.Body)
	}
	first := list[0].(map[string]any)
	parts := strings.Split(funded, "/") // calls/{call}/applications/{application}
	ids := map[string]string{
		"call":           parts[1],
		"application":    parts[3],
		"tranche":        strings.TrimPrefix(first["name"].(string), "tranches/"),
		"payment-batche": strings.TrimPrefix(first["batch"].(string), "payment-batches/"),
	}

	t.Run("AuthorizationMatrix", func(t *testing.T) {
		a := sp.api(t)
		authorizationMatrix(t, a, matrixTokens(a), ids)
	})
	t.Run("TokenAttacks", func(t *testing.T) { tokenAttacks(t, sp, "/v1/calls/"+ids["call"]+"/applications") })
	t.Run("OversizedRequests", func(t *testing.T) { oversizedRequests(t, sp, "/v1/calls/"+ids["call"]+"/applications") })
	t.Run("InjectionStrings", func(t *testing.T) { injectionStrings(t, sp, "/v1/calls/"+ids["call"]+"/applications") })
}

// tokenAttacks sends forged, stale and malformed credentials to a protected method: each is
// refused by the gateway with 401 problem+json, while a good token passes.
func tokenAttacks(t *testing.T, sp *securityPlatform, path string) {
	a := sp.api(t)
	a.call(http.MethodGet, path, a.token(auth.Applicant, "alice", dinum), nil).must(t, http.StatusOK)

	data, err := os.ReadFile(sp.cfg.DevIssuerKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	var key jose.JSONWebKey
	if err := key.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	// The issuer signs RS256 (its key file names the algorithm); another key of the same kind.
	alg := jose.SignatureAlgorithm(key.Algorithm)
	if alg != jose.RS256 {
		t.Fatalf("the development issuer's key is %s, want RS256", alg)
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// And a key of the other algorithm the verifier accepts, unknown to the issuer's JWKS.
	otherEC, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	good := jwt.Claims{Issuer: sp.cfg.OIDCIssuer, Audience: jwt.Audience{sp.cfg.OIDCAudience},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)), Expiry: jwt.NewNumericDate(now.Add(time.Hour))}
	claims := auth.Claims{Subject: "alice", Role: string(auth.Applicant), Siret: dinum}
	sign := func(signingKey any, alg jose.SignatureAlgorithm, change func(*jwt.Claims)) string {
		t.Helper()
		c := good
		if change != nil {
			change(&c)
		}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: signingKey},
			(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", key.KeyID))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.Signed(signer).Claims(c).Claims(claims).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	// The control: the suite's own signing reproduces a token the platform accepts, so each
	// refusal below is due to the one thing changed.
	a.call(http.MethodGet, path, sign(key.Key, alg, nil), nil).must(t, http.StatusOK)

	// alg "none": the signed token's header and payload with the algorithm replaced and no signature.
	parts := strings.Split(sign(key.Key, alg, nil), ".")
	header, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": key.KeyID})
	algNone := base64.RawURLEncoding.EncodeToString(header) + "." + parts[1] + "."
	// HS256 keyed with the public key: the classic algorithm confusion.
	pub, _ := json.Marshal(key.Public())
	hsConfused := sign(pub, jose.HS256, nil)

	attacks := []struct {
		name    string
		headers []string
	}{
		{"alg none", []string{"Bearer " + algNone}},
		{"alg none without signature dot", []string{"Bearer " + strings.TrimSuffix(algNone, ".")}},
		{"HS256 with the public key", []string{"Bearer " + hsConfused}},
		{"signed by another key", []string{"Bearer " + sign(otherKey, alg, nil)}},
		{"signed ES256 by a key the issuer does not publish", []string{"Bearer " + sign(otherEC, jose.ES256, nil)}},
		{"wrong issuer", []string{"Bearer " + sign(key.Key, alg, func(c *jwt.Claims) { c.Issuer = "https://evil.example/" })}},
		{"wrong audience", []string{"Bearer " + sign(key.Key, alg, func(c *jwt.Claims) { c.Audience = jwt.Audience{"another-api"} })}},
		{"no audience", []string{"Bearer " + sign(key.Key, alg, func(c *jwt.Claims) { c.Audience = nil })}},
		{"expired", []string{"Bearer " + sign(key.Key, alg, func(c *jwt.Claims) {
			c.IssuedAt, c.NotBefore, c.Expiry = jwt.NewNumericDate(now.Add(-2*time.Hour)), jwt.NewNumericDate(now.Add(-2*time.Hour)), jwt.NewNumericDate(now.Add(-time.Hour))
		})}},
		{"not yet valid", []string{"Bearer " + sign(key.Key, alg, func(c *jwt.Claims) {
			c.NotBefore, c.Expiry = jwt.NewNumericDate(now.Add(time.Hour)), jwt.NewNumericDate(now.Add(2*time.Hour))
		})}},
		{"tampered payload", []string{"Bearer " + parts[0] + "." + base64.RawURLEncoding.EncodeToString(
			[]byte(`{"sub":"alice","role":"programme_officer","iss":"`+sp.cfg.OIDCIssuer+`","aud":["guichet"],"exp":`+jsonNumber(now.Add(time.Hour).Unix())+`}`)) + "." + parts[2]}},
		{"garbage", []string{"Bearer not.a.jwt"}},
		{"empty bearer", []string{"Bearer "}},
		{"other scheme", []string{"Basic YWxpY2U6c2VjcmV0"}},
		{"two Authorization headers", []string{"Bearer " + a.token(auth.Applicant, "alice", dinum), "Bearer " + a.token(auth.ProgrammeOfficer, "officer-1", "")}},
	}
	for _, attack := range attacks {
		t.Run(attack.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, sp.base+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range attack.headers {
				req.Header.Add("Authorization", h)
			}
			r := do(t, req)
			r.problem(t, http.StatusUnauthorized, "")
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without a Bearer challenge: %q", r.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }
