// Package pgtest gives a test a service schema of its own: migrated (the platform's outbox and
// audit log, then migrations) and opened as the services open theirs, closed when the test ends.
package pgtest

import (
	"context"
	"io/fs"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/guichet/guichet/platform/pg"
)

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
