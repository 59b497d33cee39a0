package chaos

import (
	"context"
	"fmt"
	"github.com/guichet/guichet/cmd/guichet/internal/bench"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/ids"
)

const siret = "13002526500013"

var reviewers = []string{"reviewer-1", "reviewer-2", "reviewer-3", "reviewer-4", "reviewer-5", "reviewer-6"}

// phase is one step of the lifecycle and how long it took.
type phase struct {
	Name    string
	Seconds float64
}

// driver takes N applications through their whole lifecycle on one call.
type driver struct {
	c           *client
	n           int
	concurrency int
	batchSize   int
	wait        time.Duration
	call        string
	apps        []string
	phases      []phase
	batches     int
	out         io.Writer
	start       time.Time
}

func (d *driver) applicant(i int) (string, error) {
	return d.c.token(auth.Applicant, fmt.Sprintf("chaos-applicant-%d", i), siret)
}

// each runs fn for 0..n-1 on d.concurrency goroutines and returns the first error.
func (d *driver) each(n int, fn func(i int) error) error {
	jobs := make(chan int)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range d.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return first
}

func (d *driver) timed(name string, fn func() error) error {
	t0 := time.Now()
	err := fn()
	d.phases = append(d.phases, phase{Name: name, Seconds: time.Since(t0).Seconds()})
	_, _ = fmt.Fprintf(d.out, "drive %7.1fs  %s: %.1fs %s\n", time.Since(d.start).Seconds(), name, time.Since(t0).Seconds(), errText(err))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// run drives the lifecycle, phase by phase.
func (d *driver) run(ctx context.Context) error {
	var closes time.Time
	steps := []struct {
		name string
		fn   func() error
	}{
		{"open the call", func() (err error) { closes, err = d.openCall(ctx); return err }},
		{"create and submit", func() error { return d.submitAll(ctx) }},
		{"wait for the close", func() error { time.Sleep(time.Until(closes)); return nil }},
		{"declarations and reviews", func() error { return d.reviewAll(ctx) }},
		{"rank", func() error { return d.rank(ctx) }},
		{"sign agreements", func() error { return d.signAll(ctx) }},
	}
	for seq := 1; seq <= 3; seq++ {
		steps = append(steps, struct {
			name string
			fn   func() error
		}{fmt.Sprintf("tranche %d: report, certify, order, batch, confirm", seq), func() error { return d.payTranche(ctx, seq) }})
	}
	for _, s := range steps {
		if err := d.timed(s.name, s.fn); err != nil {
			return err
		}
	}
	return nil
}

// openCall opens a call whose envelope funds every application, closing once they can all have
// been submitted.
func (d *driver) openCall(ctx context.Context) (time.Time, error) {
	officer, err := d.c.token(auth.ProgrammeOfficer, "officer-1", "")
	if err != nil {
		return time.Time{}, err
	}
	id := "chaos-" + ids.New()
	now := time.Now().UTC()
	closes := now.Add(10*time.Second + time.Duration(d.n)*50*time.Millisecond)
	_, err = d.c.expect(ctx, http.MethodPost, "/v1/calls?callId="+id, officer, map[string]any{
		"title": "Chaos run", "envelopeCents": int64(d.n) * 40_000_000, "floorCents": 10_000_000, "ceilingCents": 100_000_000,
		"maxRatePercent": 50, "opensAt": now.Add(-time.Minute).Format(time.RFC3339), "closesAt": closes.Format(time.RFC3339Nano),
		"reviewDeadline": now.Add(6 * time.Hour).Format(time.RFC3339),
		"criteria": []map[string]any{
			{"id": "impact", "title": "Public value and impact", "weight": 1, "threshold": 3},
			{"id": "data", "title": "Use and quality of public data", "weight": 1, "threshold": 3},
			{"id": "feasibility", "title": "Feasibility, team and budget realism", "weight": 1, "threshold": 3},
		},
		"overallThreshold": 10, "reviewers": reviewers, "chair": "chair-1", "reviewersPerApplication": 3,
	}, http.StatusCreated, http.StatusConflict)
	d.call = "calls/" + id
	return closes, err
}

func (d *driver) submitAll(ctx context.Context) error {
	d.apps = make([]string, d.n)
	return d.each(d.n, func(i int) error {
		tok, err := d.applicant(i)
		if err != nil {
			return err
		}
		draft, err := d.c.expect(ctx, http.MethodPost, "/v1/"+d.call+"/applications", tok, bench.Application(fmt.Sprintf("Chaos project %d", i)), http.StatusCreated)
		if err != nil {
			return err
		}
		name := draft.Str("name")
		d.apps[i] = name
		r, err := d.c.expect(ctx, http.MethodPost, "/v1/"+name+":submit", tok, map[string]any{}, http.StatusOK, http.StatusConflict)
		if err != nil || r.Status == http.StatusOK {
			return err
		}
		// A conflict is success only when the first attempt did submit it.
		if s, err := d.state(ctx, i); err != nil || s == "DRAFT" {
			return fmt.Errorf("submit %s: %d %s (state %s, %v)", name, r.Status, r.Body, s, err)
		}
		return nil
	})
}

func (d *driver) state(ctx context.Context, i int) (string, error) {
	tok, err := d.applicant(i)
	if err != nil {
		return "", err
	}
	r, err := d.c.expect(ctx, http.MethodGet, "/v1/"+d.apps[i], tok, nil, http.StatusOK)
	return r.Str("state"), err
}

// waitAll waits until every application is in state.
func (d *driver) waitAll(ctx context.Context, state string) error {
	return d.each(d.n, func(i int) error {
		return eventually(ctx, d.wait, d.apps[i]+" to be "+state, func() (bool, error) {
			s, err := d.state(ctx, i)
			if err == nil && s != state && slices.Contains([]string{"INELIGIBLE", "REJECTED", "RESERVE", "WITHDRAWN"}, s) {
				return false, fmt.Errorf("%s is %s", d.apps[i], s)
			}
			return s == state, err
		})
	})
}

// reviewAll has each reviewer sign the call's declaration, declare no conflict with and score
// each application assigned to it, until the workflows have every review.
func (d *driver) reviewAll(ctx context.Context) error {
	var mu sync.Mutex
	reviewed := map[string]bool{}
	each := &driver{c: d.c, concurrency: len(reviewers), wait: d.wait}
	err := each.each(len(reviewers), func(k int) error {
		r := reviewers[k]
		tok, err := d.c.token(auth.Reviewer, r, "")
		if err != nil {
			return err
		}
		// The review service learns the call's jury with the first assignment of a workflow.
		if err := eventually(ctx, d.wait, r+"'s declaration", func() (bool, error) {
			res, err := d.c.call(ctx, http.MethodPost, "/v1/"+d.call+"/declarations", tok, map[string]any{"accepted": true})
			return res.Status == http.StatusCreated || res.Status == http.StatusConflict, err
		}); err != nil {
			return err
		}
		return eventually(ctx, d.wait, r+"'s reviews", func() (bool, error) {
			res, err := d.c.expect(ctx, http.MethodGet, "/v1/"+d.call+"/assignments", tok, nil, http.StatusOK)
			if err != nil {
				return false, err
			}
			list, _ := res.JSON["assignments"].([]any)
			for _, a := range list {
				app, _ := a.(map[string]any)["application"].(string)
				mu.Lock()
				done := reviewed[r+" "+app]
				mu.Unlock()
				if done || app == "" {
					continue
				}
				if _, err := d.c.expect(ctx, http.MethodPost, "/v1/"+app+"/conflicts", tok, map[string]any{"conflict": false},
					http.StatusOK, http.StatusCreated, http.StatusConflict); err != nil {
					return false, err
				}
				if _, err := d.c.expect(ctx, http.MethodPost, "/v1/"+app+"/reviews", tok, map[string]any{
					"scores":  []map[string]any{{"criterion": "impact", "score": 4.5}, {"criterion": "data", "score": 4}, {"criterion": "feasibility", "score": 3.5}},
					"comment": "Solid use of public data.",
				}, http.StatusCreated, http.StatusConflict); err != nil {
					return false, err
				}
				mu.Lock()
				reviewed[r+" "+app] = true
				mu.Unlock()
			}
			mu.Lock()
			defer mu.Unlock()
			return len(reviewed) >= 3*d.n, nil
		})
	})
	if err != nil {
		return err
	}
	return d.waitAll(ctx, "UNDER_REVIEW")
}

func (d *driver) rank(ctx context.Context) error {
	chair, err := d.c.token(auth.JuryChair, "chair-1", "")
	if err != nil {
		return err
	}
	if _, err := d.c.expect(ctx, http.MethodPost, "/v1/"+d.call+":rank", chair, map[string]any{}, http.StatusOK, http.StatusConflict); err != nil {
		return err
	}
	return d.waitAll(ctx, "SELECTED")
}

func (d *driver) signAll(ctx context.Context) error {
	err := d.each(d.n, func(i int) error {
		tok, err := d.applicant(i)
		if err != nil {
			return err
		}
		// A conflict means an earlier attempt signed: the wait for FUNDED below decides.
		_, err = d.c.expect(ctx, http.MethodPost, "/v1/"+d.apps[i]+":signAgreement", tok, map[string]any{}, http.StatusOK, http.StatusConflict)
		return err
	})
	if err != nil {
		return err
	}
	return d.waitAll(ctx, "FUNDED")
}

// tranche returns application i's tranche of sequence seq.
func (d *driver) tranche(ctx context.Context, i, seq int) (map[string]any, error) {
	tok, err := d.applicant(i)
	if err != nil {
		return nil, err
	}
	r, err := d.c.expect(ctx, http.MethodGet, "/v1/"+d.apps[i]+"/tranches", tok, nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	list, _ := r.JSON["tranches"].([]any)
	for _, t := range list {
		if m, _ := t.(map[string]any); fmt.Sprint(m["sequence"]) == fmt.Sprint(seq) {
			return m, nil
		}
	}
	return nil, fmt.Errorf("%s has no tranche %d: %s", d.apps[i], seq, r.Body)
}

// done reports whether tranche has reached one of the states after the action.
func done(tranche map[string]any, after ...string) bool {
	return slices.Contains(after, fmt.Sprint(tranche["state"]))
}

// payTranche takes tranche seq of every application to PAID: the milestone report (tranches 2
// onwards), certification, order, then batches of many tranches, each confirmed paid.
func (d *driver) payTranche(ctx context.Context, seq int) error {
	officer, err := d.c.token(auth.ProgrammeOfficer, "officer-1", "")
	if err != nil {
		return err
	}
	finance, err := d.c.token(auth.FinanceOfficer, "finance-1", "")
	if err != nil {
		return err
	}
	accountant, err := d.c.token(auth.Accountant, "accountant-1", "")
	if err != nil {
		return err
	}
	names := make([]string, d.n)
	err = d.each(d.n, func(i int) error {
		t, err := d.tranche(ctx, i, seq)
		if err != nil {
			return err
		}
		name := fmt.Sprint(t["name"])
		names[i] = name
		if seq > 1 && done(t, "PLANNED") {
			tok, err := d.applicant(i)
			if err != nil {
				return err
			}
			if _, err := d.c.expect(ctx, http.MethodPost, "/v1/"+d.apps[i]+"/reports", tok, map[string]any{"sequence": seq,
				"summary": "Milestone delivered: the model and its evaluation on public data.", "deliverables": []string{"https://example.org/report.pdf"}},
				http.StatusCreated, http.StatusConflict); err != nil {
				return err
			}
			if err := eventually(ctx, d.wait, name+" to be REPORT_SUBMITTED", func() (bool, error) {
				t, err = d.tranche(ctx, i, seq)
				return err == nil && !done(t, "PLANNED"), err
			}); err != nil {
				return err
			}
		}
		// Each action is sent until the tranche shows it done: a 409 after a lost answer is the
		// first attempt's success.
		for _, step := range []struct {
			verb, token string
			after       []string
		}{
			{"certify", officer, []string{"CERTIFIED", "ORDERED", "EXPORTED", "PAID"}},
			{"order", finance, []string{"ORDERED", "EXPORTED", "PAID"}},
		} {
			if done(t, step.after...) {
				continue
			}
			r, err := d.c.expect(ctx, http.MethodPost, "/v1/"+name+":"+step.verb, step.token, map[string]any{}, http.StatusOK, http.StatusConflict)
			if err != nil {
				return err
			}
			if t, err = d.tranche(ctx, i, seq); err != nil {
				return err
			}
			if !done(t, step.after...) {
				return fmt.Errorf("%s %s: %d %s, tranche %v", step.verb, name, r.Status, r.Body, t["state"])
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Batches of up to batchSize tranches; a batch whose answer was lost is found again through
	// its tranches.
	var batches []string
	for start := 0; start < len(names); start += d.batchSize {
		part := names[start:min(start+d.batchSize, len(names))]
		r, err := d.c.expect(ctx, http.MethodPost, "/v1/payment-batches", accountant, map[string]any{"tranches": part}, http.StatusCreated, http.StatusConflict)
		if err != nil {
			return err
		}
		if r.Status == http.StatusCreated {
			batches = append(batches, r.Str("name"))
			continue
		}
		found := map[string]bool{}
		for i := start; i < start+len(part); i++ {
			t, err := d.tranche(ctx, i, seq)
			if err != nil {
				return err
			}
			b := fmt.Sprint(t["batch"])
			if !done(t, "EXPORTED", "PAID") || b == "" {
				return fmt.Errorf("batch of %d tranches: %d %s, and %s is %v", len(part), r.Status, r.Body, names[i], t["state"])
			}
			if !found[b] {
				found[b] = true
				batches = append(batches, b)
			}
		}
	}
	// The tranches of each batch not yet paid, read once after batching.
	unpaid := map[string][]map[string]any{}
	var mu sync.Mutex
	if err := d.each(d.n, func(i int) error {
		t, err := d.tranche(ctx, i, seq)
		if err != nil || done(t, "PAID") {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		b := fmt.Sprint(t["batch"])
		unpaid[b] = append(unpaid[b], map[string]any{"tranche": names[i], "outcome": "PAID"})
		return nil
	}); err != nil {
		return err
	}
	for _, b := range batches {
		if len(unpaid[b]) == 0 {
			continue
		}
		if _, err := d.c.expect(ctx, http.MethodPost, "/v1/"+b+":confirm", accountant, map[string]any{"outcomes": unpaid[b]}, http.StatusOK); err != nil {
			return err
		}
		d.batches++
	}
	return d.each(d.n, func(i int) error {
		return eventually(ctx, d.wait, names[i]+" to be PAID", func() (bool, error) {
			t, err := d.tranche(ctx, i, seq)
			return err == nil && done(t, "PAID"), err
		})
	})
}
