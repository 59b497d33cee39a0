// Package registry asks the public company registry, the "API Recherche d'entreprises"
// (GET {base}/search?q={SIRET}), whether an applicant's legal entity and establishment are active.
//
// The API allows 7 requests per second per caller and answers 429 beyond, so every Client of the
// process shares one limiter at that rate; 429 and 5xx answers are retried with exponential
// back-off, honouring Retry-After. Answers (found or not found) are cached in Redis for 24 hours;
// failures are never cached, and surface as ErrUnavailable for the caller to retry later.
package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"golang.org/x/time/rate"
)

// DefaultURL is the public API's base URL.
const DefaultURL = "https://recherche-entreprises.api.gouv.fr"

// MaxRequestsPerSecond is the API's published limit per caller.
const MaxRequestsPerSecond = 7

// processLimiter is shared by every Client of the process: the API's limit is per caller, not per
// client value. A burst of 1 keeps any one-second window at 7 requests or fewer.
var processLimiter = rate.NewLimiter(MaxRequestsPerSecond, 1)

// ErrUnavailable means the registry could not answer (down, overloaded, timing out, or answering
// nonsense): nothing is known about the entity and the check must be retried later.
var ErrUnavailable = errors.New("company registry unavailable")

// Status is what the registry says of an establishment's legal entity.
type Status string

// The statuses.
const (
	// Active: the legal entity is active and the establishment, when listed, open.
	Active Status = "ACTIVE"
	// Ceased: the legal entity has ceased, or the establishment is closed.
	Ceased Status = "CEASED"
	// Unknown: the registry has no legal entity with this SIRET's SIREN.
	Unknown Status = "UNKNOWN"
)

// Result is the registry's answer about one SIRET.
type Result struct {
	Siret  string `json:"siret"`
	Status Status `json:"status"`
	// Siren and Name identify the legal entity, when found.
	Siren string `json:"siren,omitempty"`
	Name  string `json:"name,omitempty"`
	// Reason explains the status in a sentence naming the entity.
	Reason string `json:"reason"`
	// CheckedAt is when the registry answered (a cached answer keeps its time).
	CheckedAt time.Time `json:"checkedAt"`
	// Cached tells that the answer came from the cache.
	Cached bool `json:"-"`
}

// Options configure a Client; the zero value of each field is a sensible default.
type Options struct {
	// BaseURL of the API (DefaultURL).
	BaseURL string
	// HTTPClient sends the requests (an OpenTelemetry-traced client).
	HTTPClient *http.Client
	// Redis caches the answers; nil disables the cache.
	Redis redis.UniversalClient
	// KeyPrefix of the cache keys ("guichet:registry:v1:"); tests sharing a Redis give their own.
	KeyPrefix string
	// CacheTTL of an answer (24 hours).
	CacheTTL time.Duration
	// Limiter paces the requests (the process-wide limiter at MaxRequestsPerSecond).
	Limiter *rate.Limiter
	// MaxAttempts per lookup, the first included (4).
	MaxAttempts int
	// Backoff before the first retry, doubled for each next one (250ms).
	Backoff time.Duration
	// MaxRetryAfter is the longest Retry-After honoured (10s); a longer one ends the lookup as unavailable.
	MaxRetryAfter time.Duration
	// Timeout of a lookup with its retries (15s), and AttemptTimeout of one request (5s).
	Timeout        time.Duration
	AttemptTimeout time.Duration
	Logger         *slog.Logger
}

// Client asks the registry.
type Client struct {
	base *url.URL
	o    Options
}

// New returns a client of the API at o.BaseURL.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" {
		o.BaseURL = DefaultURL
	}
	base, err := url.Parse(strings.TrimSuffix(o.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("registry base URL %q: want http(s)://host[/path]", o.BaseURL)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)}
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = "guichet:registry:v1:"
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = 24 * time.Hour
	}
	if o.Limiter == nil {
		o.Limiter = processLimiter
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.Backoff == 0 {
		o.Backoff = 250 * time.Millisecond
	}
	if o.MaxRetryAfter == 0 {
		o.MaxRetryAfter = 10 * time.Second
	}
	if o.Timeout == 0 {
		o.Timeout = 15 * time.Second
	}
	if o.AttemptTimeout == 0 {
		o.AttemptTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{base: base, o: o}, nil
}

// Check tells whether the legal entity of siret is active. An error wraps ErrUnavailable (or is
// the context's): the registry said nothing.
func (c *Client) Check(ctx context.Context, siret string) (Result, error) {
	if r, ok := c.cached(ctx, siret); ok {
		return r, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	r, err := c.lookup(ctx, siret)
	if err != nil {
		return Result{}, err
	}
	c.store(ctx, r)
	return r, nil
}
