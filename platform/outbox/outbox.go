// Package outbox is the transactional outbox of ARCHITECTURE.md ("The deadline never waits on
// Temporal"): a service writes its state change and the workflow start or signal it implies in one
// PostgreSQL transaction; a relay delivers the entries to Temporal later, retrying while Temporal is
// slow or down. Delivery is at least once; workflow starts use the business id, so a repeat is a no-op.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/guichet/guichet/platform/telemetry"
)

// Message is a workflow start (WorkflowType set) or a signal (Signal set) to deliver.
type Message struct {
	WorkflowID   string
	WorkflowType string
	Signal       string
	Payload      any
}

// Enqueue writes m in tx, with the trace context of ctx so that the workflow continues the trace.
func Enqueue(ctx context.Context, tx pgx.Tx, m Message) error {
	b := &pgx.Batch{}
	if err := Queue(ctx, b, m); err != nil {
		return err
	}
	return tx.SendBatch(ctx, b).Close()
}

// Queue adds the statement writing m to b, for a caller sending it with other statements of its
// transaction in one round trip (audit.AppendAfter).
func Queue(ctx context.Context, b *pgx.Batch, m Message) error {
	if (m.WorkflowType == "") == (m.Signal == "") {
		return errors.New("outbox: a message is either a workflow start or a signal")
	}
	payload, err := json.Marshal(m.Payload)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	trace, err := json.Marshal(telemetry.Inject(ctx))
	if err != nil {
		return err
	}
	b.Queue(`INSERT INTO outbox (workflow_id, workflow_type, signal_name, payload, trace) VALUES ($1, $2, $3, $4, $5)`,
		m.WorkflowID, m.WorkflowType, m.Signal, payload, trace)
	return nil
}

// Relay delivers a schema's outbox to Temporal.
type Relay struct {
	Pool      *pgxpool.Pool
	Temporal  client.Client
	TaskQueue string
	Logger    *slog.Logger
	// Interval between polls when the outbox is empty (default 100 ms).
	Interval time.Duration
	// Batch is the number of entries taken per transaction (default 500).
	Batch int
}

// Run delivers entries until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	interval := r.Interval
	if interval == 0 {
		interval = 100 * time.Millisecond
	}
	backoff := interval
	for {
		n, err := r.DrainOnce(ctx)
		wait := interval
		switch {
		case err != nil && n > 0:
			// Some entries went before one failed: Temporal answers again (after a restart, its
			// first starts may fail while it warms up), so the backlog is retried at once.
			r.Logger.InfoContext(ctx, "outbox relay: delivery interrupted, retrying", "delivered", n, "error", err)
			backoff = interval
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			r.Logger.WarnContext(ctx, "outbox relay: delivery failed, will retry", "error", err, "retry_in", backoff)
			wait = backoff
			backoff = min(backoff*2, 5*time.Second)
		case n > 0:
			backoff = interval
			continue
		default:
			backoff = interval
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

type entry struct {
	id                               int64
	workflowID, workflowType, signal string
	payload                          json.RawMessage
	trace                            map[string]string
}

// DrainOnce delivers up to Batch pending entries in order and returns how many it delivered. It
// stops at the first entry Temporal could not take, so a signal never overtakes its workflow start.
func (r *Relay) DrainOnce(ctx context.Context) (int, error) {
	batch := r.Batch
	if batch == 0 {
		batch = 500
	}
	delivered := 0
	var deliveryErr error
	err := pgx.BeginTxFunc(ctx, r.Pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, workflow_id, workflow_type, signal_name, payload, trace FROM outbox
			WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, batch)
		if err != nil {
			return err
		}
		var entries []entry
		for rows.Next() {
			var e entry
			if err := rows.Scan(&e.id, &e.workflowID, &e.workflowType, &e.signal, &e.payload, &e.trace); err != nil {
				rows.Close()
				return err
			}
			entries = append(entries, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Workflow starts are independent of each other: a run of consecutive starts is delivered
		// concurrently. Signals go one by one, in order, after the starts before them.
		for i := 0; i < len(entries); {
			j := i + 1
			if entries[i].workflowType != "" {
				// A second start of the same workflow waits for the first: the first one wins.
				ids := map[string]bool{entries[i].workflowID: true}
				for j < len(entries) && entries[j].workflowType != "" && !ids[entries[j].workflowID] {
					ids[entries[j].workflowID] = true
					j++
				}
			}
			notes, errs := r.deliverAll(ctx, entries[i:j])
			// One statement records the run: delivered entries are dispatched, failed ones keep
			// their error for the next attempt.
			var ids []int64
			var dispatched []bool
			var texts []string
			for k, e := range entries[i:j] {
				ids = append(ids, e.id)
				dispatched = append(dispatched, errs[k] == nil)
				if errs[k] != nil {
					if deliveryErr == nil {
						deliveryErr = errs[k]
					}
					texts = append(texts, errs[k].Error())
					continue
				}
				texts = append(texts, notes[k])
				delivered++
			}
			if _, err := tx.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = d.note,
					dispatched_at = CASE WHEN d.dispatched THEN now() END
				FROM unnest($1::bigint[], $2::boolean[], $3::text[]) AS d(id, dispatched, note)
				WHERE outbox.id = d.id`, ids, dispatched, texts); err != nil {
				return err
			}
			if deliveryErr != nil {
				// Keep what was delivered (committed below) and stop: nothing after a failed entry
				// may overtake it.
				return nil
			}
			i = j
		}
		return nil
	})
	if err != nil {
		// Rolled back: entries Temporal took are delivered again; starts are then "already
		// started" and workflows ignore repeated signals.
		return 0, err
	}
	return delivered, deliveryErr
}

// parallelStarts bounds the workflow starts in flight at once.
const parallelStarts = 64

// deliverAll sends entries concurrently (they are all starts, or a single signal).
func (r *Relay) deliverAll(ctx context.Context, entries []entry) ([]string, []error) {
	notes, errs := make([]string, len(entries)), make([]error, len(entries))
	if len(entries) == 1 {
		notes[0], errs[0] = r.deliver(ctx, entries[0])
		return notes, errs
	}
	sem := make(chan struct{}, parallelStarts)
	var wg sync.WaitGroup
	for i, e := range entries {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			notes[i], errs[i] = r.deliver(ctx, e)
		}()
	}
	wg.Wait()
	return notes, errs
}

// deliver sends one entry. A note explains an entry that was settled without effect.
func (r *Relay) deliver(ctx context.Context, e entry) (note string, err error) {
	ctx = telemetry.Extract(ctx, e.trace)
	if e.workflowType != "" {
		_, err := r.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:                                       e.workflowID,
			TaskQueue:                                r.TaskQueue,
			WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
			WorkflowExecutionErrorWhenAlreadyStarted: true,
		}, e.workflowType, e.payload)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return "already started", nil
		}
		return "", err
	}
	err = r.Temporal.SignalWorkflow(ctx, e.workflowID, "", e.signal, e.payload)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		// The workflow has ended: nothing waits for this signal any more.
		r.Logger.InfoContext(ctx, "outbox relay: signal to an ended workflow dropped", "workflow_id", e.workflowID, "signal", e.signal)
		return "workflow not running", nil
	}
	return "", err
}
