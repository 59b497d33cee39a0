package outbox_test

import (
	"context"
	"log/slog"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/pg/pgtest"
	"github.com/guichet/guichet/platform/testenv"
)

type started struct {
	Name string `json:"name"`
}

type greeting struct {
	Text string `json:"text"`
}

// echo waits for one "greet" signal and returns its text with the start input.
func echo(ctx workflow.Context, in started) (string, error) {
	var g greeting
	workflow.GetSignalChannel(ctx, "greet").Receive(ctx, &g)
	return in.Name + ": " + g.Text, nil
}

func newPool(t *testing.T, url string) *pgxpool.Pool {
	return pgtest.Schema(t, url, "relayed", fstest.MapFS{})
}

func enqueue(t *testing.T, pool *pgxpool.Pool, msgs ...outbox.Message) {
	err := pg.Tx(context.Background(), pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		for _, m := range msgs {
			if err := outbox.Enqueue(context.Background(), tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func startWorker(t *testing.T, c client.Client, queue string) {
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(echo, workflow.RegisterOptions{Name: "echo"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
}

func runRelay(t *testing.T, r *outbox.Relay) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// result waits for the workflow to exist (the relay starts it) and to complete.
func result(t *testing.T, c client.Client, id string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out string
	for {
		err := c.GetWorkflow(ctx, id, "").Get(ctx, &out)
		if err == nil {
			return out
		}
		if ctx.Err() != nil {
			t.Fatalf("workflow %s never completed: %v", id, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestRelayDeliversStartsThenSignalsOnce(t *testing.T) {
	env := testenv.Get(t)
	pool := newPool(t, env.PostgresURL)
	c, err := client.Dial(client.Options{HostPort: env.TemporalAddress})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	queue := "outbox-" + ids.New()
	startWorker(t, c, queue)
	id := "echo/" + ids.New()
	enqueue(t, pool,
		outbox.Message{WorkflowID: id, WorkflowType: "echo", Payload: started{Name: "alice"}},
		outbox.Message{WorkflowID: id, WorkflowType: "echo", Payload: started{Name: "again"}}, // a repeated start is a no-op
		outbox.Message{WorkflowID: id, Signal: "greet", Payload: greeting{Text: "hello"}},
	)
	runRelay(t, &outbox.Relay{Pool: pool, Temporal: c, TaskQueue: queue, Logger: slog.New(slog.DiscardHandler), Interval: 20 * time.Millisecond})
	ctx := context.Background()
	out := result(t, c, id)
	if out != "alice: hello" {
		t.Fatalf("workflow result %q", out)
	}
	// A signal to the ended workflow is settled, not retried forever.
	enqueue(t, pool, outbox.Message{WorkflowID: id, Signal: "greet", Payload: greeting{Text: "late"}})
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pending int
		var lastError string
		if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE dispatched_at IS NULL), coalesce(max(last_error) FILTER (WHERE id = (SELECT max(id) FROM outbox)), '') FROM outbox`).Scan(&pending, &lastError); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			if lastError != "workflow not running" {
				t.Fatalf("late signal settled with %q", lastError)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d entries still pending", pending)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRelayWaitsWhileTemporalIsDown: entries written while Temporal is down are kept and
// delivered once it is back, so a submission never depends on Temporal being up.
func TestRelayWaitsWhileTemporalIsDown(t *testing.T) {
	env := testenv.Get(t)
	pool := newPool(t, env.PostgresURL)
	bin, err := devstack.TemporalBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	port, _ := devstack.FreePort()
	ui, _ := devstack.FreePort()
	ctx := context.Background()
	temporal, err := devstack.StartTemporal(ctx, bin, dir, port, ui, dir+"/temporal.db", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = temporal.Stop() }()
	c, err := client.NewLazyClient(client.Options{HostPort: temporal.Address})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := temporal.Stop(); err != nil {
		t.Fatal(err)
	}
	queue := "outbox-" + ids.New()
	id := "echo/" + ids.New()
	enqueue(t, pool, outbox.Message{WorkflowID: id, WorkflowType: "echo", Payload: started{Name: "bob"}},
		outbox.Message{WorkflowID: id, Signal: "greet", Payload: greeting{Text: "still here"}})
	relay := &outbox.Relay{Pool: pool, Temporal: c, TaskQueue: queue, Logger: slog.New(slog.DiscardHandler), Interval: 20 * time.Millisecond}
	delivered, err := relay.DrainOnce(ctx)
	if err == nil || delivered != 0 {
		t.Fatalf("with Temporal down: delivered %d, err %v", delivered, err)
	}
	var attempts int
	if err := pool.QueryRow(ctx, `SELECT attempts FROM outbox ORDER BY id LIMIT 1`).Scan(&attempts); err != nil || attempts != 1 {
		t.Fatalf("attempts = %d, %v", attempts, err)
	}
	runRelay(t, relay)
	time.Sleep(300 * time.Millisecond) // the relay retries with back-off meanwhile
	if err := temporal.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// The client reconnects with gRPC's back-off; a worker that failed to start is replaced.
	deadline := time.Now().Add(30 * time.Second)
	for {
		w := worker.New(c, queue, worker.Options{})
		w.RegisterWorkflowWithOptions(echo, workflow.RegisterOptions{Name: "echo"})
		err := w.Start()
		if err == nil {
			t.Cleanup(w.Stop)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out := result(t, c, id); out != "bob: still here" {
		t.Fatalf("result %q", out)
	}
}

// TestRelayDeliversABacklogInOrderPerWorkflow: a backlog of starts, delivered concurrently, and
// the signals after them, delivered in order: every workflow gets its own signal.
func TestRelayDeliversABacklogInOrderPerWorkflow(t *testing.T) {
	env := testenv.Get(t)
	pool := newPool(t, env.PostgresURL)
	c, err := client.Dial(client.Options{HostPort: env.TemporalAddress})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	queue := "outbox-" + ids.New()
	startWorker(t, c, queue)
	var msgs []outbox.Message
	names := make([]string, 60)
	for i := range names {
		names[i] = "echo/" + ids.New()
		msgs = append(msgs, outbox.Message{WorkflowID: names[i], WorkflowType: "echo", Payload: started{Name: names[i]}})
	}
	for _, id := range names {
		msgs = append(msgs, outbox.Message{WorkflowID: id, Signal: "greet", Payload: greeting{Text: "hi " + id}})
	}
	enqueue(t, pool, msgs...)
	runRelay(t, &outbox.Relay{Pool: pool, Temporal: c, TaskQueue: queue, Logger: slog.New(slog.DiscardHandler), Interval: 20 * time.Millisecond, Batch: 50})
	for _, id := range names {
		if out := result(t, c, id); out != id+": hi "+id {
			t.Fatalf("%s: %q", id, out)
		}
	}
}
