package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/config"
	"github.com/guichet/guichet/platform/telemetry"
	"github.com/guichet/guichet/platform/temporalx"
)

// Options configure a platform process.
type Options struct {
	Config config.Config
	// Clock gives the services the time (tests control it).
	Clock  clock.Clock
	Logger *slog.Logger
	// SpanProcessors receive every span of the process (tests record traces with them).
	SpanProcessors []sdktrace.SpanProcessor
}

// Platform is a process running some targets.
type Platform struct {
	group     *errgroup.Group
	cancel    context.CancelFunc
	telemetry *telemetry.Telemetry
	closers   []func()
	// Addrs maps each target to the address it listens on.
	Addrs map[Target]string
}

// deps are what the targets of one process share.
type deps struct {
	opts     Options
	cfg      config.Config
	logger   *slog.Logger
	tel      *telemetry.Telemetry
	verifier *auth.Verifier
	temporal client.Client
	issuer   *auth.DevIssuer
}

// Start binds every target's listener and starts serving; it returns once all are listening.
func Start(ctx context.Context, targets []Target, o Options) (p *Platform, err error) {
	if o.Logger == nil {
		o.Logger = telemetry.NewLogger(slog.LevelInfo)
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	name := "guichet"
	if len(targets) == 1 {
		name += "-" + string(targets[0])
	}
	tel, err := telemetry.Setup(ctx, telemetry.Options{ServiceName: name, SpanProcessors: o.SpanProcessors})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	group, gctx := errgroup.WithContext(ctx)
	p = &Platform{group: group, cancel: cancel, telemetry: tel, Addrs: map[Target]string{}}
	// A failed start returns a nil platform: stop what was started through this copy.
	started := p
	defer func() {
		if err != nil {
			_ = started.Stop()
		}
	}()
	d := &deps{opts: o, cfg: o.Config, logger: o.Logger, tel: tel,
		verifier: auth.NewVerifier(o.Config.OIDCIssuer, o.Config.OIDCAudience)}
	if d.temporal, err = temporalx.Dial(o.Config.TemporalAddress, o.Config.TemporalNamespace, o.Logger); err != nil {
		return nil, err
	}
	p.closers = append(p.closers, d.temporal.Close)
	if o.Config.DevIssuer {
		if d.issuer, err = auth.LoadDevIssuer(o.Config.OIDCIssuer, o.Config.OIDCAudience, o.Config.DevIssuerKeyFile); err != nil {
			return nil, err
		}
	}
	for _, t := range targets {
		run, addr, closer, err := start(gctx, t, d)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", t, err)
		}
		if closer != nil {
			p.closers = append(p.closers, closer)
		}
		p.Addrs[t] = addr
		// Later targets dial the address actually bound (useful with port 0).
		switch t {
		case Applications:
			d.cfg.ApplicationsAddr = addr
		case Review:
			d.cfg.ReviewAddr = addr
		case Payments:
			d.cfg.PaymentsAddr = addr
		}
		group.Go(func() error {
			if err := run(gctx); err != nil {
				return fmt.Errorf("target %s: %w", t, err)
			}
			return nil
		})
		o.Logger.InfoContext(ctx, "target started", "target", t, "addr", addr)
	}
	return p, nil
}

// Wait blocks until the platform stops and returns the first error of a target.
func (p *Platform) Wait() error {
	err := p.group.Wait()
	for i := len(p.closers) - 1; i >= 0; i-- {
		p.closers[i]()
	}
	p.closers = nil
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.telemetry.Shutdown(shutdownCtx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Stop stops every target and waits for them.
func (p *Platform) Stop() error {
	p.cancel()
	return p.Wait()
}

// Run starts the targets and serves until ctx ends.
func Run(ctx context.Context, targets []Target, o Options) error {
	p, err := Start(ctx, targets, o)
	if err != nil {
		return err
	}
	return p.Wait()
}

func start(ctx context.Context, t Target, d *deps) (run func(context.Context) error, addr string, closer func(), err error) {
	switch t {
	case Applications, Review, Payments:
		return startService(ctx, t, d)
	case Worker:
		return startWorker(ctx, d)
	case Gateway:
		return startGateway(ctx, d)
	case Web:
		return startWeb(ctx, d)
	}
	return nil, "", nil, fmt.Errorf("unknown target %s", t)
}

// serveHTTP serves h on lis until ctx ends, then shuts down gracefully.
func serveHTTP(ctx context.Context, lis net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	// A handler with long-lived streams (the console's live events) ends them on shutdown.
	if s, ok := h.(interface{ Shutdown() }); ok {
		srv.RegisterOnShutdown(s.Shutdown)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	select {
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	case err := <-errc:
		return err
	}
}

// issuerPath is the path under which the gateway serves the development issuer.
func issuerPath(issuer string) string {
	i := strings.Index(issuer, "://")
	rest := issuer[i+3:]
	if j := strings.Index(rest, "/"); j >= 0 {
		return path.Clean(rest[j:])
	}
	return "/"
}

func pingRedis(rdb *redis.Client) func(context.Context) error {
	return func(ctx context.Context) error { return rdb.Ping(ctx).Err() }
}
