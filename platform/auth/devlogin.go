package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/guichet/guichet/platform/ids"
)

// DemoPrincipals are the people a developer may sign in as through the development issuer's
// /authorize page. DEVELOPMENT ONLY: anyone reaching that page becomes whoever they pick.
var DemoPrincipals = []Claims{
	{Subject: "reviewer-1", Role: string(Reviewer), Name: "Reviewer 1"},
	{Subject: "reviewer-2", Role: string(Reviewer), Name: "Reviewer 2"},
	{Subject: "reviewer-3", Role: string(Reviewer), Name: "Reviewer 3"},
	{Subject: "reviewer-4", Role: string(Reviewer), Name: "Reviewer 4"},
	{Subject: "reviewer-5", Role: string(Reviewer), Name: "Reviewer 5"},
	{Subject: "reviewer-6", Role: string(Reviewer), Name: "Reviewer 6"},
	{Subject: "chair-1", Role: string(JuryChair), Name: "Chair 1"},
	{Subject: "officer-1", Role: string(ProgrammeOfficer), Name: "Officer 1"},
	{Subject: "finance-1", Role: string(FinanceOfficer), Name: "Finance 1"},
	{Subject: "finance-2", Role: string(FinanceOfficer), Name: "Finance 2"},
	{Subject: "accountant-1", Role: string(Accountant), Name: "Accountant 1"},
	{Subject: "auditor-1", Role: string(Auditor), Name: "Auditor 1"},
}

// codeTTL is how long an authorization code may wait for its exchange; sessionTokenTTL how long
// the tokens it yields stay valid.
const (
	codeTTL         = time.Minute
	sessionTokenTTL = 8 * time.Hour
)

// grant is an authorization code waiting for its exchange at /token.
type grant struct {
	claims      Claims
	clientID    string
	redirectURI string
	nonce       string
	expires     time.Time
}

// codes holds the pending authorization codes of one issuer process (the gateway serves both
// /authorize and /token, so memory is enough).
type codeStore struct {
	mu      sync.Mutex
	pending map[string]grant
}

func (c *codeStore) put(g grant) string {
	code := rand.Text() + rand.Text()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[string]grant{}
	}
	now := time.Now()
	for k, v := range c.pending {
		if now.After(v.expires) {
			delete(c.pending, k)
		}
	}
	c.pending[code] = g
	return code
}

// take removes and returns the code's grant: a code is used once, whatever the outcome.
func (c *codeStore) take(code string) (grant, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.pending[code]
	delete(c.pending, code)
	if !ok || time.Now().After(g.expires) {
		return grant{}, false
	}
	return g, true
}

var authorizePage = template.Must(template.New("authorize").Parse(`<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Émetteur de développement — guichet</title></head>
<body>
<main>
<h1>Émetteur d'identité de développement</h1>
<p><strong>Développement uniquement</strong> : choisissez la personne de démonstration sous laquelle vous connecter.</p>
<form method="post" action="">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="nonce" value="{{.Nonce}}">
<fieldset>
<legend>Personne de démonstration</legend>
{{range $i, $p := .Principals}}<div><input type="radio" name="sub" id="p-{{$p.Subject}}" value="{{$p.Subject}}"{{if eq $i 0}} checked{{end}}>
<label for="p-{{$p.Subject}}">{{$p.Subject}} (<span lang="en">{{$p.Role}}</span>)</label></div>
{{end}}</fieldset>
<button type="submit">Se connecter</button>
</form>
</main>
</body>
</html>
`))

// authorize serves the authorization endpoint: GET shows the demo principals, POST issues a code
// and redirects back to the client.
func (d *DevIssuer) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	q := r.Form
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || (redirect.Scheme != "http" && redirect.Scheme != "https") || redirect.Host == "" {
		http.Error(w, "redirect_uri must be an absolute http(s) URL", http.StatusBadRequest)
		return
	}
	if q.Get("client_id") == "" || len(q.Get("state")) < 32 || len(q.Get("nonce")) < 32 {
		http.Error(w, "client_id, and state and nonce of at least 32 characters, are required", http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodGet {
		if q.Get("response_type") != "code" {
			http.Error(w, "only response_type=code is supported", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action 'self' http: https:; frame-ancestors 'none'")
		_ = authorizePage.Execute(w, map[string]any{"ClientID": q.Get("client_id"), "RedirectURI": q.Get("redirect_uri"),
			"State": q.Get("state"), "Nonce": q.Get("nonce"), "Principals": DemoPrincipals})
		return
	}
	var picked *Claims
	for i := range DemoPrincipals {
		if DemoPrincipals[i].Subject == q.Get("sub") {
			picked = &DemoPrincipals[i]
		}
	}
	if picked == nil {
		http.Error(w, "unknown demo principal", http.StatusBadRequest)
		return
	}
	code := d.codes.put(grant{claims: *picked, clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"),
		nonce: q.Get("nonce"), expires: time.Now().Add(codeTTL)})
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusSeeOther)
}

// token serves the token endpoint: it exchanges a code, once, for an id_token meant for the client
// and an access token (a guichet token for the same principal).
func (d *DevIssuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, "unsupported_grant_type")
		return
	}
	clientID, _, ok := r.BasicAuth()
	if !ok {
		clientID = r.PostForm.Get("client_id")
	}
	g, ok := d.codes.take(r.PostForm.Get("code"))
	if !ok || subtle.ConstantTimeCompare([]byte(g.clientID), []byte(clientID)) != 1 || g.redirectURI != r.PostForm.Get("redirect_uri") {
		tokenError(w, "invalid_grant")
		return
	}
	now := time.Now()
	access, err := d.mint(g.claims, sessionTokenTTL, now)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	id, err := d.mintID(g, now)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = jsonEncode(w, map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": int(sessionTokenTTL.Seconds()), "id_token": id})
}

// mintID signs the id_token of a grant: its audience is the client, it carries the client's nonce.
func (d *DevIssuer) mintID(g grant, now time.Time) (string, error) {
	signer, err := d.signer()
	if err != nil {
		return "", err
	}
	registered := jwt.Claims{Issuer: d.issuer, Audience: jwt.Audience{g.clientID}, IssuedAt: jwt.NewNumericDate(now),
		Expiry: jwt.NewNumericDate(now.Add(sessionTokenTTL)), ID: ids.New()}
	return jwt.Signed(signer).Claims(registered).Claims(g.claims).Claims(map[string]any{"nonce": g.nonce}).Serialize()
}

func tokenError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	_ = jsonEncode(w, map[string]string{"error": code})
}
