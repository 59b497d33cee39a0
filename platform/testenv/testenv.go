// Package testenv gives integration tests the real components: PostgreSQL (a fresh database per
// call), Redis and the Temporal dev server. Under `make test` they come from the environment set by
// `guichet testenv` (one stack for the whole run); otherwise the first call starts a stack that
// dies with the test binary.
package testenv

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/ids"
)

// Env is where the components are.
type Env struct {
	// PostgresURL is a fresh, empty database.
	PostgresURL     string
	RedisURL        string
	TemporalAddress string
}

var (
	once   sync.Once
	shared struct {
		postgres, redis, temporal string
		err                       error
	}
)

func components() (postgres, redis, temporal string, err error) {
	once.Do(func() {
		shared.postgres = os.Getenv("GUICHET_TEST_POSTGRES_URL")
		shared.redis = os.Getenv("GUICHET_TEST_REDIS_URL")
		shared.temporal = os.Getenv("GUICHET_TEST_TEMPORAL_ADDRESS")
		if shared.postgres != "" && shared.redis != "" && shared.temporal != "" {
			return
		}
		bin, err := devstack.TemporalBinary()
		if err != nil {
			shared.err = err
			return
		}
		dir, err := devstack.TempDir("guichet-test-")
		if err != nil {
			shared.err = err
			return
		}
		s, err := devstack.Start(context.Background(), devstack.Options{Dir: dir, TemporalBin: bin})
		if err != nil {
			shared.err = err
			return
		}
		shared.postgres, shared.redis, shared.temporal = s.Postgres.URL, s.Redis.URL, s.Temporal.Address
	})
	return shared.postgres, shared.redis, shared.temporal, shared.err
}

// Get returns the components, with a new database for this test.
func Get(t testing.TB) Env {
	t.Helper()
	pgURL, redisURL, temporal, err := components()
	if err != nil {
		t.Fatalf("test components: %v", err)
	}
	db := "t_" + ids.New()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatalf("connect to postgres: %v", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+db); err != nil {
		t.Fatalf("create database: %v", err)
	}
	return Env{PostgresURL: replaceDatabase(pgURL, db), RedisURL: redisURL, TemporalAddress: temporal}
}

// replaceDatabase swaps the database name of a postgres://.../name?query URL.
func replaceDatabase(url, db string) string {
	query := ""
	if i := strings.Index(url, "?"); i >= 0 {
		url, query = url[:i], url[i:]
	}
	i := strings.LastIndex(url, "/")
	return fmt.Sprintf("%s/%s%s", url[:i], db, query)
}
