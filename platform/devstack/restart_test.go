package devstack

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"
)

// TestComponentsRestartOnTheirData stops and starts each component as `guichet chaos` does:
// PostgreSQL keeps its committed rows, Temporal keeps a workflow in its database file, and Redis
// answers again on the same port (empty: it holds no record).
func TestComponentsRestartOnTheirData(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real components")
	}
	bin, err := TemporalBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := TempDir("guichet-restart-test-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Dir: dir, TemporalBin: bin, Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Stop() }()

	conn, err := pgx.Connect(ctx, s.Postgres.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)
	if err := s.Postgres.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err = pgx.Connect(ctx, s.Postgres.URL)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT n FROM kept`).Scan(&n); err != nil || n != 42 {
		t.Fatalf("after the restart: %v %d", err, n)
	}
	_ = conn.Close(ctx)

	opts, _ := redis.ParseURL(s.Redis.URL)
	rdb := redis.NewClient(opts)
	defer func() { _ = rdb.Close() }()
	if err := s.Redis.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Ping(ctx).Err(); err == nil {
		t.Fatal("redis answers after Stop")
	}
	if err := s.Redis.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Redis.Start(ctx); err == nil {
		t.Fatal("a second Start of a running Redis succeeded")
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis after Start: %v", err)
	}

	c, err := client.Dial(client.Options{HostPort: s.Temporal.Address})
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "kept", TaskQueue: "nobody"}, "Kept")
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Temporal.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	c, err = client.Dial(client.Options{HostPort: s.Temporal.Address})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.DescribeWorkflow(ctx, "kept", run.GetRunID()); err != nil {
		t.Fatalf("the workflow started before the restart is gone: %v", err)
	}
}
