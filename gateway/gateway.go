// Package gateway owns guichet's public REST API: the grpc-gateway mapping of the services' HTTP
// rules, with the HTTP concerns the services do not have — problem+json errors, 201 on creation,
// the body limit, token verification at the edge, rate limiting and Idempotency-Key in Redis — and
// the operational endpoints (/healthz, /readyz, /metrics, /openapi.json, /docs).
package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"google.golang.org/grpc"

	"github.com/guichet/guichet/platform/auth"
	applicationsv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// Options configure New.
type Options struct {
	// Connections to the three services; the same connection may serve several.
	Applications, Review, Payments *grpc.ClientConn
	// Verifier verifies bearer tokens (platform/auth).
	Verifier auth.TokenVerifier
	Redis    *redis.Client
	// RateLimitPerMinute is per principal (token subject) and, for anonymous calls, per client
	// address; 0 disables rate limiting.
	RateLimitPerMinute int
	// IdempotencyTTL is how long a response is kept for replay under its Idempotency-Key.
	IdempotencyTTL time.Duration
	// DevIssuer, when not nil, is mounted under DevIssuerPath (the path of the issuer URL, e.g.
	// "/dev-issuer"), outside authentication: the verifier fetches its keys there.
	DevIssuer     http.Handler
	DevIssuerPath string
	// Ready runs the dependency checks of /readyz (name → nil when reachable).
	Ready func(ctx context.Context) map[string]error
	// Metrics serves /metrics (Prometheus format).
	Metrics http.Handler
	Logger  *slog.Logger
}

// DefaultIdempotencyTTL is used when Options.IdempotencyTTL is zero.
const DefaultIdempotencyTTL = 24 * time.Hour

// New returns the gateway's HTTP handler. ctx bounds nothing but the handler registration.
func New(ctx context.Context, o Options) (http.Handler, error) {
	if o.Applications == nil || o.Review == nil || o.Payments == nil {
		return nil, errors.New("gateway: the connections to the applications, review and payments services are required")
	}
	if o.Verifier == nil {
		return nil, errors.New("gateway: a token verifier is required")
	}
	if o.Redis == nil {
		return nil, errors.New("gateway: a Redis client is required (rate limiting, idempotency keys)")
	}
	if o.RateLimitPerMinute < 0 {
		return nil, errors.New("gateway: RateLimitPerMinute must not be negative")
	}
	if o.IdempotencyTTL < 0 {
		return nil, errors.New("gateway: IdempotencyTTL must not be negative")
	}
	if o.IdempotencyTTL == 0 {
		o.IdempotencyTTL = DefaultIdempotencyTTL
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}

	mux, err := newServeMux(ctx, o, logger)
	if err != nil {
		return nil, err
	}
	api := chain(trackBody(mux),
		limitBody,
		authenticate(o.Verifier),
		newRateLimiter(o.Redis, o.RateLimitPerMinute, logger).middleware,
		newIdempotency(o.Redis, o.IdempotencyTTL, logger).middleware,
	)

	openapi := openAPIDocument()
	docs, err := renderDocs(openapi)
	if err != nil {
		return nil, err
	}
	root := http.NewServeMux()
	root.Handle("/healthz", onlyGet(http.HandlerFunc(healthz)))
	root.Handle("/readyz", onlyGet(readyz(o.Ready)))
	if o.Metrics != nil {
		root.Handle("/metrics", onlyGet(o.Metrics))
	}
	root.Handle("/openapi.json", onlyGet(staticContent("application/json", openapi, nil)))
	root.Handle("/docs", onlyGet(staticContent("text/html; charset=utf-8", docs,
		map[string]string{"Content-Security-Policy": docsCSP, "Referrer-Policy": "no-referrer"})))
	root.Handle("/docs.css", onlyGet(staticContent("text/css; charset=utf-8", docsCSS, nil)))
	if o.DevIssuer != nil {
		path := "/" + strings.Trim(o.DevIssuerPath, "/")
		if path == "/" {
			return nil, errors.New("gateway: DevIssuerPath is required with DevIssuer")
		}
		root.Handle(path+"/", http.StripPrefix(path, o.DevIssuer))
	}
	root.Handle("/", api)

	untraced := map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}
	return otelhttp.NewHandler(limitHeaders(root), "gateway",
		otelhttp.WithFilter(func(r *http.Request) bool { return !untraced[r.URL.Path] }),
	), nil
}

// newServeMux maps the services' HTTP rules.
func newServeMux(ctx context.Context, o Options, logger *slog.Logger) (*runtime.ServeMux, error) {
	mux := runtime.NewServeMux(
		// HTTPBodyMarshaler serves google.api.HttpBody responses (the pain.001 file) as raw bytes
		// with their own content type, and everything else as JSON.
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.HTTPBodyMarshaler{Marshaler: newJSONMarshaler()}),
		runtime.WithErrorHandler(errorHandler(logger)),
		runtime.WithRoutingErrorHandler(routingErrorHandler),
		runtime.WithForwardResponseOption(createdStatus),
		// Method overrides would let a GET-only proxy rule be bypassed; nothing here needs them.
		runtime.WithDisableHTTPMethodOverride(),
	)
	register := []error{
		applicationsv1.RegisterCallServiceHandlerClient(ctx, mux, applicationsv1.NewCallServiceClient(o.Applications)),
		applicationsv1.RegisterApplicationServiceHandlerClient(ctx, mux, applicationsv1.NewApplicationServiceClient(o.Applications)),
		reviewv1.RegisterReviewServiceHandlerClient(ctx, mux, reviewv1.NewReviewServiceClient(o.Review)),
		paymentsv1.RegisterPaymentServiceHandlerClient(ctx, mux, paymentsv1.NewPaymentServiceClient(o.Payments)),
	}
	if err := errors.Join(register...); err != nil {
		return nil, err
	}
	return mux, nil
}

// chain wraps h in the middlewares, the first being the outermost.
func chain(h http.Handler, middlewares ...func(http.Handler) http.Handler) http.Handler {
	for i := len(middlewares) - 1; i >= 0; i-- {
		h = middlewares[i](h)
	}
	return h
}
