package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/guichet/guichet/cmd/guichet/internal/chaos"
	"github.com/guichet/guichet/platform/devstack"
)

func chaosCmd() *cobra.Command {
	var o chaos.Options
	var dir string
	cmd := &cobra.Command{
		Use:   "chaos",
		Short: "Run the lifecycle of many applications while components are killed and restarted, then check the invariants",
		Long: `chaos starts its own PostgreSQL, Redis, Temporal (on a database file) and mailpit, and every
target as its own process; it drives N applications from submission to their last paid tranche
through the REST gateway while, at seeded random moments, it SIGKILLs and restarts the worker and
the payments service, restarts Temporal and PostgreSQL and stops Redis for a while. It then checks
that every application is funded and paid, that no tranche was paid twice, that paid ≤ committed ≤
envelope, that the ledger balances and that the audit chains are valid (docs/reliability.md).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.Bin, err = os.Executable(); err != nil {
				return err
			}
			keep := dir != ""
			if !keep {
				if dir, err = devstack.TempDir("guichet-chaos-"); err != nil {
					return err
				}
			}
			o.Dir, o.Out = dir, cmd.OutOrStdout()
			res, err := chaos.Run(cmd.Context(), o)
			if res != nil {
				res.Table(cmd.OutOrStdout())
			}
			if err != nil {
				return err
			}
			if res.Failed() {
				return fmt.Errorf("chaos run failed (seed %d; logs in %s)", res.Seed, dir)
			}
			if keep {
				return nil
			}
			return os.RemoveAll(dir)
		},
	}
	cmd.Flags().IntVar(&o.Applications, "applications", 200, "applications taken through the whole lifecycle")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 16, "requests in flight")
	cmd.Flags().IntVar(&o.BatchSize, "batch-size", 50, "most tranches in one payment batch")
	cmd.Flags().IntVar(&o.Kills, "kills", 3, "SIGKILLs of the worker, and of the payments service")
	cmd.Flags().Uint64Var(&o.Seed, "seed", 0, "seed of the faults' order and moments (default: from the clock, printed)")
	cmd.Flags().DurationVar(&o.MinGap, "min-gap", 2*time.Second, "shortest wait before a fault")
	cmd.Flags().DurationVar(&o.MaxGap, "max-gap", 10*time.Second, "longest wait before a fault")
	cmd.Flags().DurationVar(&o.Wait, "wait", 5*time.Minute, "longest wait for the platform to move one application on")
	cmd.Flags().StringVar(&dir, "dir", "", "directory of the components' data and logs, kept (default: a temporary one, removed after a passing run)")
	return cmd
}
