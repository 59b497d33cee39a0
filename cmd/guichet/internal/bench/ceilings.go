package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// PlainHandler measures a Go net/http handler that answers a small JSON document, served and
// loaded in this process with the same client and concurrency as the rush: the ceiling of an HTTP
// request on this machine, without TLS, authentication or storage.
func PlainHandler(ctx context.Context, client *http.Client, n, concurrency int) (Throughput, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Throughput{}, err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()
	url := "http://" + ln.Addr().String() + "/"
	return measure(n, concurrency, func() error { return get(ctx, client, url) }), nil
}

func get(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	return nil
}

// PGBenchResult is PostgreSQL's commit rate for the writes of a submission.
type PGBenchResult struct {
	Clients      int     `json:"clients"`
	Seconds      int     `json:"seconds"`
	Transactions int64   `json:"transactions"`
	PerSecond    float64 `json:"perSecond"`
	// Fsync is the server's fsync setting: the throwaway cluster of `guichet testenv` runs without.
	Fsync string `json:"fsync"`
}

// pgbenchScript is one transaction of two inserts shaped like a submission's: the application's
// row with its frozen content, and the outbox entry that starts its workflow.
const pgbenchScript = `\set n random(1, 9223372036854775806)
BEGIN;
INSERT INTO bench_pgbench.applications (name, state, content) VALUES ('calls/bench/applications/' || :n || '-' || :client_id, 'SUBMITTED', repeat('x', 1500));
INSERT INTO bench_pgbench.outbox (workflow_id, payload) VALUES ('application/' || :n || '-' || :client_id, repeat('y', 300));
END;
`

var tpsLine = regexp.MustCompile(`(?m)^number of transactions actually processed: (\d+)`)

// PGBench runs pgbench (PostgreSQL's own load tool) against the database at url for d with the
// given clients, in a scratch schema it drops afterwards.
func PGBench(ctx context.Context, url string, clients int, d time.Duration) (PGBenchResult, error) {
	bin, err := pgbenchBinary()
	if err != nil {
		return PGBenchResult{}, err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return PGBenchResult{}, err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	res := PGBenchResult{Clients: clients, Seconds: int(d.Seconds())}
	if err := conn.QueryRow(ctx, `SHOW fsync`).Scan(&res.Fsync); err != nil {
		return res, err
	}
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS bench_pgbench CASCADE;
		CREATE SCHEMA bench_pgbench;
		CREATE TABLE bench_pgbench.applications (name text PRIMARY KEY, state text NOT NULL, content text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
		CREATE TABLE bench_pgbench.outbox (id bigserial PRIMARY KEY, workflow_id text NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return res, err
	}
	defer func() { _, _ = conn.Exec(context.Background(), `DROP SCHEMA bench_pgbench CASCADE`) }()
	dir, err := os.MkdirTemp("", "guichet-pgbench-")
	if err != nil {
		return res, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	script := filepath.Join(dir, "submission.sql")
	if err := os.WriteFile(script, []byte(pgbenchScript), 0o644); err != nil {
		return res, err
	}
	cmd := exec.CommandContext(ctx, bin, "--no-vacuum", "--file", script, "--client", strconv.Itoa(clients), "--jobs", "2",
		"--time", strconv.Itoa(res.Seconds), url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return res, fmt.Errorf("pgbench: %w: %s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return res, fmt.Errorf("pgbench: no transaction count in its output: %s", out)
	}
	res.Transactions, _ = strconv.ParseInt(string(m[1]), 10, 64)
	res.PerSecond = float64(res.Transactions) / d.Seconds()
	return res, nil
}

// pgbenchBinary finds pgbench on the PATH or in Debian's PostgreSQL folders.
func pgbenchBinary() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(matches) == 0 {
		return "", fmt.Errorf("pgbench not found (Debian's postgresql package installs it in /usr/lib/postgresql/*/bin)")
	}
	return matches[len(matches)-1], nil
}
