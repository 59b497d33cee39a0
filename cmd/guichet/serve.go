package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/config"
	"github.com/guichet/guichet/platform/telemetry"
)

func serveCmd() *cobra.Command {
	var target, pprofAddr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run targets: all, or one or more of applications, review, payments, worker, gateway, web",
		RunE: func(cmd *cobra.Command, _ []string) error {
			targets, err := server.ParseTargets(target)
			if err != nil {
				return err
			}
			tuneGC(os.Getenv)
			logger := telemetry.NewLogger(slog.LevelInfo)
			if pprofAddr != "" {
				if err := servePprof(pprofAddr, logger); err != nil {
					return err
				}
			}
			return server.Run(cmd.Context(), targets, server.Options{Config: config.FromEnv(), Logger: logger})
		},
	}
	cmd.Flags().StringVar(&target, "target", "all", "targets to run, comma-separated")
	cmd.Flags().StringVar(&pprofAddr, "pprof", "", "serve the Go profiles (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060")
	return cmd
}

// servingGCPercent is the garbage collector's target of a serving process when GOGC is unset: the
// heap may grow to three times what is live before a collection, instead of twice. A request's
// allocations die young, so collections a third as often save CPU at the deadline rush (about 3%
// more submissions per second in `guichet bench`, docs/performance.md) for a few megabytes more
// heap; the memory at rest stays well under its target.
const servingGCPercent = 200

// tuneGC sets servingGCPercent unless the operator chose GOGC, and returns the percentage in force
// (-1: collection off).
func tuneGC(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		percent := debug.SetGCPercent(-1)
		debug.SetGCPercent(percent)
		return percent
	}
	debug.SetGCPercent(servingGCPercent)
	return servingGCPercent
}

func migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the migrations of every service's schema",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return server.Migrate(cmd.Context(), server.Options{Config: config.FromEnv(), Logger: telemetry.NewLogger(slog.LevelInfo)})
		},
	}
}

func tokenCmd() *cobra.Command {
	var c auth.Claims
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a token of the development issuer (e.g. --role applicant --sub alice --siret 13002526500013)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := config.FromEnv()
			iss, err := auth.LoadDevIssuer(cfg.OIDCIssuer, cfg.OIDCAudience, cfg.DevIssuerKeyFile)
			if err != nil {
				return err
			}
			tok, err := iss.Mint(c, ttl)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
			return err
		},
	}
	cmd.Flags().StringVar(&c.Role, "role", "", "applicant, reviewer, jury_chair, programme_officer, finance_officer, accountant or auditor")
	cmd.Flags().StringVar(&c.Subject, "sub", "", "the person's identifier")
	cmd.Flags().StringVar(&c.Siret, "siret", "", "the organisation's SIRET (applicants)")
	cmd.Flags().StringVar(&c.Name, "name", "", "display name")
	cmd.Flags().StringVar(&c.Email, "email", "", "email address")
	cmd.Flags().DurationVar(&ttl, "ttl", 12*time.Hour, "validity")
	_ = cmd.MarkFlagRequired("role")
	_ = cmd.MarkFlagRequired("sub")
	return cmd
}
