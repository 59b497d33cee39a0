package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.temporal.io/sdk/client"

	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/config"
	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/mail/mailpit"
	"github.com/guichet/guichet/platform/testenv"
)

// testConfig points a platform at the test components, on free ports, with its own task queue.
func testConfig(t testing.TB, env testenv.Env) config.Config {
	t.Helper()
	port := func() string {
		p, err := devstack.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("127.0.0.1:%d", p)
	}
	gw := port()
	return config.Config{
		DataDir: t.TempDir(), PostgresURL: env.PostgresURL, RedisURL: env.RedisURL,
		TemporalAddress: env.TemporalAddress, TemporalNamespace: "default", TaskQueue: "e2e-" + ids.New(),
		GatewayAddr: gw, WebAddr: port(), ApplicationsAddr: port(), ReviewAddr: port(), PaymentsAddr: port(),
		OIDCIssuer: "http://" + gw + "/dev-issuer", OIDCAudience: "guichet", DevIssuer: true,
		DevIssuerKeyFile: filepath.Join(t.TempDir(), "dev-issuer-key.json"), RateLimitPerMinute: 100000, IdempotencyTTL: time.Hour,
		// No internet here: the company registry check is off, and the eligibility outcome says so.
		RegistryURL: config.RegistryOff,
		SMTPAddr:    env.SMTPAddr, MailFrom: "guichet <noreply@guichet.localhost>",
	}
}

func newAPI(t testing.TB, cfg config.Config) *api {
	iss, err := auth.LoadDevIssuer(cfg.OIDCIssuer, cfg.OIDCAudience, cfg.DevIssuerKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return &api{t: t, base: "http://" + cfg.GatewayAddr, issuer: iss}
}

func temporalClient(t *testing.T, addr string) client.Client {
	c, err := client.Dial(client.Options{HostPort: addr, Logger: nil})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func waitReady(t testing.TB, a *api) {
	eventually(t, 60*time.Second, "/readyz", func() bool {
		resp, err := http.Get(a.base + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// TestApplicationToPaidTrancheAllInOne runs every target in this process and checks, besides the
// scenario, that one trace spans the REST submission, the applications service, the workflow, an
// activity and the payments service.
func TestApplicationToPaidTrancheAllInOne(t *testing.T) {
	env := testenv.Get(t)
	cfg := testConfig(t, env)
	spans := tracetest.NewSpanRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := server.Start(ctx, server.Order, server.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler),
		SpanProcessors: []sdktrace.SpanProcessor{spans}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	a := newAPI(t, cfg)
	waitReady(t, a)
	tc := temporalClient(t, env.TemporalAddress)
	name := scenario(t, a, tc, &mailpit.Client{URL: env.MailpitURL})
	recordHistory(t, tc, name)

	want := map[string]bool{
		"gateway HTTP request":               false,
		"applications SubmitApplication":     false,
		"workflow RunWorkflow":               false,
		"activity RunActivity:CommitGrant":   false,
		"payments CommitGrant (gRPC server)": false,
	}
	for _, s := range spans.Ended() {
		if s.SpanContext().TraceID().String() != traceID {
			continue
		}
		name := s.Name()
		switch {
		case s.SpanKind().String() == "server" && (name == "POST /v1/{name=calls/*/applications/*}:submit" || hasPrefix(name, "POST")):
			want["gateway HTTP request"] = true
		case name == "guichet.applications.v1.ApplicationService/SubmitApplication" && s.SpanKind().String() == "server":
			want["applications SubmitApplication"] = true
		case hasPrefix(name, "RunWorkflow:ApplicationWorkflow"):
			want["workflow RunWorkflow"] = true
		case name == "RunActivity:CommitGrant":
			want["activity RunActivity:CommitGrant"] = true
		case name == "guichet.payments.v1.PaymentService/CommitGrant" && s.SpanKind().String() == "server":
			want["payments CommitGrant (gRPC server)"] = true
		}
	}
	for what, seen := range want {
		if !seen {
			var names []string
			for _, s := range spans.Ended() {
				if s.SpanContext().TraceID().String() == traceID {
					names = append(names, s.Name()+"/"+s.SpanKind().String())
				}
			}
			t.Errorf("trace %s has no span for %s; its spans: %v", traceID, what, names)
		}
	}
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// TestApplicationToPaidTrancheSeparateProcesses runs the same scenario with one process per target.
func TestApplicationToPaidTrancheSeparateProcesses(t *testing.T) {
	env := testenv.Get(t)
	cfg := testConfig(t, env)
	a := newAPI(t, cfg) // creates the issuer's key file the processes share
	startProcesses(t, cfg)
	waitReady(t, a)
	scenario(t, a, temporalClient(t, env.TemporalAddress), &mailpit.Client{URL: env.MailpitURL})
}
