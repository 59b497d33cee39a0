package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	netmail "net/mail"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/guichet/guichet/gateway"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/config"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/mail"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/redisx"
	"github.com/guichet/guichet/platform/temporalx"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/applications"
	"github.com/guichet/guichet/services/applications/registry"
	"github.com/guichet/guichet/services/payments"
	"github.com/guichet/guichet/services/review"
	"github.com/guichet/guichet/web"
	"github.com/guichet/guichet/workflows/application"
	"github.com/guichet/guichet/workflows/call"
)

// service describes one gRPC service target.
type service struct {
	schema     string
	migrations fs.FS
	policy     auth.Policy
	addr       string
	// register adds the service to r; the function it returns, if any, releases what it opened.
	register func(pool *pgxpool.Pool, d *deps, r grpc.ServiceRegistrar) (func(), error)
}

func services(d *deps) map[Target]service {
	return map[Target]service{
		Applications: {applications.Schema, applications.Migrations, applications.Policy, d.cfg.ApplicationsAddr,
			func(pool *pgxpool.Pool, d *deps, r grpc.ServiceRegistrar) (func(), error) {
				var closers []func()
				release := func() {
					for i := len(closers) - 1; i >= 0; i-- {
						closers[i]()
					}
				}
				opts, closeRegistry, err := applicationsOptions(d)
				if err != nil {
					return nil, err
				}
				closers = append(closers, closeRegistry)
				jury, closeReview, err := reviewLinks(d)
				if err != nil {
					release()
					return nil, err
				}
				closers = append(closers, closeReview)
				opts.Readers, opts.Feedback = jury.readers, jury.feedback
				tranches, closeTranches, err := paymentTranches(d)
				if err != nil {
					release()
					return nil, err
				}
				closers = append(closers, closeTranches)
				opts.Tranches = tranches
				applications.New(pool, opts).Register(r)
				return release, nil
			}},
		Review: {review.Schema, review.Migrations, review.Policy, d.cfg.ReviewAddr,
			func(pool *pgxpool.Pool, d *deps, r grpc.ServiceRegistrar) (func(), error) {
				// The jury's live progress goes to the console through Redis (decision 0017).
				rdb, err := redisx.Open(d.cfg.RedisURL)
				if err != nil {
					return nil, err
				}
				review.New(pool, d.opts.Clock, d.logger).PublishLive(rdb).Register(r)
				return func() { _ = rdb.Close() }, nil
			}},
		Payments: {payments.Schema, payments.Migrations, payments.Policy, d.cfg.PaymentsAddr,
			func(pool *pgxpool.Pool, d *deps, r grpc.ServiceRegistrar) (func(), error) {
				payments.New(pool, d.opts.Clock, d.logger, payments.Debtor{}).Register(r)
				return nil, nil
			}},
	}
}

// reviewReaders asks the review service, as the platform itself, whether a jury member may read a file.
type reviewReaders struct{ client reviewv1.ReviewServiceClient }

func (r reviewReaders) MayRead(ctx context.Context, application string, reader auth.Principal) (bool, error) {
	resp, err := r.client.CheckReader(ctx, &reviewv1.CheckReaderRequest{Application: application, Reader: reader.Subject, Role: string(reader.Role)})
	if err != nil {
		return false, err
	}
	return resp.GetAllowed(), nil
}

// reviewFeedback fetches an application's decision feedback from the review service, as the
// platform itself, for the applications service, which has already checked that the caller may
// see the application.
type reviewFeedback struct{ client reviewv1.ReviewServiceClient }

func (r reviewFeedback) Feedback(ctx context.Context, feedback string) (*reviewv1.Feedback, error) {
	return r.client.GetFeedback(ctx, &reviewv1.GetFeedbackRequest{Name: feedback})
}

// reviewSide is what the applications service asks the review service, over one connection.
type reviewSide struct {
	readers  applications.Readers
	feedback applications.FeedbackSource
}

// dialAsSystem connects to a service as the platform itself (role system), for what one service
// asks another. Without service credentials (no development issuer, no token source) it returns no
// connection and logs without, which says what is then missing.
func dialAsSystem(d *deps, addr, without string) (*grpc.ClientConn, func(), error) {
	creds, err := systemCredentials(d)
	if err != nil {
		d.logger.Warn("applications: no service credentials, "+without, "error", err)
		return nil, func() {}, nil
	}
	conn, err := grpcx.Dial(addr, creds)
	if err != nil {
		return nil, nil, err
	}
	return conn, func() { _ = conn.Close() }, nil
}

// reviewLinks connects the applications service to the review service for jury reading and the
// applicants' decision feedback. Without service credentials both are missing, and the warning
// says so: nobody of the jury reads files and feedback answers Unavailable.
func reviewLinks(d *deps) (reviewSide, func(), error) {
	conn, closeConn, err := dialAsSystem(d, d.cfg.ReviewAddr, "jury members cannot read files and applicants get no decision feedback")
	if conn == nil {
		return reviewSide{}, closeConn, err
	}
	client := reviewv1.NewReviewServiceClient(conn)
	return reviewSide{readers: reviewReaders{client: client}, feedback: reviewFeedback{client: client}}, closeConn, nil
}

// trancheStates reads a project's tranches from the payments service, as the platform itself.
type trancheStates struct {
	client paymentsv1.PaymentServiceClient
}

func (t trancheStates) TrancheState(ctx context.Context, application string, sequence int) (string, error) {
	resp, err := t.client.ListTranches(ctx, &paymentsv1.ListTranchesRequest{Parent: application})
	if err != nil {
		return "", err
	}
	for _, tr := range resp.GetTranches() {
		if int(tr.GetSequence()) == sequence {
			return tr.GetState(), nil
		}
	}
	return "", fmt.Errorf("%s has no tranche %d in the payments service", application, sequence)
}

// paymentTranches connects the applications service to the payments service, which says whether a
// tranche still takes its milestone report; without service credentials, reports are not taken.
func paymentTranches(d *deps) (applications.Tranches, func(), error) {
	conn, closeConn, err := dialAsSystem(d, d.cfg.PaymentsAddr, "milestone reports cannot be checked and are not taken")
	if conn == nil {
		return nil, closeConn, err
	}
	return trancheStates{client: paymentsv1.NewPaymentServiceClient(conn)}, closeConn, nil
}

// applicationsOptions wires the applications service to the company registry of
// GUICHET_REGISTRY_URL, cached in Redis, or to none on purpose when it is "off" (development and
// the end-to-end tests, which have no internet: every eligibility outcome then says so).
func applicationsOptions(d *deps) (applications.Options, func(), error) {
	o := applications.Options{Clock: d.opts.Clock, Logger: d.logger}
	if d.cfg.RegistryURL == config.RegistryOff {
		d.logger.Warn("company registry check off (GUICHET_REGISTRY_URL=off): eligibility rests on the rules alone and says so")
		o.RegistryOff = true
		return o, func() {}, nil
	}
	rdb, err := redisx.Open(d.cfg.RedisURL)
	if err != nil {
		return o, nil, err
	}
	reg, err := registry.New(registry.Options{BaseURL: d.cfg.RegistryURL, Redis: rdb, Logger: d.logger})
	if err != nil {
		_ = rdb.Close()
		return o, nil, err
	}
	o.Registry = reg
	return o, func() { _ = rdb.Close() }, nil
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
	release, err := s.register(pool, d, srv)
	if err != nil {
		pool.Close()
		return nil, "", nil, err
	}
	closer := func() {
		pool.Close()
		if release != nil {
			release()
		}
	}
	lis, err := net.Listen("tcp", s.addr)
	if err != nil {
		closer()
		return nil, "", nil, err
	}
	relay := &outbox.Relay{Pool: pool, Temporal: d.temporal, TaskQueue: d.cfg.TaskQueue, Logger: d.logger.With("outbox", s.schema)}
	run := func(ctx context.Context) error {
		errc := make(chan error, 2)
		go func() { errc <- srv.Serve(ctx, lis) }()
		go func() { errc <- relay.Run(ctx) }()
		return errors.Join(<-errc, <-errc)
	}
	return run, lis.Addr().String(), closer, nil
}

// systemCredentials are the worker's own credentials towards the services (role system).
func systemCredentials(d *deps) (credentials.PerRPCCredentials, error) {
	if d.issuer == nil {
		return nil, errors.New("the worker needs a service token: enable the development issuer (GUICHET_DEV_ISSUER=true) or deploy with a token source")
	}
	return SystemCredentials(d.issuer), nil
}

// SystemCredentials are the worker's credentials towards the services (role system, subject
// guichet-worker), its tokens minted by the development issuer.
func SystemCredentials(issuer *auth.DevIssuer) credentials.PerRPCCredentials {
	return auth.Credentials(&auth.DevTokenSource{Issuer: issuer, Claims: auth.Claims{Subject: "guichet-worker", Role: string(auth.System)}})
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
	sender, err := mail.NewSender(mail.Config{Addr: d.cfg.SMTPAddr, From: d.cfg.MailFrom,
		Username: d.cfg.SMTPUsername, Password: d.cfg.SMTPPassword, StartTLS: d.cfg.SMTPStartTLS}, d.opts.Clock)
	if err != nil {
		return nil, "", nil, err
	}
	apps, rev, pay, closer, err := dialServices(d, creds)
	if err != nil {
		return nil, "", nil, err
	}
	acts := &application.Activities{
		Calls: appv1.NewCallServiceClient(apps), Applications: appv1.NewApplicationServiceClient(apps),
		Review: reviewv1.NewReviewServiceClient(rev), Payments: paymentsv1.NewPaymentServiceClient(pay),
		Mail: sender,
	}
	if office, err := netmail.ParseAddress(d.cfg.ProgrammeOfficeEmail); err == nil {
		acts.ProgrammeOffice = office
	} else {
		d.logger.Warn("GUICHET_PROGRAMME_OFFICE_EMAIL is not an address: overdue reports are told to the applicant only", "error", err)
	}
	run := func(ctx context.Context) error {
		// Temporal may be down when the worker starts: keep trying rather than stop the process
		// (a worker that failed to start cannot be started again, so each try makes a new one).
		for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
			w := worker.New(d.temporal, d.cfg.TaskQueue, worker.Options{})
			application.Register(w, acts)
			call.Register(w, &call.Activities{Calls: appv1.NewCallServiceClient(apps), Review: reviewv1.NewReviewServiceClient(rev),
				Mail: sender, Logger: d.logger})
			err := w.Start()
			if err == nil {
				<-ctx.Done()
				w.Stop()
				return nil
			}
			d.logger.WarnContext(ctx, "worker: Temporal unreachable, retrying", "error", err, "retry_in", wait)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		}
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

// startWeb serves the console. It calls the services with each signed-in person's own token,
// so its connections carry no credentials of their own.
func startWeb(_ context.Context, d *deps) (func(context.Context) error, string, func(), error) {
	apps, rev, pay, closeConns, err := dialServices(d, nil)
	if err != nil {
		return nil, "", nil, err
	}
	rdb, err := redisx.Open(d.cfg.RedisURL)
	if err != nil {
		closeConns()
		return nil, "", nil, err
	}
	closer := func() { closeConns(); _ = rdb.Close() }
	lis, err := net.Listen("tcp", d.cfg.WebAddr)
	if err != nil {
		closer()
		return nil, "", nil, err
	}
	base := d.cfg.WebURL
	if base == "" {
		base = "http://" + lis.Addr().String()
	}
	clientID := d.cfg.WebClientID
	if clientID == "" {
		clientID = "guichet-web"
	}
	h, err := web.Handler(web.Options{APIURL: "http://" + d.cfg.GatewayAddr, BaseURL: base,
		Issuer: d.cfg.OIDCIssuer, ClientID: clientID, ClientSecret: d.cfg.WebClientSecret,
		Redis: rdb, Applications: apps, Review: rev, Payments: pay, Logger: d.logger,
		// The console's theme: neutral unless the operator installed DSFR (README, "Jury console").
		Theme: d.cfg.WebTheme, DSFRDir: d.cfg.DSFRDir})
	if err != nil {
		_ = lis.Close()
		closer()
		return nil, "", nil, err
	}
	return func(ctx context.Context) error { return serveHTTP(ctx, lis, h) }, lis.Addr().String(), closer, nil
}
