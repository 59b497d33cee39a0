// Package web is the jury console: server-rendered pages that talk gRPC to the services with the
// signed-in person's own token, so that the services enforce every rule. People sign in through
// the configured OpenID Connect issuer (authorization code flow); sessions live in Redis; every
// form carries a synchroniser token; pages carry a strict Content-Security-Policy and load nothing
// from elsewhere. Pages work without script; the chair's progress pages load one same-origin
// script that updates their counts live (docs/decisions/0017-live-jury-progress.md).
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"

	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// Options configure the console.
type Options struct {
	// APIURL is the REST gateway's address, shown to people looking for the API.
	APIURL string
	// BaseURL is the console's public address (its /callback is the redirect URI). Cookies are
	// Secure unless it is http://127.0.0.1 or http://localhost (development).
	BaseURL string
	// Issuer is the OpenID Connect issuer; ClientID and ClientSecret the console's registration.
	Issuer, ClientID, ClientSecret string
	// Redis holds the sessions.
	Redis *redis.Client
	// Applications and Review are connections to the services (no credentials of their own: each
	// call carries the signed-in person's token).
	Applications, Review grpc.ClientConnInterface
	// Payments, when set, serves the finance console (/calls/{call}/finance).
	Payments grpc.ClientConnInterface
	Logger   *slog.Logger
	// Theme is ThemeNeutral (the default, also when empty) or ThemeDSFR, the State design system
	// served from DSFRDir (where `make dsfr` installed it); Handler refuses a dsfr theme whose
	// folder lacks DSFR's files.
	Theme   string
	DSFRDir string
}

// console holds the handlers' dependencies.
type console struct {
	o        Options
	rp       *relyingParty
	sessions *sessions
	calls    appv1.CallServiceClient
	apps     appv1.ApplicationServiceClient
	review   reviewv1.ReviewServiceClient
	payments paymentsv1.PaymentServiceClient
	logger   *slog.Logger
	theme    string
	// streams ends the live event streams when the server shuts down (Shutdown).
	streams context.Context
}

// handler is the console's http.Handler; Shutdown ends its long-lived event streams, which
// http.Server.Shutdown would otherwise wait for (the server registers it with RegisterOnShutdown).
type handler struct {
	http.Handler
	stop context.CancelFunc
}

// Shutdown ends the console's event streams; browsers reconnect to the next server.
func (h *handler) Shutdown() { h.stop() }

// Handler serves the console.
func Handler(o Options) (http.Handler, error) {
	if o.Redis == nil || o.Applications == nil || o.Review == nil || o.Issuer == "" || o.ClientID == "" || o.BaseURL == "" {
		return nil, errors.New("web: Redis, Applications, Review, Issuer, ClientID and BaseURL are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	var dsfr http.Handler
	switch o.Theme {
	case "", ThemeNeutral:
		o.Theme = ThemeNeutral
	case ThemeDSFR:
		dist, err := dsfrDist(o.DSFRDir)
		if err != nil {
			return nil, err
		}
		if dsfr, err = dsfrHandler(dist); err != nil {
			return nil, fmt.Errorf("web: theme dsfr: %w", err)
		}
	default:
		return nil, fmt.Errorf("web: unknown theme %q (GUICHET_WEB_THEME is %s or %s)", o.Theme, ThemeNeutral, ThemeDSFR)
	}
	base := strings.TrimRight(o.BaseURL, "/")
	c := &console{
		o:        o,
		rp:       &relyingParty{issuer: o.Issuer, clientID: o.ClientID, clientSecret: o.ClientSecret, redirectURL: base + "/callback"},
		sessions: &sessions{rdb: o.Redis, secure: !insecureDevelopmentURL(base)},
		calls:    appv1.NewCallServiceClient(o.Applications),
		apps:     appv1.NewApplicationServiceClient(o.Applications),
		review:   reviewv1.NewReviewServiceClient(o.Review),
		logger:   o.Logger,
		theme:    o.Theme,
	}
	var stop context.CancelFunc
	c.streams, stop = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", c.home)
	mux.HandleFunc("GET /accessibility", c.accessibility)
	mux.HandleFunc("GET /login", c.login)
	mux.HandleFunc("GET /callback", c.callback)
	mux.HandleFunc("POST /logout", c.post(c.logout))
	mux.HandleFunc("GET /calls/{call}", c.get(c.callPage))
	mux.HandleFunc("POST /calls/{call}/declaration", c.post(c.signDeclaration))
	mux.HandleFunc("GET /calls/{call}/applications/{app}", c.get(c.applicationPage))
	mux.HandleFunc("POST /calls/{call}/applications/{app}/conflict", c.post(c.declareConflict))
	mux.HandleFunc("POST /calls/{call}/applications/{app}/review", c.post(c.createReview))
	mux.HandleFunc("GET /calls/{call}/divergences", c.get(c.divergencesPage))
	mux.HandleFunc("GET /calls/{call}/applications/{app}/consensus", c.get(c.consensusPage))
	mux.HandleFunc("POST /calls/{call}/applications/{app}/consensus", c.post(c.recordConsensus))
	mux.HandleFunc("GET /calls/{call}/ranking", c.get(c.rankingPage))
	mux.HandleFunc("POST /calls/{call}/ranking", c.post(c.rank))
	mux.HandleFunc("GET /calls/{call}/minutes", c.get(c.minutesPage))
	mux.HandleFunc("POST /calls/{call}/minutes", c.post(c.signMinutes))
	mux.HandleFunc("GET /calls/{call}/events", c.juryEvents)
	if o.Payments != nil {
		c.payments = paymentsv1.NewPaymentServiceClient(o.Payments)
		c.financeRoutes(mux)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.Handle("GET /static/", staticHandler())
	if dsfr != nil {
		mux.Handle("GET /static/dsfr/", dsfr)
	}
	// Defence in depth beside the synchroniser tokens: browsers' Sec-Fetch-Site/Origin headers
	// refuse cross-origin POSTs before any handler runs.
	return &handler{Handler: secure(http.NewCrossOriginProtection().Handler(mux), o.Theme == ThemeDSFR), stop: stop}, nil
}

// insecureDevelopmentURL reports whether base is a plain-HTTP loopback address, the one case where
// cookies may go without Secure (browsers would not send them back otherwise).
func insecureDevelopmentURL(base string) bool {
	for _, p := range []string{"http://127.0.0.1", "http://localhost", "http://[::1]"} {
		if base == p || strings.HasPrefix(base, p+":") || strings.HasPrefix(base, p+"/") {
			return true
		}
	}
	return false
}

// get wraps a page that needs a session: without one, the browser goes to sign in first.
func (c *console) get(h func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, ok, err := c.sessions.load(r)
		if err != nil {
			c.fail(w, r, http.StatusServiceUnavailable, "Les sessions sont momentanément indisponibles.", err)
			return
		}
		if !ok {
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, sess)
	}
}

// post wraps a form handler: a session and its synchroniser token are required.
func (c *console) post(h func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		sess, ok, err := c.sessions.load(r)
		if err != nil {
			c.fail(w, r, http.StatusServiceUnavailable, "Les sessions sont momentanément indisponibles.", err)
			return
		}
		if !ok || !validCSRF(sess, r) {
			c.fail(w, r, http.StatusForbidden, "Ce formulaire a expiré ou ne vient pas de cette console : rechargez la page et recommencez.", errors.New("csrf"))
			return
		}
		h(w, r, sess)
	}
}

// view is what every page template receives.
type view struct {
	Title   string
	Session *session
	// Error is announced at the top of the page (role="alert"); fields refer to it.
	Error string
	Data  any
	// Theme is the console's theme (the layout switches on it).
	Theme string
	// Script is a same-origin script the page loads to enhance itself (empty: none).
	Script string
}

func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	if v.Session == nil {
		if sess, ok, _ := c.sessions.load(r); ok {
			v.Session = &sess
		}
	}
	v.Theme = c.theme
	var buf strings.Builder
	if err := pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		c.logger.ErrorContext(r.Context(), "web: page not rendered", "page", name, "error", err)
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

// fail shows an error page; the cause goes to the log, not to the page.
func (c *console) fail(w http.ResponseWriter, r *http.Request, status int, message string, cause error) {
	if status >= 500 {
		c.logger.ErrorContext(r.Context(), "web: request failed", "path", r.URL.Path, "error", cause)
	} else {
		c.logger.InfoContext(r.Context(), "web: request refused", "path", r.URL.Path, "status", status, "error", cause)
	}
	c.render(w, r, status, "error.html", view{Title: "Erreur", Error: message})
}

func (c *console) home(w http.ResponseWriter, r *http.Request) {
	sess, ok, err := c.sessions.load(r)
	if err != nil || !ok {
		c.render(w, r, http.StatusOK, "signin.html", view{Title: "Connexion"})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	resp, err := c.calls.ListCalls(c.as(r, sess), &appv1.ListCallsRequest{PageSize: 100})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	c.render(w, r, http.StatusOK, "home.html", view{Title: "Appels à projets", Session: &sess, Data: resp.GetCalls()})
}

func (c *console) accessibility(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "accessibility.html", view{Title: "Déclaration d'accessibilité", Data: c.o.APIURL})
}

// secure sets the headers every response carries: a strict Content-Security-Policy (nothing
// inline, nothing from elsewhere: scripts only as same-origin files), no framing, no sniffing.
// DSFR's CSS draws its icons as data: SVG images, which its theme therefore allows.
func secure(h http.Handler, dataImages bool) http.Handler {
	csp := "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	if dataImages {
		csp += "; img-src 'self' data:"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}
