package audit_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/pg/pgtest"
	"github.com/guichet/guichet/platform/testenv"
)

var noMigrations fs.FS = fstest.MapFS{}

func TestChainVerifiesAndNamesTheFirstAlteredEntry(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	pool := pgtest.Schema(t, env.PostgresURL, "audited", noMigrations)
	at := time.Date(2026, 11, 29, 12, 0, 0, 123456789, time.UTC)
	for i := range 5 {
		err := pg.Tx(ctx, pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
			return audit.Append(ctx, tx, audit.Entry{At: at.Add(time.Duration(i) * time.Second), Actor: "officer-1", Role: "programme_officer",
				Action: "call.create", Object: "calls/c1", Before: nil, After: map[string]any{"n": i, "title": "Données publiques"}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	brk, n, err := audit.Verify(ctx, pool)
	if err != nil || brk != nil || n != 5 {
		t.Fatalf("intact chain: break=%v n=%d err=%v", brk, n, err)
	}

	// The application cannot change an entry...
	if _, err := pool.Exec(ctx, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`); err == nil {
		t.Fatal("an audit entry was updated")
	}
	// ...and when someone with more rights does, verification names the entry.
	if _, err := pool.Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE audit_log SET after = '{"n": 2, "title": "changed"}' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	brk, _, err = audit.Verify(ctx, pool)
	if err != nil || brk == nil || brk.Seq != 3 {
		t.Fatalf("altered chain: break=%+v err=%v", brk, err)
	}
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	pool := pgtest.Schema(t, env.PostgresURL, "audited", noMigrations)
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			errs <- pg.Tx(ctx, pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
				return audit.Append(ctx, tx, audit.Entry{At: time.Now(), Actor: "a", Role: "system", Action: "x", Object: "o", After: i})
			})
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	brk, n, err := audit.Verify(ctx, pool)
	if err != nil || brk != nil || n != 20 {
		t.Fatalf("break=%v n=%d err=%v", brk, n, err)
	}
}

// TestAppendAfterSendsTheChangeFirst: the statements of the change travel with the chain's lock;
// concurrent changes keep one chain, and a change whose statement fails returns PostgreSQL's error
// and leaves neither the change nor an entry.
func TestAppendAfterSendsTheChangeFirst(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	fsys := fstest.MapFS{"00100_changes.sql": {Data: []byte("-- +goose Up\nCREATE TABLE changes (id int PRIMARY KEY, note text NOT NULL);\n-- +goose Down\nDROP TABLE changes;\n")}}
	pool := pgtest.Schema(t, env.PostgresURL, "audited_batch", fsys)
	change := func(id int) error {
		return pg.Tx(ctx, pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
			b := &pgx.Batch{}
			b.Queue(`INSERT INTO changes (id, note) VALUES ($1, 'first')`, id)
			b.Queue(`UPDATE changes SET note = 'second' WHERE id = $1`, id)
			return audit.AppendAfter(ctx, tx, b, audit.Entry{At: time.Now(), Actor: "a", Role: "system", Action: "change", Object: "o", After: id})
		})
	}
	errs := make(chan error, 20)
	for i := range 20 {
		go func() { errs <- change(i) }()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	err := change(3)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("a repeated change returned %v, want the duplicate key error", err)
	}
	var changed, second int
	if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE note = 'second') FROM changes`).Scan(&changed, &second); err != nil {
		t.Fatal(err)
	}
	brk, n, err := audit.Verify(ctx, pool)
	if err != nil || brk != nil || n != 20 || changed != 20 || second != 20 {
		t.Fatalf("break=%v entries=%d changes=%d (second statement run on %d) err=%v", brk, n, changed, second, err)
	}
}

// TestChainsOfTwoSchemasDoNotWaitForEachOther: while a transaction holds one schema's chain, an
// append to another schema's chain (another service, same database) commits at once, and an
// append to the same chain waits for the holder's commit.
func TestChainsOfTwoSchemasDoNotWaitForEachOther(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	one := pgtest.Schema(t, env.PostgresURL, "audit_chain_one", noMigrations)
	two := pgtest.Schema(t, env.PostgresURL, "audit_chain_two", noMigrations)
	entry := audit.Entry{At: time.Now(), Actor: "a", Role: "system", Action: "change", Object: "o"}
	holder, err := one.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Rollback(ctx) }()
	if err := audit.Append(ctx, holder, entry); err != nil {
		t.Fatal(err)
	}
	appendWithin := func(pool *pgxpool.Pool, d time.Duration) error {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return pg.Tx(ctx, pool, pgx.ReadCommitted, func(tx pgx.Tx) error { return audit.Append(ctx, tx, entry) })
	}
	if err := appendWithin(two, 5*time.Second); err != nil {
		t.Fatalf("another schema's append while the first chain is held: %v", err)
	}
	// It waits on the chain's lock until its deadline: any other error would prove nothing.
	if err := appendWithin(one, 300*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an append to the held chain: %v, want it to wait past its deadline", err)
	}
	if err := holder.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := appendWithin(one, 5*time.Second); err != nil {
		t.Fatalf("append after the holder's commit: %v", err)
	}
	for _, pool := range []*pgxpool.Pool{one, two} {
		if brk, n, err := audit.Verify(ctx, pool); err != nil || brk != nil {
			t.Fatalf("chain of %d entries: break=%v err=%v", n, brk, err)
		}
	}
}

// TestAppendRefusedOutsideReadCommitted: in a REPEATABLE READ transaction the snapshot predates the
// chain's lock, so the entry is refused, with nothing written, rather than fork the chain.
func TestAppendRefusedOutsideReadCommitted(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	pool := pgtest.Schema(t, env.PostgresURL, "audit_isolation", noMigrations)
	err := pg.Tx(ctx, pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		return audit.Append(ctx, tx, audit.Entry{At: time.Now(), Actor: "a", Role: "system", Action: "x", Object: "o"})
	})
	if err == nil || !strings.Contains(err.Error(), "READ COMMITTED") {
		t.Fatalf("append in REPEATABLE READ: %v, want a refusal naming READ COMMITTED", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d entries written (%v)", n, err)
	}
}
