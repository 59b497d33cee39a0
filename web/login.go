package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/guichet/guichet/platform/auth"
)

// loginTTL is how long a started sign-in may take at the issuer.
const loginTTL = 10 * time.Minute

// relyingParty signs people in through the OpenID Connect issuer with the authorization code
// flow. The provider's discovery is fetched on first use and again after a failure, so the
// console may start before the issuer.
type relyingParty struct {
	issuer, clientID, clientSecret, redirectURL string

	mu       sync.Mutex
	config   *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func (rp *relyingParty) load(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.config != nil {
		return rp.config, rp.verifier, nil
	}
	provider, err := oidc.NewProvider(ctx, rp.issuer)
	if err != nil {
		return nil, nil, err
	}
	rp.config = &oauth2.Config{ClientID: rp.clientID, ClientSecret: rp.clientSecret, RedirectURL: rp.redirectURL,
		Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile"}}
	rp.verifier = provider.Verifier(&oidc.Config{ClientID: rp.clientID})
	return rp.config, rp.verifier, nil
}

// pendingLogin is kept in Redis under the state between /login and /callback.
type pendingLogin struct {
	Nonce string `json:"nonce"`
	Next  string `json:"next"`
}

const loginCookie = "guichet_login"

// login starts the authorization code flow: fresh state and nonce, the state also bound to this
// browser by a short-lived cookie (so nobody can complete a sign-in started elsewhere).
func (c *console) login(w http.ResponseWriter, r *http.Request) {
	cfg, _, err := c.rp.load(r.Context())
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "Le service d'identité est injoignable.", err)
		return
	}
	state, nonce := randomToken(), randomToken()
	data, _ := json.Marshal(pendingLogin{Nonce: nonce, Next: localPath(r.URL.Query().Get("next"))})
	if err := c.sessions.rdb.Set(r.Context(), "web:login:"+state, data, loginTTL).Err(); err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "La connexion est momentanément impossible.", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: state, Path: "/callback", HttpOnly: true,
		Secure: c.sessions.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(loginTTL.Seconds())})
	http.Redirect(w, r, cfg.AuthCodeURL(state, oidc.Nonce(nonce)), http.StatusSeeOther)
}

// callback completes the flow: state checked against the cookie and Redis (once), code exchanged,
// id_token verified (signature, issuer, audience, expiry by go-oidc; nonce here).
func (c *console) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	state := r.URL.Query().Get("state")
	cookie, err := r.Cookie(loginCookie)
	if err != nil || len(state) < 32 || cookie.Value != state {
		c.fail(w, r, http.StatusBadRequest, "Cette connexion n'a pas été demandée depuis ce navigateur : recommencez.", errors.New("state mismatch"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/callback", MaxAge: -1, HttpOnly: true, Secure: c.sessions.secure})
	data, err := c.sessions.rdb.GetDel(ctx, "web:login:"+state).Bytes()
	if errors.Is(err, redis.Nil) {
		c.fail(w, r, http.StatusBadRequest, "Cette connexion a expiré ou a déjà servi : recommencez.", err)
		return
	}
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "La connexion est momentanément impossible.", err)
		return
	}
	var pending pendingLogin
	if err := json.Unmarshal(data, &pending); err != nil {
		c.fail(w, r, http.StatusInternalServerError, "La connexion a échoué.", err)
		return
	}
	cfg, verifier, err := c.rp.load(ctx)
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "Le service d'identité est injoignable.", err)
		return
	}
	tok, err := cfg.Exchange(ctx, r.URL.Query().Get("code"))
	if err != nil {
		c.fail(w, r, http.StatusBadRequest, "Le code de connexion a été refusé : recommencez.", err)
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	idToken, err := verifier.Verify(ctx, rawID)
	if err != nil || idToken.Nonce != pending.Nonce {
		c.fail(w, r, http.StatusBadRequest, "L'identité renvoyée n'a pas pu être vérifiée.", errors.Join(errors.New("id_token or nonce"), err))
		return
	}
	var claims auth.Claims
	if err := idToken.Claims(&claims); err != nil {
		c.fail(w, r, http.StatusBadRequest, "L'identité renvoyée n'a pas pu être lue.", err)
		return
	}
	if _, err := claims.Principal(""); err != nil {
		c.fail(w, r, http.StatusForbidden, "Cette identité n'a pas de rôle dans guichet.", err)
		return
	}
	if err := c.sessions.create(ctx, w, session{Subject: claims.Subject, Role: claims.Role, Name: claims.Name, Token: tok.AccessToken}); err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "La session n'a pas pu être ouverte.", err)
		return
	}
	http.Redirect(w, r, pending.Next, http.StatusSeeOther)
}

func (c *console) logout(w http.ResponseWriter, r *http.Request, sess session) {
	if err := c.sessions.destroy(r.Context(), w, sess); err != nil {
		c.logger.WarnContext(r.Context(), "web: session not deleted", "error", err)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// localPath keeps a post-login destination on this site ("/" otherwise): no open redirect.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || u.Host != "" || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}
