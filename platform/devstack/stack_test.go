package devstack

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"
)

// TestStackStartsRealComponents starts its own PostgreSQL, Redis and Temporal, uses each, and
// stops them: the same path `guichet dev` and `guichet testenv` take on a fresh machine.
func TestStackStartsRealComponents(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real components")
	}
	bin, err := TemporalBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := TempDir("guichet-stack-test-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Dir: dir, TemporalBin: bin})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	conn, err := pgx.Connect(ctx, s.Postgres.URL)
	if err != nil {
		t.Fatal(err)
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("postgres: %v %d", err, one)
	}
	_ = conn.Close(ctx)
	opts, _ := redis.ParseURL(s.Redis.URL)
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis: %v", err)
	}
	_ = rdb.Close()
	c, err := client.Dial(client.Options{HostPort: s.Temporal.Address})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("temporal: %v", err)
	}
	c.Close()
}
