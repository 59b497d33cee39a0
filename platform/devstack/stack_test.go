package devstack

import (
	"context"
	"net/smtp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"

	"github.com/guichet/guichet/platform/mail/mailpit"
)

// TestStackStartsRealComponents starts its own PostgreSQL, Redis, Temporal and mailpit, uses each, and
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
	msg := "From: devstack@guichet.localhost\r\nTo: alice@example.org\r\nSubject: stack test\r\n\r\nHello.\r\n"
	if err := smtp.SendMail(s.Mailpit.SMTPAddr, nil, "devstack@guichet.localhost", []string{"alice@example.org"}, []byte(msg)); err != nil {
		t.Fatalf("mailpit smtp: %v", err)
	}
	box := &mailpit.Client{URL: s.Mailpit.URL}
	got, err := box.Messages(ctx)
	if err != nil || len(got) != 1 || got[0].Subject != "stack test" || got[0].To[0].Address != "alice@example.org" {
		t.Fatalf("mailpit api: %v %+v", err, got)
	}
}
