package pg

import (
	"context"
	"log/slog"
	"testing"
	"testing/fstest"

	"github.com/guichet/guichet/platform/testenv"
)

func TestMigrateIsIdempotentAndConcurrentSafe(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	fsys := fstest.MapFS{"00100_things.sql": {Data: []byte("-- +goose Up\nCREATE TABLE things (id int PRIMARY KEY);\n-- +goose Down\nDROP TABLE things;\n")}}
	errs := make(chan error, 3)
	for range 3 {
		go func() { errs <- Migrate(ctx, env.PostgresURL, "svc", fsys, slog.New(slog.DiscardHandler)) }()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := Migrate(ctx, env.PostgresURL, "svc", fsys, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	pool, err := Open(ctx, env.PostgresURL, "svc")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// search_path is the schema: unqualified names reach the service's own tables.
	for _, table := range []string{"things", "outbox", "audit_log"} {
		if _, err := pool.Exec(ctx, "SELECT count(*) FROM "+table); err != nil {
			t.Errorf("%s: %v", table, err)
		}
	}
	if _, err := Open(ctx, env.PostgresURL, "bad;schema"); err == nil {
		t.Error("an invalid schema name was accepted")
	}
	dup := fstest.MapFS{"00001_platform.sql": {Data: []byte("-- +goose Up\nSELECT 1;\n")}}
	if err := Migrate(ctx, env.PostgresURL, "other", dup, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a service migration reusing the platform's file name was accepted")
	}
}

// TestIsForeignKeyViolation: a row naming a missing parent is a foreign key violation; a duplicate
// key and no error are not.
func TestIsForeignKeyViolation(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	fsys := fstest.MapFS{"00100_family.sql": {Data: []byte("-- +goose Up\nCREATE TABLE parents (id int PRIMARY KEY);\n" +
		"CREATE TABLE children (id int PRIMARY KEY, parent int NOT NULL REFERENCES parents (id));\n" +
		"INSERT INTO parents VALUES (1);\n-- +goose Down\nDROP TABLE children;\nDROP TABLE parents;\n")}}
	if err := Migrate(ctx, env.PostgresURL, "family", fsys, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	pool, err := Open(ctx, env.PostgresURL, "family")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	_, missing := pool.Exec(ctx, "INSERT INTO children VALUES (1, 2)")
	_, ok := pool.Exec(ctx, "INSERT INTO children VALUES (2, 1)")
	_, duplicate := pool.Exec(ctx, "INSERT INTO parents VALUES (1)")
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{{"missing parent", missing, true}, {"insert that worked", ok, false}, {"duplicate key", duplicate, false}} {
		if got := IsForeignKeyViolation(c.err); got != c.want {
			t.Errorf("%s (%v): IsForeignKeyViolation = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
