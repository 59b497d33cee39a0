package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/mail/mailpit"
	"github.com/guichet/guichet/platform/testenv"
)

// TestWorkerKilledDuringPaymentPaysOnce kills the worker process (SIGKILL) while the advance is
// being paid, confirms the payment twice while it is down, restarts it a little later, and checks
// that the project ends with every tranche paid exactly once: the ledger and the workflow agree.
func TestWorkerKilledDuringPaymentPaysOnce(t *testing.T) {
	env := testenv.Get(t)
	cfg := testConfig(t, env)
	a := newAPI(t, cfg)
	p := startProcesses(t, cfg)
	waitReady(t, a)
	// The restart's error comes back to the test's goroutine: t.Fatal may not be called from
	// another one, which could run after the test ended (a stopped fleet refuses the start).
	restarted := make(chan error, 1)
	crash := func() {
		p.Kill(server.Worker)
		go func() {
			time.Sleep(2 * time.Second)
			restarted <- p.Start(server.Worker)
		}()
	}
	name := scenario(t, a, temporalClient(t, env.TemporalAddress), &mailpit.Client{URL: env.MailpitURL}, crash)
	if err := <-restarted; err != nil {
		t.Fatalf("restart the worker: %v", err)
	}
	finance := a.token(auth.FinanceOfficer, "finance-1", "")
	tranches := a.call(http.MethodGet, "/v1/"+name+"/tranches", finance, nil).must(t, http.StatusOK)
	for _, item := range tranches.JSON["tranches"].([]any) {
		if state := item.(map[string]any)["state"]; state != "PAID" {
			t.Fatalf("tranche %v is %v", item.(map[string]any)["name"], state)
		}
	}
}
