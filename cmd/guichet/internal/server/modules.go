package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/guichet/guichet/gateway"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/redisx"
	"github.com/guichet/guichet/platform/temporalx"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/applications"
	"github.com/guichet/guichet/services/payments"
	"github.com/guichet/guichet/services/review"
	"github.com/guichet/guichet/web"
	"github.com/guichet/guichet/workflows/application"
)

// service describes one gRPC service target.
type service struct {
	schema     string
	migrations fs.FS
	policy     auth.Policy
	addr       string
	register   func(pool *pgxpool.Pool, d *deps, r grpc.ServiceRegistrar)
}

func services(d *deps) map[Target]service {
	return map[Target]service{
		Applications: {applications.Schema, applications.Migrations, applications.Policy, d.cfg.ApplicationsAddr,
			func(pool *pgxpool.Pool, d *deps, r grpc.ServiceRegistrar) {
				applications.New(pool, d.opts.Clock, d.logger).Register(r)
			}},
		Review: {review.Schema, review.Migrations, review.Policy, d.cfg.ReviewAddr,
			func(pool *pgxpool.Pool, d *deps, r grpc.ServiceRegistrar) {
				review.New(pool, d.opts.Clock, d.logger).Register(r)
			}},
		Payments: {payments.Schema, payments.Migrations, payments.Policy, d.cfg.PaymentsAddr,
			func(pool *pgxpool.Pool, d *deps, r grpc.ServiceRegistrar) {
				payments.New(pool, d.opts.Clock, d.logger, payments.Debtor{}).Register(r)
			}},
	}
}

// Migrate applies every service's migrations.
func Migrate(ctx context.Context, d Options) error {
	dd := &deps{cfg: d.Config, logger: d.Logger}
	var errs []error
	for _, t := range []Target{Applications, Review, Payments} {
		s := services(dd)[t]
		errs = append(errs, pg.Migrate(ctx, d.Config.PostgresURL, s.schema, s.migrations, d.Logger))
	}
	return errors.Join(errs...)
}

// startService migrates the service's schema, serves its gRPC API and relays its outbox to Temporal.
func startService(ctx context.Context, t Target, d *deps) (func(context.Context) error, string, func(), error) {
	s := services(d)[t]
	if err := pg.Migrate(ctx, d.cfg.PostgresURL, s.schema, s.migrations, d.logger); err != nil {
		return nil, "", nil, err
	}
	pool, err := pg.Open(ctx, d.cfg.PostgresURL, s.schema)
	if err != nil {
		return nil, "", nil, err
	}
	srv, err := grpcx.NewServer(grpcx.ServerOptions{Policy: s.policy, Verifier: d.verifier, Logger: d.logger})
	if err != nil {
		pool.Close()
		return nil, "", nil, err
	}
	s.register(pool, d, srv)
	lis, err := net.Listen("tcp", s.addr)
	if err != nil {
		pool.Close()
		return nil, "", nil, err
	}
	relay := &outbox.Relay{Pool: pool, Temporal: d.temporal, TaskQueue: d.cfg.TaskQueue, Logger: d.logger.With("outbox", s.schema)}
	run := func(ctx context.Context) error {
		errc := make(chan error, 2)
		go func() { errc <- srv.Serve(ctx, lis) }()
		go func() { errc <- relay.Run(ctx) }()
		return errors.Join(<-errc, <-errc)
	}
	return run, lis.Addr().String(), pool.Close, nil
}

// systemCredentials are the worker's own credentials towards the services (role system).
func systemCredentials(d *deps) (credentials.PerRPCCredentials, error) {
	if d.issuer == nil {
		return nil, errors.New("the worker needs a service token: enable the development issuer (GUICHET_DEV_ISSUER=true) or deploy with a token source")
	}
	return auth.Credentials(&auth.DevTokenSource{Issuer: d.issuer, Claims: auth.Claims{Subject: "guichet-worker", Role: string(auth.System)}}), nil
}

func dialServices(d *deps, creds credentials.PerRPCCredentials) (apps, rev, pay *grpc.ClientConn, closer func(), err error) {
	conns := make([]*grpc.ClientConn, 0, 3)
	closer = func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}
	for _, addr := range []string{d.cfg.ApplicationsAddr, d.cfg.ReviewAddr, d.cfg.PaymentsAddr} {
		c, err := grpcx.Dial(addr, creds)
		if err != nil {
			closer()
			return nil, nil, nil, nil, err
		}
		conns = append(conns, c)
	}
	return conns[0], conns[1], conns[2], closer, nil
}

// startWorker runs the Temporal worker of guichet's workflows and activities.
func startWorker(_ context.Context, d *deps) (func(context.Context) error, string, func(), error) {
	creds, err := systemCredentials(d)
	if err != nil {
		return nil, "", nil, err
	}
	apps, rev, pay, closer, err := dialServices(d, creds)
	if err != nil {
		return nil, "", nil, err
	}
	w := worker.New(d.temporal, d.cfg.TaskQueue, worker.Options{})
	application.Register(w, &application.Activities{
		Calls: appv1.NewCallServiceClient(apps), Applications: appv1.NewApplicationServiceClient(apps),
		Review: reviewv1.NewReviewServiceClient(rev), Payments: paymentsv1.NewPaymentServiceClient(pay),
	})
	run := func(ctx context.Context) error {
		if err := w.Start(); err != nil {
			return err
		}
		<-ctx.Done()
		w.Stop()
		return nil
	}
	return run, "temporal:" + d.cfg.TemporalAddress + "/" + d.cfg.TaskQueue, closer, nil
}

// startGateway serves the REST API.
func startGateway(ctx context.Context, d *deps) (func(context.Context) error, string, func(), error) {
	apps, rev, pay, closeConns, err := dialServices(d, nil)
	if err != nil {
		return nil, "", nil, err
	}
	rdb, err := redisx.Open(d.cfg.RedisURL)
	if err != nil {
		closeConns()
		return nil, "", nil, err
	}
	pool, err := pg.Open(ctx, d.cfg.PostgresURL, "public")
	if err != nil {
		closeConns()
		return nil, "", nil, err
	}
	closer := func() { closeConns(); _ = rdb.Close(); pool.Close() }
	opts := gateway.Options{
		Applications: apps, Review: rev, Payments: pay, Verifier: d.verifier, Redis: rdb,
		RateLimitPerMinute: d.cfg.RateLimitPerMinute, IdempotencyTTL: d.cfg.IdempotencyTTL,
		Metrics: d.tel.MetricsHandler(), Logger: d.logger,
		Ready: func(ctx context.Context) map[string]error {
			return map[string]error{
				"postgres":     pool.Ping(ctx),
				"redis":        pingRedis(rdb)(ctx),
				"temporal":     temporalx.Reachable(ctx, d.temporal),
				"applications": serving(ctx, apps),
				"review":       serving(ctx, rev),
				"payments":     serving(ctx, pay),
			}
		},
	}
	if d.issuer != nil {
		opts.DevIssuer, opts.DevIssuerPath = d.issuer.Handler(), issuerPath(d.cfg.OIDCIssuer)
	}
	h, err := gateway.New(ctx, opts)
	if err != nil {
		closer()
		return nil, "", nil, err
	}
	lis, err := net.Listen("tcp", d.cfg.GatewayAddr)
	if err != nil {
		closer()
		return nil, "", nil, err
	}
	return func(ctx context.Context) error { return serveHTTP(ctx, lis, h) }, lis.Addr().String(), closer, nil
}

// serving asks a service's gRPC health endpoint whether it serves.
func serving(ctx context.Context, conn *grpc.ClientConn) error {
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return err
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("status %s", resp.GetStatus())
	}
	return nil
}

// startWeb serves the console.
func startWeb(_ context.Context, d *deps) (func(context.Context) error, string, func(), error) {
	lis, err := net.Listen("tcp", d.cfg.WebAddr)
	if err != nil {
		return nil, "", nil, err
	}
	h := web.Handler(web.Options{APIURL: "http://" + d.cfg.GatewayAddr})
	return func(ctx context.Context) error { return serveHTTP(ctx, lis, h) }, lis.Addr().String(), nil, nil
}
