package devstack

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// takePort holds a port (HoldPort) until the test ends or free is called.
func takePort(t *testing.T) (port int, free func()) {
	t.Helper()
	port, free, err := HoldPort()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(free)
	return port, free
}

// TestMailpitWithItsPortTakenSaysSo: mailpit whose API port is taken ends at once; the start is
// tried three times, then fails with the end of its log, which names the cause.
func TestMailpitWithItsPortTakenSaysSo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mailpit")
	}
	bin, err := MailpitBinary()
	if err != nil {
		t.Fatal(err)
	}
	api, _ := takePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	_, err = StartMailpit(ctx, bin, dir, 0, api, "", 0)
	if !portTaken(err) {
		t.Fatalf("with its API port taken: %v", err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "mailpit.log"))
	if n := strings.Count(strings.ToLower(string(data)), "address already in use"); n != 3 {
		t.Fatalf("%d attempts logged, want 3:\n%s", n, data)
	}
}

// TestTemporalStartsAgainOnceItsPortIsFree: a dev server whose port is taken ends at once; Start
// tries again, so a port taken for a moment (by a parallel test's process, say) does not fail
// the start, and a port taken for good fails it with the end of the server's log, which says so.
func TestTemporalStartsAgainOnceItsPortIsFree(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the Temporal dev server")
	}
	bin, err := TemporalBinary()
	if err != nil {
		t.Fatal(err)
	}
	port, free := takePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	dir := t.TempDir()
	_, err = StartTemporal(ctx, bin, dir, port, 0, "", 0)
	if !portTaken(err) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("with its port taken for good: %v", err)
	}

	// Taken for the first attempt only: freed once the log shows one more refusal than the three
	// of the start above.
	refusals := func() int {
		data, _ := os.ReadFile(filepath.Join(dir, "temporal.log"))
		return strings.Count(string(data), "address already in use")
	}
	if n := refusals(); n != 3 {
		t.Fatalf("%d attempts logged, want 3", n)
	}
	go func() {
		for refusals() < 4 && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		free()
	}()
	temporal, err := StartTemporal(ctx, bin, dir, port, 0, "", 0)
	if err != nil {
		t.Fatalf("with its port free after a moment: %v", err)
	}
	if err := temporal.Stop(); err != nil {
		t.Fatal(err)
	}
}
