package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// liveHeartbeat keeps idle event streams open through proxies; liveRetry is the reconnection
// delay the browser is given.
const (
	liveHeartbeat = 25 * time.Second
	liveRetry     = 5 * time.Second
)

// progress are the counts of a call's jury that the chair's pages show and update live.
type progress struct {
	Assignments int `json:"assignments"`
	Reviewed    int `json:"reviewed"`
	Recused     int `json:"recused"`
	Divergences int `json:"divergences"`
	Consensus   int `json:"consensus"`
}

func countProgress(as []*reviewv1.Assignment, ds []*reviewv1.Divergence) progress {
	p := progress{Assignments: len(as), Divergences: len(ds)}
	for _, a := range as {
		switch a.GetState() {
		case "REVIEWED":
			p.Reviewed++
		case "RECUSED":
			p.Recused++
		}
	}
	for _, d := range ds {
		if d.GetConsensusRecorded() {
			p.Consensus++
		}
	}
	return p
}

// progressOf reads the call's progress through the review service, as the signed-in chair (the
// service decides what the chair may see).
func (c *console) progressOf(ctx context.Context, callID string) (progress, error) {
	as, err := c.review.ListAssignments(ctx, &reviewv1.ListAssignmentsRequest{Parent: "calls/" + callID})
	if err != nil {
		return progress{}, err
	}
	ds, err := c.review.ListDivergences(ctx, &reviewv1.ListDivergencesRequest{Parent: "calls/" + callID})
	if err != nil {
		return progress{}, err
	}
	return countProgress(as.GetAssignments(), ds.GetDivergences()), nil
}

// juryEvents streams the call's progress to its chair as server-sent events: the counts at once,
// then fresh counts, re-read through the review service, after each event of the call's Redis
// channel. The pages work without it (decision 0017): static/live.js only enhances them.
func (c *console) juryEvents(w http.ResponseWriter, r *http.Request) {
	sess, ok, err := c.sessions.load(r)
	switch {
	case err != nil:
		http.Error(w, "sessions unavailable", http.StatusServiceUnavailable)
		return
	case !ok:
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	case sess.Role != string(auth.JuryChair):
		http.Error(w, "the jury's live progress is the chair's", http.StatusForbidden)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	callID := r.PathValue("call")
	// The stream ends with the request, the session, or the server's shutdown.
	ctx, cancel := context.WithDeadline(r.Context(), sess.Expires)
	defer cancel()
	defer context.AfterFunc(c.streams, cancel)()
	as := c.as(r.WithContext(ctx), sess)

	// Subscribed before the first read, so no event falls between the two.
	sub := c.o.Redis.Subscribe(ctx, flow.JuryChannel(callID))
	defer func() { _ = sub.Close() }()
	if _, err := sub.Receive(ctx); err != nil {
		c.logger.WarnContext(ctx, "web: jury events not subscribed", "call", callID, "error", err)
		http.Error(w, "live progress unavailable", http.StatusServiceUnavailable)
		return
	}
	p, err := c.progressOf(as, callID)
	if err != nil {
		code := httpStatus(status.Code(err))
		http.Error(w, http.StatusText(code), code)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(p progress) error {
		data, _ := json.Marshal(p)
		_, err := fmt.Fprintf(w, "event: progress\ndata: %s\n\n", data)
		flusher.Flush()
		return err
	}
	if _, err := fmt.Fprintf(w, "retry: %d\n\n", liveRetry.Milliseconds()); err != nil {
		return
	}
	if send(p) != nil {
		return
	}
	events := sub.Channel()
	beat := time.NewTicker(liveHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
			flusher.Flush()
		case _, open := <-events:
			if !open {
				return
			}
			// A burst of events (a jury scoring at once) costs one re-read.
			for drained := false; !drained; {
				select {
				case <-events:
				default:
					drained = true
				}
			}
			p, err := c.progressOf(as, callID)
			if err != nil {
				c.logger.InfoContext(ctx, "web: jury progress not re-read", "call", callID, "error", err)
				return
			}
			if send(p) != nil {
				return
			}
		}
	}
}
