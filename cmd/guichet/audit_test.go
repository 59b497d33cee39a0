package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/testenv"
)

func TestAuditVerifyNamesTheAlteredRow(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	schemas := []string{"applications", "payments"}
	for _, s := range schemas {
		if err := pg.Migrate(ctx, env.PostgresURL, s, fstest.MapFS{}, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		pool, err := pg.Open(ctx, env.PostgresURL, s)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			err := pg.Tx(ctx, pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
				return audit.Append(ctx, tx, audit.Entry{At: time.Now(), Actor: "officer-1", Role: "programme_officer", Action: "x", Object: "o", After: i})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		pool.Close()
	}
	var out bytes.Buffer
	if err := verifyAudit(ctx, env.PostgresURL, schemas, &out); err != nil {
		t.Fatalf("intact: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "payments: 3 entries, chain valid") {
		t.Fatalf("output: %s", out.String())
	}
	// Someone changes one row directly in PostgreSQL.
	pool, err := pg.Open(ctx, env.PostgresURL, "payments")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, q := range []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	err = verifyAudit(ctx, env.PostgresURL, schemas, &out)
	if err == nil || !strings.Contains(err.Error(), "payments.audit_log entry 2") || !strings.Contains(out.String(), "applications: 3 entries, chain valid") {
		t.Fatalf("altered: %v\n%s", err, out.String())
	}
}
