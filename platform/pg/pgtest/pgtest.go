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

// Unreachable returns the URL of a database that is down (restarting, say), as a service sees
// one, and its address, which an answer must not name. The address's port is held, bound and not
// listening, until the test ends: every connection is refused, and no other server can take it.
func Unreachable(t testing.TB) (url, addr string) {
	t.Helper()
	port, release, err := devstack.HoldPort()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	return "postgres://guichet@" + addr + "/guichet?connect_timeout=2", addr
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
