// Package pgtest gives a test a service schema of its own: migrated (the platform's outbox and
// audit log, then migrations) and opened as the services open theirs, closed when the test ends;
// or a pool on a database that cannot be reached, to see how a service answers then.
package pgtest

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/guichet/guichet/platform/pg"
)

// Unreachable returns a pool on a database that is down (restarting, say), as a service sees
// one, and its address, which an answer must not name. The address's port is held, bound and not
// listening, until the test ends: every connection is refused, and no other server can take it.
func Unreachable(t testing.TB) (pool *pgxpool.Pool, addr string) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr = fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
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
