// Package pgtest gives a test a service schema of its own: migrated (the platform's outbox and
// audit log, then migrations) and opened as the services open theirs, closed when the test ends;
// or a pool on a database that cannot be reached, to see how a service answers then.
package pgtest

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/pg"
)

// Unreachable returns a pool on a local port nothing listens on, as a database that is down
// (restarting, say) looks to a service, and that address: an answer must not name it.
func Unreachable(t testing.TB) (pool *pgxpool.Pool, addr string) {
	t.Helper()
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	pool, err = pgxpool.New(context.Background(), "postgres://guichet@"+addr+"/guichet?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, addr
}

// Schema migrates schema in the database at url with migrations and returns a pool confined to it.
func Schema(t testing.TB, url, schema string, migrations fs.FS) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	if err := pg.Migrate(ctx, url, schema, migrations, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	pool, err := pg.Open(ctx, url, schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
