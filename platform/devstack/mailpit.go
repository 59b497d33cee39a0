package devstack

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Mailpit is the SMTP server of development and tests: it keeps every message it receives and
// shows them in its web UI and HTTP API.
type Mailpit struct {
	// SMTPAddr is where guichet sends mail (host:port).
	SMTPAddr string
	// URL of the mailbox (web UI and API).
	URL  string
	proc *process
}

// StartMailpit starts bin (bin/mailpit, built by `make tools`) with SMTP on smtpPort and the web UI
// and API on httpPort, free ports where 0 (SMTPAddr and URL say which). dbFile "" keeps the messages in a temporary file deleted at exit, without
// the default limit of 500 messages (a test run sends more). Extra flags follow (tests start one
// with STARTTLS). nice > 0 runs it as background work at that niceness (see Command).
func StartMailpit(ctx context.Context, bin, dir string, smtpPort, httpPort int, dbFile string, nice int, extra ...string) (*Mailpit, error) {
	if err := freePorts(&smtpPort, &httpPort); err != nil {
		return nil, err
	}
	m := &Mailpit{SMTPAddr: fmt.Sprintf("127.0.0.1:%d", smtpPort), URL: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}
	args := []string{"--smtp", m.SMTPAddr, "--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		// No network but the loopback: no update check, no reverse DNS of the client.
		"--disable-version-check", "--smtp-disable-rdns",
		// Any credentials, even over plain SMTP, so that a configured relay login works here too.
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure"}
	if dbFile != "" {
		args = append(args, "--database", dbFile)
	} else {
		args = append(args, "--max", "0")
	}
	args = append(args, extra...)
	err := retryTakenPort(ctx, func() error {
		cmd, err := Command(nice, bin, args...)
		if err != nil {
			return err
		}
		proc, err := startProcess("mailpit", cmd, syscall.SIGTERM, filepath.Join(dir, "mailpit.log"))
		if err != nil {
			return fmt.Errorf("%w (build it with `make tools`)", err)
		}
		m.proc = proc
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := waitTCP(ctx, proc, m.SMTPAddr); err != nil {
			_ = proc.stop(5 * time.Second)
			return err
		}
		if err := m.waitReady(ctx); err != nil {
			_ = proc.stop(5 * time.Second)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// waitReady waits for the API's readiness endpoint.
func (m *Mailpit) waitReady(ctx context.Context) error {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if m.proc.exited() {
			return m.proc.exitedEarly("its API was ready at " + m.URL)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("mailpit not ready at %s: %w", m.URL, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop shuts the server down.
func (m *Mailpit) Stop() error { return m.proc.stop(10 * time.Second) }

// MailpitBinary returns $GUICHET_MAILPIT_BIN or the repository's bin/mailpit.
func MailpitBinary() (string, error) {
	if b := os.Getenv("GUICHET_MAILPIT_BIN"); b != "" {
		return b, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	b := filepath.Join(root, "bin", "mailpit")
	if _, err := os.Stat(b); err != nil {
		return "", fmt.Errorf("%s is missing: run `make tools`", b)
	}
	return b, nil
}
