package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/guichet/guichet/cmd/guichet/internal/rest"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/ids"
)

// Platform is the running platform under measurement.
type Platform struct {
	// URL of the REST gateway.
	URL string
	// Issuer mints the tokens of the development issuer the platform trusts.
	Issuer *auth.DevIssuer
	HTTP   *http.Client
}

// NewHTTPClient keeps enough idle connections for the concurrency.
func NewHTTPClient(concurrency int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = concurrency*2, concurrency*2
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// RushResult is what the deadline rush measured.
type RushResult struct {
	Call         string   `json:"call"`
	Applications int      `json:"applications"`
	Concurrency  int      `json:"concurrency"`
	Submitted    int      `json:"submitted"`
	Errors       int      `json:"errors"`
	ErrorSamples []string `json:"errorSamples,omitempty"`
	Seconds      float64  `json:"seconds"`
	// PerSecond is applications created and submitted per second.
	PerSecond float64 `json:"perSecond"`
	// GeneratorCPUSeconds is the CPU the load generator (this process) used during the rush: it
	// shares the machine with the platform.
	GeneratorCPUSeconds float64 `json:"generatorCpuSeconds"`
	Create              Summary `json:"createLatency"`
	Submit              Summary `json:"submitLatency"`
	// Names of the submitted applications, to follow their workflows.
	Names []string  `json:"-"`
	Start time.Time `json:"-"`
}

func (p Platform) token(c auth.Claims) (string, error) { return p.Issuer.Mint(c, 2*time.Hour) }

func (p Platform) post(ctx context.Context, path, token string, body any) (map[string]any, int, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, 0, err
	}
	r, err := rest.Do(ctx, p.HTTP, p.URL, rest.Request{Method: http.MethodPost, Path: path, Token: token, Body: data, Key: ids.New()})
	if err != nil {
		return nil, r.Status, err
	}
	if r.Status >= 300 {
		return r.JSON, r.Status, fmt.Errorf("POST %s: %d %s", path, r.Status, bytes.TrimSpace(r.Body))
	}
	return r.JSON, r.Status, nil
}

// CreateCall opens a call for the run, closing in two hours.
func (p Platform) CreateCall(ctx context.Context) (string, error) {
	tok, err := p.token(auth.Claims{Subject: "officer-1", Role: string(auth.ProgrammeOfficer)})
	if err != nil {
		return "", err
	}
	now := time.Now().UTC()
	id := "bench-" + ids.New()
	reviewers := []string{"reviewer-1", "reviewer-2", "reviewer-3", "reviewer-4", "reviewer-5", "reviewer-6"}
	_, _, err = p.post(ctx, "/v1/calls?callId="+id, tok, map[string]any{
		"title": "Benchmark call", "envelopeCents": 1_000_000_000_000, "floorCents": 10_000_000, "ceilingCents": 100_000_000,
		"maxRatePercent": 50, "opensAt": now.Add(-time.Minute).Format(time.RFC3339), "closesAt": now.Add(2 * time.Hour).Format(time.RFC3339),
		"reviewDeadline": now.Add(4 * time.Hour).Format(time.RFC3339),
		"criteria": []map[string]any{
			{"id": "impact", "title": "Public value and impact", "weight": 1, "threshold": 3},
			{"id": "data", "title": "Use and quality of public data", "weight": 1, "threshold": 3},
			{"id": "feasibility", "title": "Feasibility, team and budget realism", "weight": 1, "threshold": 3},
		},
		"overallThreshold": 10, "reviewers": reviewers, "chair": "chair-1", "reviewersPerApplication": 3,
	})
	return "calls/" + id, err
}

// Application is a complete application body that respects the demo call's rules (€400,000 of a
// €1,000,000 budget, three tranches of 30/50/20% due after a call closing within the month), as the
// benchmark, the chaos run and the end-to-end tests send it.
func Application(title string) map[string]any {
	due := func(months int) string { return time.Now().AddDate(0, months, 0).Format(time.DateOnly) }
	return map[string]any{
		"title":                title,
		"summary":              "Predicting business-bankruptcy risk from public tax and company data.",
		"applicant":            map[string]any{"legalName": "Direction interministérielle du numérique", "siret": "13002526500013"},
		"contact":              map[string]any{"name": "Alice Martin", "email": "alice@example.org"},
		"datasets":             []string{"https://www.data.gouv.fr/fr/datasets/base-sirene"},
		"projectBudgetCents":   100_000_000,
		"requestedAmountCents": 40_000_000,
		"milestones": []map[string]any{
			{"title": "Project started", "dueDate": due(3), "trancheAmountCents": 12_000_000},
			{"title": "Model trained", "dueDate": due(6), "trancheAmountCents": 20_000_000},
			{"title": "Model delivered", "dueDate": due(12), "trancheAmountCents": 8_000_000},
		},
		"bankAccount": map[string]any{"iban": "FR7630006000011234567890189", "bic": "BDFEFRPPCCT", "holder": "DINUM"},
	}
}

// Rush has n applicants, concurrency at a time, each create a draft and submit it.
func (p Platform) Rush(ctx context.Context, call string, n, concurrency int) (RushResult, error) {
	// One token per applicant, signed before the clock starts, on every core (an RS256 signature
	// takes a few milliseconds).
	tokens := make([]string, n)
	var minting errgroup.Group
	minting.SetLimit(runtime.GOMAXPROCS(0))
	for i := range tokens {
		minting.Go(func() (err error) {
			tokens[i], err = p.token(auth.Claims{Subject: fmt.Sprintf("bench-applicant-%d", i), Role: string(auth.Applicant), Siret: "13002526500013"})
			return err
		})
	}
	if err := minting.Wait(); err != nil {
		return RushResult{}, err
	}
	res := RushResult{Call: call, Applications: n, Concurrency: concurrency, Names: make([]string, n)}
	var create, submit Latencies
	var errs atomic.Int64
	var samples sync.Map
	jobs := make(chan int)
	var wg sync.WaitGroup
	res.Start = time.Now()
	cpu0 := ownCPUSeconds()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t0 := time.Now()
				draft, _, err := p.post(ctx, "/v1/"+call+"/applications", tokens[i], Application(fmt.Sprintf("Public data project %d", i)))
				create.Add(time.Since(t0))
				if err == nil {
					name, _ := draft["name"].(string)
					t1 := time.Now()
					_, _, err = p.post(ctx, "/v1/"+name+":submit", tokens[i], map[string]any{})
					submit.Add(time.Since(t1))
					if err == nil {
						res.Names[i] = name
					}
				}
				if err != nil {
					if errs.Add(1) <= 5 {
						samples.Store(i, err.Error())
					}
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(res.Start)
	res.GeneratorCPUSeconds = ownCPUSeconds() - cpu0
	res.Seconds = elapsed.Seconds()
	res.Errors = int(errs.Load())
	res.Submitted = n - res.Errors
	res.PerSecond = float64(res.Submitted) / elapsed.Seconds()
	res.Create, res.Submit = create.Summary(), submit.Summary()
	samples.Range(func(_, v any) bool { res.ErrorSamples = append(res.ErrorSamples, v.(string)); return true })
	return res, nil
}

// Throughput is the rate of a simple request at a concurrency.
type Throughput struct {
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"perSecond"`
	Latency   Summary `json:"latency"`
}

// measure runs do n times, concurrency at a time.
func measure(n, concurrency int, do func() error) Throughput {
	var lat Latencies
	var errs atomic.Int64
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				t := time.Now()
				if err := do(); err != nil {
					errs.Add(1)
				}
				lat.Add(time.Since(t))
			}
		}()
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	el := time.Since(start)
	return Throughput{Requests: n, Errors: int(errs.Load()), Seconds: el.Seconds(), PerSecond: float64(n) / el.Seconds(), Latency: lat.Summary()}
}

// Healthz measures GET /healthz through the gateway: the ceiling of the HTTP path alone.
func (p Platform) Healthz(ctx context.Context, n, concurrency int) Throughput {
	return measure(n, concurrency, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/healthz", nil)
		if err != nil {
			return err
		}
		resp, err := p.HTTP.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("healthz: %d", resp.StatusCode)
		}
		return nil
	})
}
