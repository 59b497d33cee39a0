package e2e

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/config"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/testenv"
	"github.com/guichet/guichet/services/applications"
)

// securityPlatform is an all-in-one platform for the security suite, started by the same
// testConfig and startPlatform as the other tests (they take a testing.TB, because the fuzz target
// starts its platform from a *testing.F).
type securityPlatform struct {
	cfg    config.Config
	base   string
	issuer *auth.DevIssuer
	// apps reads the applications schema directly: a rejected request must have stored nothing.
	apps *pgxpool.Pool
}

func startSecurityPlatform(tb testing.TB, env testenv.Env) *securityPlatform {
	tb.Helper()
	cfg := testConfig(tb, env)
	// The fuzzer sends requests as fast as it can: the rate limit must not be what refuses them.
	cfg.RateLimitPerMinute = 1_000_000
	a := startPlatform(tb, cfg)
	pool, err := pg.Open(context.Background(), cfg.PostgresURL, applications.Schema)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return &securityPlatform{cfg: cfg, base: a.base, issuer: a.issuer, apps: pool}
}

// api is the e2e client of the platform for one test (or one fuzz input).
func (sp *securityPlatform) api(tb testing.TB) *api {
	return &api{t: tb, base: sp.base, issuer: sp.issuer}
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
