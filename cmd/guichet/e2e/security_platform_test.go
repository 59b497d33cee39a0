package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/config"
	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/testenv"
	"github.com/guichet/guichet/services/applications"
)

// securityPlatform is an all-in-one platform for the security suite. It repeats testConfig and
// startAllInOne for a testing.TB, because the fuzz target starts its platform from a *testing.F.
type securityPlatform struct {
	cfg    config.Config
	base   string
	issuer *auth.DevIssuer
	// apps reads the applications schema directly: a rejected request must have stored nothing.
	apps *pgxpool.Pool
}

func startSecurityPlatform(tb testing.TB, env testenv.Env) *securityPlatform {
	tb.Helper()
	port := func() string {
		p, err := devstack.FreePort()
		if err != nil {
			tb.Fatal(err)
		}
		return fmt.Sprintf("127.0.0.1:%d", p)
	}
	gw := port()
	cfg := config.Config{
		DataDir: tb.TempDir(), PostgresURL: env.PostgresURL, RedisURL: env.RedisURL,
		TemporalAddress: env.TemporalAddress, TemporalNamespace: "default", TaskQueue: "e2e-" + ids.New(),
		GatewayAddr: gw, WebAddr: port(), ApplicationsAddr: port(), ReviewAddr: port(), PaymentsAddr: port(),
		OIDCIssuer: "http://" + gw + "/dev-issuer", OIDCAudience: "guichet", DevIssuer: true,
		DevIssuerKeyFile: filepath.Join(tb.TempDir(), "dev-issuer-key.json"), RateLimitPerMinute: 1_000_000, IdempotencyTTL: time.Hour,
		RegistryURL: config.RegistryOff,
		SMTPAddr:    env.SMTPAddr, MailFrom: "guichet <noreply@guichet.localhost>",
	}
	ctx, cancel := context.WithCancel(context.Background())
	p, err := server.Start(ctx, server.Order, server.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cancel(); _ = p.Wait() })
	iss, err := auth.LoadDevIssuer(cfg.OIDCIssuer, cfg.OIDCAudience, cfg.DevIssuerKeyFile)
	if err != nil {
		tb.Fatal(err)
	}
	pool, err := pg.Open(ctx, cfg.PostgresURL, applications.Schema)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	sp := &securityPlatform{cfg: cfg, base: "http://" + gw, issuer: iss, apps: pool}
	deadline := time.Now().Add(60 * time.Second)
	for !sp.ready() {
		if time.Now().After(deadline) {
			tb.Fatal("the platform is not ready after 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return sp
}

// api is the e2e client of the platform for one test.
func (sp *securityPlatform) api(t *testing.T) *api {
	return &api{t: t, base: sp.base, issuer: sp.issuer}
}

// applicationCount counts the stored applications, drafts included.
func (sp *securityPlatform) applicationCount(tb testing.TB) int {
	tb.Helper()
	var n int
	if err := sp.apps.QueryRow(context.Background(), "SELECT count(*) FROM applications").Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func (sp *securityPlatform) ready() bool {
	resp, err := http.Get(sp.base + "/readyz")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
