package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/testenv"
)

// TestSubmissionWhileTemporalIsDown: the deadline never waits on Temporal. With the Temporal dev
// server stopped, a submission still gets its receipt; when the server is back, the workflow runs.
func TestSubmissionWhileTemporalIsDown(t *testing.T) {
	env := testenv.Get(t)
	bin, err := devstack.TemporalBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	temporal, err := devstack.StartTemporal(ctx, bin, dir, 0, 0, dir+"/temporal.db", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Registered before the platform's cleanup, so the platform stops first.
	t.Cleanup(func() { _ = temporal.Stop() })
	env.TemporalAddress = temporal.Address
	a := startPlatform(t, testConfig(t, env))

	officer := a.token(auth.ProgrammeOfficer, "officer-1", "")
	alice := a.token(auth.Applicant, "alice", dinum)
	now := time.Now().UTC()
	call := a.call(http.MethodPost, "/v1/calls?callId=durable-"+ids.New(), officer,
		smallCall("Durability", now.Add(time.Hour), now.Add(2*time.Hour))).must(t, http.StatusCreated)
	draft := a.call(http.MethodPost, "/v1/"+call.str("name")+"/applications", alice, application("Durable")).must(t, http.StatusCreated)
	name := draft.str("name")

	if err := temporal.Stop(); err != nil {
		t.Fatal(err)
	}
	receipt := a.call(http.MethodPost, "/v1/"+name+":submit", alice, map[string]any{}).must(t, http.StatusOK)
	if receipt.str("state") != "SUBMITTED" || len(receipt.str("contentSha256")) != 64 {
		t.Fatalf("receipt while Temporal is down: %s", receipt.Body)
	}
	if r := a.call(http.MethodGet, "/readyz", "", nil); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with Temporal down: %d %s", r.Status, r.Body)
	}
	time.Sleep(time.Second) // the relay retries meanwhile
	if s := a.call(http.MethodGet, "/v1/"+name, alice, nil).must(t, http.StatusOK).str("state"); s != "SUBMITTED" {
		t.Fatalf("state while Temporal is down: %s", s)
	}

	if err := temporal.Start(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 90*time.Second, "the workflow to run the eligibility check", func() bool {
		return a.call(http.MethodGet, "/v1/"+name, alice, nil).must(t, http.StatusOK).str("state") != "SUBMITTED"
	})
}
