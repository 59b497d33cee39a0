package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/config"
	"github.com/guichet/guichet/platform/pg"
)

// auditedSchemas are the schemas whose audit chains `guichet audit verify` checks.
var auditedSchemas = []string{"applications", "review", "payments"}

func auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Work with the hash-chained audit logs"}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Recompute every service's audit chain and name the first broken entry",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return verifyAudit(cmd.Context(), config.FromEnv().PostgresURL, auditedSchemas, cmd.OutOrStdout())
		},
	})
	return cmd
}

// verifyAudit checks the chain of each schema, printing one line per schema; it fails when a chain
// is broken, naming the schema and the entry.
func verifyAudit(ctx context.Context, url string, schemas []string, out io.Writer) error {
	var broken []string
	for _, schema := range schemas {
		pool, err := pg.Open(ctx, url, schema)
		if err != nil {
			return err
		}
		brk, n, err := audit.Verify(ctx, pool)
		pool.Close()
		switch {
		case err != nil:
			return fmt.Errorf("%s: %w", schema, err)
		case brk != nil:
			_, _ = fmt.Fprintf(out, "%s: BROKEN at %s.audit_log entry %d (%s); %d entries read\n", schema, schema, brk.Seq, brk.Reason, n)
			broken = append(broken, fmt.Sprintf("%s.audit_log entry %d", schema, brk.Seq))
		default:
			_, _ = fmt.Fprintf(out, "%s: %d entries, chain valid\n", schema, n)
		}
	}
	if len(broken) > 0 {
		return fmt.Errorf("audit chain broken: %v", broken)
	}
	return nil
}
