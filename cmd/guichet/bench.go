package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/guichet/guichet/cmd/guichet/internal/bench"
	"github.com/guichet/guichet/cmd/guichet/internal/chaos"
	"github.com/guichet/guichet/cmd/guichet/internal/fleet"
	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/config"
	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/ids"
)

func benchCmd() *cobra.Command {
	var (
		url                                            string
		applicants, concurrency, healthz, starts, wait int
		out, profileDir                                string
		profileSeconds, backlog, pgbenchSeconds        int
		lifecycle                                      int
		selection, reviewers                           int
		nice                                           int
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the deadline rush through the REST gateway against its ceilings, on this machine",
		Long: `Without --url, bench starts every target as its own process on free ports, on the components
of the environment (under 'guichet testenv', its throwaway PostgreSQL, Redis and Temporal), and
stops them at the end. With --url, it measures a running platform whose development issuer key
(GUICHET_DEV_ISSUER_KEY) and Temporal address it shares.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg := config.FromEnv()
			var (
				only   bench.Only
				pprofs map[string]string
			)
			var temporal *devstack.Temporal
			if url == "" && backlog > 0 {
				// Its own Temporal dev server, which the backlog phase stops and starts again.
				t, stopTemporal, err := startTemporal(ctx, nice)
				if err != nil {
					return err
				}
				defer stopTemporal()
				temporal = t
			}
			if url == "" {
				own := ""
				if temporal != nil {
					own = temporal.Address
				}
				stop, pids, profiles, err := startTargets(&cfg, own, profileDir != "", nice)
				pprofs = profiles
				only = pids
				if err != nil {
					return err
				}
				defer stop()
				url = "http://" + cfg.GatewayAddr
			}
			iss, err := auth.LoadDevIssuer(cfg.OIDCIssuer, cfg.OIDCAudience, cfg.DevIssuerKeyFile)
			if err != nil {
				return err
			}
			tc, err := client.Dial(client.Options{HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace})
			if err != nil {
				return err
			}
			defer tc.Close()
			p := bench.Platform{URL: url, Issuer: iss, HTTP: bench.NewHTTPClient(concurrency)}
			if err := waitReady(ctx, p, 90*time.Second); err != nil {
				return err
			}
			time.Sleep(2 * time.Second) // let start-up settle before reading memory at rest
			var r bench.Report
			r.Time = time.Now().UTC()
			r.AtRest = bench.Aggregate(bench.Processes(bench.Patterns, only))
			call, err := p.CreateCall(ctx)
			if err != nil {
				return err
			}
			profiled := bench.CPUProfiles(ctx, pprofs, profileDir, "rush", time.Duration(profileSeconds)*time.Second)
			if r.Rush, err = p.Rush(ctx, call, applicants, concurrency); err != nil {
				return err
			}
			if err := profiled(); err != nil {
				return err
			}
			rushEnd := r.Rush.Start.Add(time.Duration(r.Rush.Seconds * float64(time.Second)))
			if r.Drain, err = bench.WaitForWorkflows(ctx, tc, r.Rush.Names, rushEnd, time.Duration(wait)*time.Second); err != nil {
				return fmt.Errorf("waiting for the workflows: %w", err)
			}
			// The ceilings are measured once the rush's intake is over: nothing of it is left running.
			if r.Drain.IntakeSeconds, r.Drain.PastIntake, err = p.WaitForIntake(ctx, call, rushEnd, time.Duration(wait)*time.Second); err != nil {
				return err
			}
			warnIntake("rush", r.Drain.PastIntake, r.Rush.Submitted)
			if temporal != nil {
				b, err := p.Backlog(ctx, call, backlog, concurrency, temporal, tc, time.Duration(wait)*time.Second, func() func() error {
					return bench.CPUProfiles(ctx, pprofs, profileDir, "backlog", time.Duration(profileSeconds)*time.Second)
				})
				if err != nil {
					return err
				}
				r.Backlog = &b
				warnIntake("backlog", b.Drain.PastIntake, r.Rush.Submitted+b.Rush.Submitted)
			}
			r.Healthz = p.Healthz(ctx, healthz, concurrency)
			if r.PlainHandler, err = bench.PlainHandler(ctx, p.HTTP, healthz, concurrency); err != nil {
				return err
			}
			if pgbenchSeconds > 0 {
				if r.PGBench, err = bench.PGBench(ctx, cfg.PostgresURL, concurrency, time.Duration(pgbenchSeconds)*time.Second); err != nil {
					return err
				}
			}
			r.TemporalStarts = bench.TemporalStarts(ctx, tc, starts, concurrency)
			r.After = bench.Aggregate(bench.Processes(bench.Patterns, only))
			if lifecycle > 0 {
				// After the other stages, so its stack of its own shares the machine with nothing.
				l, err := runLifecycle(ctx, lifecycle, concurrency, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				r.Lifecycle = &l
			}
			if selection > 0 {
				// In process, last: it keeps both cores busy for a while.
				s, err := bench.Selection(selection, reviewers)
				if err != nil {
					return err
				}
				r.Selection = &s
			}
			r.Finish()
			r.Table(cmd.OutOrStdout())
			if out != "" {
				data, err := json.MarshalIndent(r, "", "  ")
				if err != nil {
					return err
				}
				if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(out, data, 0o644); err != nil {
					return err
				}
				_, _ = fmt.Fprintln(cmd.OutOrStdout(), "results:", out)
			}
			if r.Lifecycle != nil && !r.Lifecycle.Held() {
				return fmt.Errorf("the lifecycle did not end with every invariant held: %+v", r.Lifecycle.Invariants)
			}
			if r.Rush.Errors > 0 {
				return fmt.Errorf("%d of %d applications failed, e.g. %v", r.Rush.Errors, r.Rush.Applications, r.Rush.ErrorSamples)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "REST gateway of a running platform (default: start one)")
	cmd.Flags().IntVar(&applicants, "applicants", 500, "applications created and submitted in the rush")
	cmd.Flags().IntVar(&concurrency, "concurrency", 64, "applicants at a time")
	cmd.Flags().IntVar(&healthz, "healthz", 20000, "GET /healthz requests of the gateway baseline")
	cmd.Flags().IntVar(&starts, "starts", 500, "raw Temporal workflow starts of the Temporal baseline")
	cmd.Flags().IntVar(&wait, "wait", 600, "seconds to wait for the outbox to start every workflow")
	cmd.Flags().StringVar(&out, "out", "", "write the results as JSON to this file")
	cmd.Flags().StringVar(&profileDir, "profile", "", "write CPU profiles of each target taken during the rush and the backlog rush to this folder (go tool pprof)")
	cmd.Flags().IntVar(&selection, "selection", 0, "applications of a synthetic call ranked and assigned in process, stage 4 (0: skip)")
	cmd.Flags().IntVar(&reviewers, "reviewers", 1000, "reviewers of the jury of --selection")
	cmd.Flags().IntVar(&lifecycle, "lifecycle", 0, "applications taken through the whole lifecycle on a durable stack of the benchmark's own (0: skip)")
	cmd.Flags().IntVar(&backlog, "backlog", 0, "applications of a second rush made while the benchmark's own Temporal dev server is stopped, then drained (not with --url)")
	cmd.Flags().IntVar(&pgbenchSeconds, "pgbench-seconds", 10, "length of the pgbench run against the platform's PostgreSQL (0: skip)")
	cmd.Flags().IntVar(&nice, "nice", backgroundNice, "niceness of the benchmark's own Temporal dev server and worker target during the rushes and the ceilings: background work, as in guichet dev (0: as the requests; the lifecycle stage runs on a stack of its own, not niced)")
	cmd.Flags().IntVar(&profileSeconds, "profile-seconds", 8, "length of the CPU profiles, from the start of the rush")
	return cmd
}

// runLifecycle is stage 3: the chaos run's lifecycle and checks, without faults, on its own stack.
func runLifecycle(ctx context.Context, n, concurrency int, progress io.Writer) (bench.Lifecycle, error) {
	exe, err := os.Executable()
	if err != nil {
		return bench.Lifecycle{}, err
	}
	dir, err := devstack.TempDir("guichet-bench-lifecycle-")
	if err != nil {
		return bench.Lifecycle{}, err
	}
	res, err := chaos.Run(ctx, chaos.Options{Bin: exe, Dir: dir, Applications: n, Concurrency: min(concurrency, 16), BatchSize: 50,
		Seed: 1, Wait: 10 * time.Minute, Out: progress, NoFaults: true})
	if err != nil {
		return bench.Lifecycle{}, fmt.Errorf("lifecycle (logs in %s): %w", dir, err)
	}
	l := res.Lifecycle()
	if l.Held() {
		_ = os.RemoveAll(dir)
	}
	return l, nil
}

// startTemporal starts a Temporal dev server of the benchmark's own (in-memory store) on free ports.
func startTemporal(ctx context.Context, nice int) (*devstack.Temporal, func(), error) {
	bin, err := devstack.TemporalBinary()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "guichet-bench-temporal-")
	if err != nil {
		return nil, nil, err
	}
	t, err := devstack.StartTemporal(ctx, bin, dir, 0, 0, "", nice)
	if err != nil {
		return nil, nil, err
	}
	return t, func() { _ = t.Stop(); _ = os.RemoveAll(dir) }, nil
}

func waitReady(ctx context.Context, p bench.Platform, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/readyz", nil)
		resp, err := p.HTTP.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s/readyz never answered 200", p.URL)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// startTargets runs each target as its own process of this binary on free ports, on the
// components of the environment (GUICHET_TEST_* under `guichet testenv`), and points cfg at them.
// A temporal address, when given, replaces the environment's. With profile, each target also serves its Go profiles on a loopback port (pprofs: target → address).
func startTargets(cfg *config.Config, temporal string, profile bool, nice int) (stop func(), pids bench.Only, pprofs map[string]string, err error) {
	for env, field := range map[string]*string{"GUICHET_TEST_POSTGRES_URL": &cfg.PostgresURL, "GUICHET_TEST_REDIS_URL": &cfg.RedisURL,
		"GUICHET_TEST_TEMPORAL_ADDRESS": &cfg.TemporalAddress, "GUICHET_TEST_SMTP_ADDR": &cfg.SMTPAddr} {
		if v := os.Getenv(env); v != "" {
			*field = v
		}
	}
	if temporal != "" {
		cfg.TemporalAddress = temporal
	}
	port := func() string {
		p, err := devstack.FreePort()
		if err != nil {
			panic(err)
		}
		return fmt.Sprintf("127.0.0.1:%d", p)
	}
	dir, err := os.MkdirTemp("", "guichet-bench-")
	if err != nil {
		return nil, nil, nil, err
	}
	cfg.GatewayAddr, cfg.WebAddr = port(), port()
	cfg.ApplicationsAddr, cfg.ReviewAddr, cfg.PaymentsAddr = port(), port(), port()
	cfg.OIDCIssuer = "http://" + cfg.GatewayAddr + "/dev-issuer"
	cfg.DevIssuerKeyFile = filepath.Join(dir, "dev-issuer-key.json")
	cfg.TaskQueue = "bench-" + ids.New()
	if _, err := auth.LoadDevIssuer(cfg.OIDCIssuer, cfg.OIDCAudience, cfg.DevIssuerKeyFile); err != nil {
		return nil, nil, nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, nil, err
	}
	cfg.DataDir, cfg.DevIssuer, cfg.RateLimitPerMinute, cfg.RegistryURL = dir, true, 1_000_000, "off"
	if profile {
		pprofs = map[string]string{}
		for _, t := range server.Order {
			pprofs[string(t)] = port()
		}
	}
	f := fleet.New(fleet.Options{Bin: exe, Env: append(os.Environ(), cfg.Environ()...), Logs: dir,
		Nice: map[server.Target]int{server.Worker: nice},
		Args: func(t server.Target) []string {
			if a, ok := pprofs[string(t)]; ok {
				return []string{"--pprof=" + a}
			}
			return nil
		}})
	stop = func() {
		f.StopAll()
		_ = os.RemoveAll(dir)
	}
	if err := f.StartAll(); err != nil {
		stop()
		return nil, nil, nil, err
	}
	pids = bench.Only{}
	for _, t := range server.Order {
		pids["guichet-"+string(t)] = map[int]bool{f.Pid(t): true}
	}
	return stop, pids, pprofs, nil
}

// warnIntake says, on standard error, when fewer applications of the call passed their intake
// than were submitted: the intake time printed then covers only those that did.
func warnIntake(stage string, past, submitted int) {
	if past < submitted {
		fmt.Fprintf(os.Stderr, "warning: after the %s, %d of %d submitted applications passed their intake\n", stage, past, submitted)
	}
}
