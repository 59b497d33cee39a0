package devstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Options choose where and on which ports the components run. A zero port means a free one.
type Options struct {
	// Dir holds logs, Redis's working directory and, unless PostgresDir is set, the cluster.
	Dir string
	// PostgresDir is the cluster's data directory; its parents must be traversable by the postgres user.
	PostgresDir string
	// TemporalBin is the temporal CLI (bin/temporal, built by `make tools`).
	TemporalBin                                           string
	PostgresPort, RedisPort, TemporalPort, TemporalUIPort int
	// MailpitBin is the SMTP server (bin/mailpit, built by `make tools`); MailpitBinary() when empty.
	MailpitBin                       string
	MailpitSMTPPort, MailpitHTTPPort int
	// Durable keeps fsync on, the Temporal store in Dir/temporal.db and the mailbox in
	// Dir/mailpit.db (development); tests turn it off.
	Durable bool
	// Nice > 0 runs Temporal and mailpit as background work at that niceness (see Command).
	Nice int
}

// Stack is the running components.
type Stack struct {
	Postgres *Postgres
	Redis    *Redis
	Temporal *Temporal
	Mailpit  *Mailpit
}

// Start starts PostgreSQL, Redis, Temporal and mailpit. On error, whatever started is stopped.
func Start(ctx context.Context, o Options) (s *Stack, err error) {
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	if o.MailpitBin == "" {
		if o.MailpitBin, err = MailpitBinary(); err != nil {
			return nil, err
		}
	}
	if o.PostgresDir == "" {
		o.PostgresDir = filepath.Join(o.Dir, "pg")
	}
	s = &Stack{}
	defer func() {
		if err != nil {
			_ = s.Stop()
			s = nil
		}
	}()
	// Each component's free ports are picked just before it starts, once the components before
	// it hold theirs: the Temporal dev server also binds ports of its own, chosen free as it
	// starts, and could otherwise take one picked for mailpit.
	if err = freePorts(&o.PostgresPort); err != nil {
		return s, err
	}
	if s.Postgres, err = StartPostgres(ctx, o.PostgresDir, o.PostgresPort, o.Durable); err != nil {
		return s, err
	}
	if err = freePorts(&o.RedisPort); err != nil {
		return s, err
	}
	if s.Redis, err = StartRedis(ctx, o.Dir, o.RedisPort); err != nil {
		return s, err
	}
	dbFile := ""
	if o.Durable {
		dbFile = filepath.Join(o.Dir, "temporal.db")
	}
	if err = freePorts(&o.TemporalPort, &o.TemporalUIPort); err != nil {
		return s, err
	}
	if s.Temporal, err = StartTemporal(ctx, o.TemporalBin, o.Dir, o.TemporalPort, o.TemporalUIPort, dbFile, o.Nice); err != nil {
		return s, err
	}
	mailbox := ""
	if o.Durable {
		mailbox = filepath.Join(o.Dir, "mailpit.db")
	}
	if err = freePorts(&o.MailpitSMTPPort, &o.MailpitHTTPPort); err != nil {
		return s, err
	}
	if s.Mailpit, err = StartMailpit(ctx, o.MailpitBin, o.Dir, o.MailpitSMTPPort, o.MailpitHTTPPort, mailbox, o.Nice); err != nil {
		return s, err
	}
	return s, nil
}

// freePorts gives each zero port a free one.
func freePorts(ports ...*int) error {
	for _, p := range ports {
		if *p == 0 {
			var err error
			if *p, err = FreePort(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Stop stops every component that was started.
func (s *Stack) Stop() error {
	var errs []error
	if s.Mailpit != nil {
		errs = append(errs, s.Mailpit.Stop())
	}
	if s.Temporal != nil && s.Temporal.proc != nil {
		errs = append(errs, s.Temporal.Stop())
	}
	if s.Redis != nil {
		errs = append(errs, s.Redis.Stop())
	}
	if s.Postgres != nil {
		errs = append(errs, s.Postgres.Stop())
	}
	return errors.Join(errs...)
}

// Env returns the environment variables that point guichet at the stack.
func (s *Stack) Env() map[string]string {
	return map[string]string{
		"GUICHET_POSTGRES_URL":     s.Postgres.URL,
		"GUICHET_REDIS_URL":        s.Redis.URL,
		"GUICHET_TEMPORAL_ADDRESS": s.Temporal.Address,
		"GUICHET_TEMPORAL_UI_URL":  s.Temporal.UIURL,
		"GUICHET_SMTP_ADDR":        s.Mailpit.SMTPAddr,
		"GUICHET_MAILPIT_URL":      s.Mailpit.URL,
	}
}

// RepoRoot returns the nearest directory above the working directory that holds go.work.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.work above the working directory")
		}
		dir = parent
	}
}

// TemporalBinary returns $GUICHET_TEMPORAL_BIN or the repository's bin/temporal.
func TemporalBinary() (string, error) {
	if b := os.Getenv("GUICHET_TEMPORAL_BIN"); b != "" {
		return b, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	b := filepath.Join(root, "bin", "temporal")
	if _, err := os.Stat(b); err != nil {
		return "", fmt.Errorf("%s is missing: run `make tools`", b)
	}
	return b, nil
}

// TempDir makes a directory under the system's temporary folder that the postgres user can
// traverse (a test's t.TempDir() is private to root).
func TempDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	return dir, os.Chmod(dir, 0o755)
}
