// Package testenv gives integration tests the real components: PostgreSQL (a fresh database per
// call), Redis, the Temporal dev server and mailpit (an SMTP server whose HTTP API shows what was
// sent). Under `make test` they come from the environment set by `guichet testenv` (one stack for
// the whole run); otherwise the first call starts a stack that dies with the test binary.
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
	// SMTPAddr is mailpit's SMTP server (host:port); MailpitURL its web UI and API. The mailbox is
	// shared by the whole run: a test finds its own messages by searching for what is unique to it.
	SMTPAddr   string
	MailpitURL string
}

var (
	once   sync.Once
	shared struct {
		env Env
		err error
	}
)

func components() (Env, error) {
	once.Do(func() {
		e := Env{
			PostgresURL:     os.Getenv("GUICHET_TEST_POSTGRES_URL"),
			RedisURL:        os.Getenv("GUICHET_TEST_REDIS_URL"),
			TemporalAddress: os.Getenv("GUICHET_TEST_TEMPORAL_ADDRESS"),
			SMTPAddr:        os.Getenv("GUICHET_TEST_SMTP_ADDR"),
			MailpitURL:      os.Getenv("GUICHET_TEST_MAILPIT_URL"),
		}
		if e.PostgresURL != "" && e.RedisURL != "" && e.TemporalAddress != "" && e.SMTPAddr != "" && e.MailpitURL != "" {
			shared.env = e
			return
		}
		bin, err := devstack.TemporalBinary()
		if err != nil {
			shared.err = err
			return
		}
		mailpit, err := devstack.MailpitBinary()
		if err != nil {
			shared.err = err
			return
		}
		dir, err := devstack.TempDir("guichet-test-")
		if err != nil {
			shared.err = err
			return
		}
		s, err := devstack.Start(context.Background(), devstack.Options{Dir: dir, TemporalBin: bin, MailpitBin: mailpit})
		if err != nil {
			shared.err = err
			return
		}
		shared.env = Env{PostgresURL: s.Postgres.URL, RedisURL: s.Redis.URL, TemporalAddress: s.Temporal.Address,
			SMTPAddr: s.Mailpit.SMTPAddr, MailpitURL: s.Mailpit.URL}
	})
	return shared.env, shared.err
}

// Get returns the components, with a new database for this test.
func Get(t testing.TB) Env {
	t.Helper()
	env, err := components()
	if err != nil {
		t.Fatalf("test components: %v", err)
	}
	db := "t_" + ids.New()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.PostgresURL)
	if err != nil {
		t.Fatalf("connect to postgres: %v", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+db); err != nil {
		t.Fatalf("create database: %v", err)
	}
	env.PostgresURL = replaceDatabase(env.PostgresURL, db)
	return env
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
