package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/pg/pgtest"
	"github.com/guichet/guichet/platform/testenv"
)

// The relay's promise is to Temporal: each workflow started once with the input it was given,
// then sent its signals in the order they were written. The tests read that from the workflows'
// histories, as Temporal recorded them. No worker runs the workflows: what a worker does with a
// started workflow is not the relay's, and the dev server, with the cores saturated, was seen
// to leave a new workflow's first task undelivered to a polling worker for over a minute
// (history Started, WorkflowTaskScheduled, Signaled, the task still SCHEDULED).

type started struct {
	Name string `json:"name"`
}

type greeting struct {
	Text string `json:"text"`
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

func runRelay(t *testing.T, r *outbox.Relay) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func testLogger(t *testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

// history is what Temporal recorded of a workflow: its type and start input, and its signals in
// order, as "name: text".
type history struct {
	Type    string
	Input   started
	Signals []string
}

// read reads the workflow's history; ok is false while the workflow does not exist yet.
func read(ctx context.Context, c client.Client, id string) (h history, ok bool, err error) {
	dc := converter.GetDefaultDataConverter()
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return history{}, false, err
		}
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			h.Type = a.GetWorkflowType().GetName()
			if err := dc.FromPayloads(a.GetInput(), &h.Input); err != nil {
				return history{}, false, err
			}
		}
		if a := ev.GetWorkflowExecutionSignaledEventAttributes(); a != nil {
			var g greeting
			if err := dc.FromPayloads(a.GetInput(), &g); err != nil {
				return history{}, false, err
			}
			h.Signals = append(h.Signals, a.GetSignalName()+": "+g.Text)
		}
		ok = true
	}
	return h, ok, nil
}

// awaitHistory waits until the relay's entries for the workflow are all dispatched and its
// history holds want's number of signals, then requires the history to be want exactly.
func awaitHistory(t *testing.T, c client.Client, pool *pgxpool.Pool, id string, want history) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		// The entries first, then the history: once none is pending, the history holds every
		// delivery there will be, a repeated one included.
		var pending int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE workflow_id = $1 AND dispatched_at IS NULL`, id).Scan(&pending)
		var h history
		var ok bool
		if err == nil {
			h, ok, err = read(ctx, c, id)
		}
		if err == nil && ok && pending == 0 && len(h.Signals) >= len(want.Signals) {
			if h.Type != want.Type || h.Input != want.Input || !slices.Equal(h.Signals, want.Signals) {
				t.Fatalf("history of %s = %+v, want %+v", id, h, want)
			}
			return
		}
		if ctx.Err() != nil {
			explain(t, c, pool, id)
			t.Fatalf("history of %s incomplete: %+v (exists %v, %d entries pending, %v)", id, h, ok, pending, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// explain logs what the outbox and Temporal know of a workflow whose delivery did not complete.
func explain(t *testing.T, c client.Client, pool *pgxpool.Pool, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := pool.Query(ctx, `SELECT id, signal_name, attempts, coalesce(last_error, ''), dispatched_at FROM outbox WHERE workflow_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Logf("outbox: %v", err)
		return
	}
	for rows.Next() {
		var n int64
		var signal, last string
		var attempts int
		var dispatched *time.Time
		if err := rows.Scan(&n, &signal, &attempts, &last, &dispatched); err != nil {
			t.Logf("outbox: %v", err)
			break
		}
		t.Logf("outbox entry %d signal=%q attempts=%d last_error=%q dispatched_at=%v", n, signal, attempts, last, dispatched)
	}
	rows.Close()
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Logf("history: %v", err)
			break
		}
		t.Logf("event %d %s at %s", ev.GetEventId(), ev.GetEventType(), ev.GetEventTime().AsTime().Format(time.StampMicro))
	}
}

func dial(t *testing.T, address string) client.Client {
	c, err := client.Dial(client.Options{HostPort: address})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close) // after the relay's cleanup, registered later
	return c
}

func TestRelayDeliversStartsThenSignalsOnce(t *testing.T) {
	env := testenv.Get(t)
	pool := newPool(t, env.PostgresURL)
	c := dial(t, env.TemporalAddress)
	id := "echo/" + ids.New()
	enqueue(t, pool,
		outbox.Message{WorkflowID: id, WorkflowType: "echo", Payload: started{Name: "alice"}},
		outbox.Message{WorkflowID: id, WorkflowType: "echo", Payload: started{Name: "again"}}, // a repeated start is a no-op
		outbox.Message{WorkflowID: id, Signal: "greet", Payload: greeting{Text: "hello"}},
	)
	runRelay(t, &outbox.Relay{Pool: pool, Temporal: c, TaskQueue: "outbox-" + ids.New(), Logger: testLogger(t), Interval: 20 * time.Millisecond})
	awaitHistory(t, c, pool, id, history{Type: "echo", Input: started{Name: "alice"}, Signals: []string{"greet: hello"}})
	var notes []string
	if err := pool.QueryRow(context.Background(), `SELECT array_agg(coalesce(last_error, '') ORDER BY id) FROM outbox`).Scan(&notes); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(notes, []string{"", "already started", ""}) {
		t.Fatalf("entries settled with %q", notes)
	}

	// A signal to the ended workflow is settled, not retried forever.
	ctx := context.Background()
	if err := c.TerminateWorkflow(ctx, id, "", "the test ends it"); err != nil {
		t.Fatal(err)
	}
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
	ctx := context.Background()
	temporal, err := devstack.StartTemporal(ctx, bin, dir, 0, 0, dir+"/temporal.db", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = temporal.Stop() })
	c, err := client.NewLazyClient(client.Options{HostPort: temporal.Address})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := temporal.Stop(); err != nil {
		t.Fatal(err)
	}
	id := "echo/" + ids.New()
	enqueue(t, pool, outbox.Message{WorkflowID: id, WorkflowType: "echo", Payload: started{Name: "bob"}},
		outbox.Message{WorkflowID: id, Signal: "greet", Payload: greeting{Text: "still here"}})
	relay := &outbox.Relay{Pool: pool, Temporal: c, TaskQueue: "outbox-" + ids.New(), Logger: testLogger(t), Interval: 20 * time.Millisecond}
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
	// The client reconnects with gRPC's back-off.
	awaitHistory(t, c, pool, id, history{Type: "echo", Input: started{Name: "bob"}, Signals: []string{"greet: still here"}})
}

// TestRelayDeliversABacklogInOrderPerWorkflow: a backlog of starts, delivered concurrently, and
// the signals after them, delivered in order: every workflow gets its own signals, in the order
// they were written, none before its start.
func TestRelayDeliversABacklogInOrderPerWorkflow(t *testing.T) {
	env := testenv.Get(t)
	pool := newPool(t, env.PostgresURL)
	c := dial(t, env.TemporalAddress)
	var msgs []outbox.Message
	names := make([]string, 60)
	for i := range names {
		names[i] = "echo/" + ids.New()
		msgs = append(msgs, outbox.Message{WorkflowID: names[i], WorkflowType: "echo", Payload: started{Name: names[i]}})
	}
	for round := range 2 {
		for _, id := range names {
			msgs = append(msgs, outbox.Message{WorkflowID: id, Signal: "greet", Payload: greeting{Text: fmt.Sprintf("hi %d %s", round, id)}})
		}
	}
	enqueue(t, pool, msgs...)
	// No worker runs them: they end with the test, not left on the shared server.
	t.Cleanup(func() {
		for _, id := range names {
			_ = c.TerminateWorkflow(context.Background(), id, "", "the test ends")
		}
	})
	runRelay(t, &outbox.Relay{Pool: pool, Temporal: c, TaskQueue: "outbox-" + ids.New(), Logger: testLogger(t), Interval: 20 * time.Millisecond, Batch: 50})
	for _, id := range names {
		awaitHistory(t, c, pool, id, history{Type: "echo", Input: started{Name: id},
			Signals: []string{"greet: hi 0 " + id, "greet: hi 1 " + id}})
	}
}
