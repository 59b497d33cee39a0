// Command guichet is the one binary of the platform: `serve` runs targets, `dev` the whole stack
// on one machine, `token` prints development tokens, `migrate` applies the schemas' migrations and
// `testenv` runs a command beside throwaway components.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := &cobra.Command{
		Use:           "guichet",
		Short:         "guichet runs competitive grant calls end to end",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), devCmd(), tokenCmd(), migrateCmd(), testenvCmd(), auditCmd(), rankingCmd(), benchCmd(), chaosCmd())
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "guichet:", err)
		if code, ok := err.(exitCode); ok {
			os.Exit(int(code))
		}
		os.Exit(1)
	}
}

// exitCode makes guichet exit with a child command's status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
