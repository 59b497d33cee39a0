package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/guichet/guichet/cmd/guichet/internal/seed"
	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/config"
	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/telemetry"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

func envPort(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

func devCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "dev",
		Short: "Start the whole platform on this machine (PostgreSQL, Redis, Temporal, mailpit, every target), seed the demo call, print the URLs",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			tuneGC(os.Getenv)
			logger := telemetry.NewLogger(slog.LevelInfo)
			if err := devstack.EnsureInstalled(ctx, devstack.Requirements); err != nil {
				return err
			}
			bin, err := devstack.TemporalBinary()
			if err != nil {
				return err
			}
			mailpit, err := devstack.MailpitBinary()
			if err != nil {
				return err
			}
			cfg := config.FromEnv()
			dataDir, err := filepath.Abs(cfg.DataDir)
			if err != nil {
				return err
			}
			stack, err := devstack.Start(ctx, devstack.Options{
				Dir: dataDir, PostgresDir: postgresDir(dataDir), TemporalBin: bin, Durable: true,
				PostgresPort:    envPort("GUICHET_DEV_POSTGRES_PORT", 55432),
				RedisPort:       envPort("GUICHET_DEV_REDIS_PORT", 56379),
				TemporalPort:    envPort("GUICHET_DEV_TEMPORAL_PORT", 7233),
				TemporalUIPort:  envPort("GUICHET_DEV_TEMPORAL_UI_PORT", 8233),
				MailpitBin:      mailpit,
				MailpitSMTPPort: envPort("GUICHET_DEV_SMTP_PORT", 1025),
				MailpitHTTPPort: envPort("GUICHET_DEV_MAILPIT_PORT", 8025),
				// Background work on a shared machine: requests get the CPU first (decision 0023).
				Nice: backgroundNice,
			})
			if err != nil {
				return err
			}
			defer func() {
				logger.Info("stopping the components")
				if err := stack.Stop(); err != nil {
					logger.Error("stop", "error", err)
				}
			}()
			cfg.PostgresURL, cfg.RedisURL, cfg.TemporalAddress = stack.Postgres.URL, stack.Redis.URL, stack.Temporal.Address
			cfg.SMTPAddr = stack.Mailpit.SMTPAddr
			cfg.DevIssuer = true
			// This machine has no company registry: its check is off, and every eligibility
			// outcome says so, unless GUICHET_REGISTRY_URL names one.
			if os.Getenv("GUICHET_REGISTRY_URL") == "" {
				cfg.RegistryURL = config.RegistryOff
			}
			p, err := server.Start(ctx, server.Order, server.Options{Config: cfg, Logger: logger})
			if err != nil {
				return err
			}
			if err := seedDemo(ctx, cfg); err != nil {
				_ = p.Stop()
				return fmt.Errorf("seed the demo call: %w", err)
			}
			fmt.Printf(`
guichet is running. Ctrl-C stops everything it started.

  REST API          http://%[1]s/v1/calls
  API reference     http://%[1]s/docs   (OpenAPI: http://%[1]s/openapi.json)
  Jury and finance  http://%[2]s/
  Temporal UI       %[3]s
  Mailbox           %[6]s   (every email sent, e.g. the receipts; SMTP %[7]s)
  Readiness         http://%[1]s/readyz

  Demo call         calls/%[4]s (EUR 10,000,000, open now)
  Tokens            bin/guichet token --role applicant --sub alice --siret 13002526500013
                    (roles: reviewer reviewer-1..6, jury_chair chair-1, programme_officer officer-1,
                     finance_officer finance-1 finance-2, accountant accountant-1, auditor auditor-1)
  Data              %[5]s
`, cfg.GatewayAddr, cfg.WebAddr, stack.Temporal.UIURL, seed.DemoCallID, dataDir, stack.Mailpit.URL, stack.Mailpit.SMTPAddr)
			fmt.Printf("  Company registry  %s (GUICHET_REGISTRY_URL; \"off\" skips the eligibility check, and the outcome says so)\n\n", cfg.RegistryURL)
			return p.Wait()
		},
	}
}

// postgresDir keeps the cluster in the data folder when the postgres user can reach it, and
// otherwise in /var/tmp (a clone under /root is private to root).
func postgresDir(dataDir string) string {
	if os.Geteuid() != 0 || traversable(dataDir) {
		return filepath.Join(dataDir, "pg")
	}
	sum := sha256.Sum256([]byte(dataDir))
	return filepath.Join("/var/tmp", "guichet-pg-"+hex.EncodeToString(sum[:4]), "pg")
}

// traversable reports whether every folder above dir lets others through.
func traversable(dir string) bool {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		info, err := os.Stat(d)
		if err != nil || info.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == "/" {
			return true
		}
	}
}

func seedDemo(ctx context.Context, cfg config.Config) error {
	iss, err := auth.LoadDevIssuer(cfg.OIDCIssuer, cfg.OIDCAudience, cfg.DevIssuerKeyFile)
	if err != nil {
		return err
	}
	tok, err := iss.Mint(auth.Claims{Subject: "officer-1", Role: string(auth.ProgrammeOfficer)}, time.Hour)
	if err != nil {
		return err
	}
	conn, err := grpcx.Dial(cfg.ApplicationsAddr, nil)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = seed.Run(ctx, appv1.NewCallServiceClient(conn), tok, time.Now())
	return err
}

// backgroundNice is the niceness of the components whose work can wait when the whole platform
// shares one machine: the Temporal dev server and the mail server under `guichet dev` (whose
// targets share one process), and also the worker target under `guichet bench`, which runs each
// target as its own process (docs/decisions/0023).
const backgroundNice = 19

func testenvCmd() *cobra.Command {
	var nice int
	cmd := &cobra.Command{
		Use:   "testenv -- COMMAND [ARGS...]",
		Short: "Run a command beside throwaway PostgreSQL, Redis, Temporal and mailpit, then stop them whatever happened",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := devstack.EnsureInstalled(ctx, devstack.Requirements); err != nil {
				return err
			}
			bin, err := devstack.TemporalBinary()
			if err != nil {
				return err
			}
			dir, err := devstack.TempDir("guichet-testenv-")
			if err != nil {
				return err
			}
			defer func() { _ = os.RemoveAll(dir) }()
			mailpit, err := devstack.MailpitBinary()
			if err != nil {
				return err
			}
			stack, err := devstack.Start(ctx, devstack.Options{Dir: dir, TemporalBin: bin, MailpitBin: mailpit, Nice: nice})
			if err != nil {
				return err
			}
			defer func() { _ = stack.Stop() }()
			child := exec.Command(args[0], args[1:]...)
			child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, os.Stderr
			child.Env = append(os.Environ(),
				"GUICHET_TEST_POSTGRES_URL="+stack.Postgres.URL,
				"GUICHET_TEST_REDIS_URL="+stack.Redis.URL,
				"GUICHET_TEST_TEMPORAL_ADDRESS="+stack.Temporal.Address,
				"GUICHET_TEST_SMTP_ADDR="+stack.Mailpit.SMTPAddr,
				"GUICHET_TEST_MAILPIT_URL="+stack.Mailpit.URL,
				"GUICHET_TEST_DIR="+dir,
			)
			if err := child.Start(); err != nil {
				return err
			}
			done := make(chan error, 1)
			go func() { done <- child.Wait() }()
			select {
			case err := <-done:
				if exit, ok := err.(*exec.ExitError); ok {
					return exitCode(exit.ExitCode())
				}
				return err
			case <-ctx.Done():
				_ = child.Process.Signal(os.Interrupt)
				if err := <-done; err != nil {
					fmt.Fprintln(os.Stderr, "guichet testenv: interrupted:", err)
				}
				return exitCode(130)
			}
		},
	}
	cmd.Flags().IntVar(&nice, "nice", 0, "run Temporal and mailpit as background work at this niceness (make bench: the same as guichet dev)")
	return cmd
}
