package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/config"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/testenv"
)

// startAllInOne runs every target in this process on the test components.
func startAllInOne(t *testing.T, env testenv.Env) *api {
	t.Helper()
	return startPlatform(t, testConfig(t, env))
}

// startPlatform serves every target in this process with cfg until the test ends, and returns the
// REST client once the gateway is ready.
func startPlatform(t testing.TB, cfg config.Config) *api {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p, err := server.Start(ctx, server.Order, server.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = p.Wait() })
	a := newAPI(t, cfg)
	waitReady(t, a)
	return a
}

// TestConcurrentSubmissionsAtTheDeadline: 50 applicants submit in the last second before the
// deadline; every one gets its receipt and every application is listed as submitted.
func TestConcurrentSubmissionsAtTheDeadline(t *testing.T) {
	const n = 50
	a := startAllInOne(t, testenv.Get(t))
	officer := a.token(auth.ProgrammeOfficer, "officer-1", "")
	alice := a.token(auth.Applicant, "alice", dinum)
	now := time.Now().UTC()
	closes := now.Add(8 * time.Second)
	call := a.call(http.MethodPost, "/v1/calls?callId=rush-"+ids.New(), officer,
		smallCall("Deadline rush", closes, now.Add(time.Hour))).must(t, http.StatusCreated)
	apps := "/v1/" + call.str("name") + "/applications"
	names := make([]string, n)
	for i := range names {
		names[i] = a.call(http.MethodPost, apps, alice, application(fmt.Sprintf("Project %d", i))).must(t, http.StatusCreated).str("name")
	}
	time.Sleep(time.Until(closes.Add(-1500 * time.Millisecond)))
	var wg sync.WaitGroup
	receipts := make([]response, n)
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			receipts[i] = a.call(http.MethodPost, "/v1/"+name+":submit", alice, map[string]any{})
		}()
	}
	wg.Wait()
	for i, r := range receipts {
		if r.Status != http.StatusOK || r.str("state") != "SUBMITTED" || len(r.str("contentSha256")) != 64 {
			t.Fatalf("submission %d: %d %s", i, r.Status, r.Body)
		}
	}
	list := a.call(http.MethodGet, apps+"?pageSize=100&filter="+`state%20%3D%20%22SUBMITTED%22`, officer, nil).must(t, http.StatusOK)
	got, _ := list.JSON["applications"].([]any)
	if len(got) != n {
		t.Fatalf("%d submitted applications listed, want %d", len(got), n)
	}
	// One second after the deadline, a submission is refused with a clear problem.
	late := a.call(http.MethodPost, apps, alice, application("Late")).must(t, http.StatusCreated).str("name")
	time.Sleep(time.Until(closes.Add(time.Second)))
	r := a.call(http.MethodPost, "/v1/"+late+":submit", alice, map[string]any{})
	r.problem(t, http.StatusConflict, "")
	if detail, _ := r.JSON["detail"].(string); !strings.Contains(detail, "closed at") {
		t.Fatalf("late submission detail: %s", r.Body)
	}
}
