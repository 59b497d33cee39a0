package fleet

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/devstack"
)

// The test binary stands in for guichet: with GUICHET_FLEET_HELPER set it prints its arguments to
// its log, then either serves until interrupted ("serve") or dies at once ("crash" for the worker).
func TestMain(m *testing.M) {
	if mode := os.Getenv("GUICHET_FLEET_HELPER"); mode != "" {
		fmt.Println(strings.Join(os.Args[1:], " "))
		fmt.Printf("niceness %d\n", ownNiceness())
		if mode == "crash" && strings.Contains(strings.Join(os.Args, " "), "--target=worker") {
			os.Exit(3)
		}
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt)
		<-stop
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ownNiceness is this process's niceness (-100 if unreadable: no test expects it).
func ownNiceness() int {
	n, err := devstack.Niceness(os.Getpid())
	if err != nil {
		return -100
	}
	return n
}

// TestBackgroundTargetsRunNiced: a target given a niceness runs at it, the others as this process.
func TestBackgroundTargetsRunNiced(t *testing.T) {
	f := New(Options{Bin: os.Args[0], Env: append(os.Environ(), "GUICHET_FLEET_HELPER=serve"), Logs: t.TempDir(),
		Nice: map[server.Target]int{server.Worker: 10}})
	t.Cleanup(f.StopAll)
	if err := f.StartAll(); err != nil {
		t.Fatal(err)
	}
	own := ownNiceness()
	if own >= 19 {
		t.Skip("the test already runs at niceness 19: a niced target cannot be told apart")
	}
	for _, tg := range server.Order {
		want := own
		if tg == server.Worker {
			want = min(own+10, 19)
		}
		waitFor(t, fmt.Sprintf("%s at niceness %d", tg, want), func() bool {
			data, _ := os.ReadFile(f.LogFile(tg))
			return strings.Contains(string(data), fmt.Sprintf("niceness %d\n", want))
		})
	}
}

func fleet(t *testing.T, mode string, restart bool) *Fleet {
	t.Helper()
	f := New(Options{Bin: os.Args[0], Env: append(os.Environ(), "GUICHET_FLEET_HELPER="+mode), Logs: t.TempDir(), Restart: restart,
		Args: func(tg server.Target) []string { return []string{"--pprof=" + string(tg)} }})
	t.Cleanup(f.StopAll)
	if err := f.StartAll(); err != nil {
		t.Fatal(err)
	}
	return f
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestStartKillStartAndStop(t *testing.T) {
	f := fleet(t, "serve", true)
	for _, tg := range server.Order {
		if f.Pid(tg) == 0 {
			t.Fatalf("%s has no process", tg)
		}
		waitFor(t, string(tg)+"'s log", func() bool {
			data, _ := os.ReadFile(f.LogFile(tg))
			return strings.Contains(string(data), "serve --target="+string(tg)+" --pprof="+string(tg))
		})
	}
	before := f.Pid(server.Worker)
	// A running target is not started twice: the first process would be orphaned.
	if err := f.Start(server.Worker); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second start of a running worker: %v", err)
	}
	if f.Pid(server.Worker) != before {
		t.Fatalf("worker pid %d after a refused start, %d before", f.Pid(server.Worker), before)
	}
	f.Kill(server.Worker)
	if err := f.Start(server.Worker); err != nil {
		t.Fatal(err)
	}
	if after := f.Pid(server.Worker); after == before || after == 0 {
		t.Fatalf("worker pid %d after a restart, %d before", after, before)
	}
	// A kill is no unexpected exit, and nothing restarted the killed process by itself.
	if n := f.UnexpectedExits(); len(n) != 0 {
		t.Fatalf("unexpected exits after a kill: %v", n)
	}
	f.StopAll()
	if n := f.UnexpectedExits(); len(n) != 0 {
		t.Fatalf("unexpected exits after a stop: %v", n)
	}
}

func TestATargetThatDiesByItselfIsCountedAndRestarted(t *testing.T) {
	f := fleet(t, "crash", true)
	waitFor(t, "two restarts of the worker", func() bool { return f.UnexpectedExits()[server.Worker] >= 2 })
	if n := f.UnexpectedExits(); len(n) != 1 {
		t.Fatalf("unexpected exits %v: only the worker dies", n)
	}
}

func TestWithoutRestartADeadTargetStaysDown(t *testing.T) {
	f := fleet(t, "crash", false)
	pid := f.Pid(server.Worker)
	time.Sleep(1500 * time.Millisecond)
	if f.Pid(server.Worker) != pid || len(f.UnexpectedExits()) != 0 {
		t.Fatalf("the worker was restarted (%d → %d) or counted (%v)", pid, f.Pid(server.Worker), f.UnexpectedExits())
	}
}

// TestStopAllWhileATargetWaitsToRestart: a target that died just before StopAll is not started
// again afterwards, and a Start after the stop is refused.
func TestStopAllWhileATargetWaitsToRestart(t *testing.T) {
	f := fleet(t, "crash", true)
	waitFor(t, "the worker's first death", func() bool { return f.UnexpectedExits()[server.Worker] >= 1 })
	f.StopAll()
	// The worker of this mode dies at once: a restart would show as another process and another
	// unexpected exit, not as a live process.
	f.mu.Lock()
	before, deaths := f.procs[server.Worker], f.unexpected[server.Worker]
	f.mu.Unlock()
	time.Sleep(1500 * time.Millisecond) // past the restart's delay
	f.mu.Lock()
	after, deathsAfter := f.procs[server.Worker], f.unexpected[server.Worker]
	f.mu.Unlock()
	if after != before || deathsAfter != deaths {
		t.Fatalf("a worker was started again after StopAll (process replaced: %v, unexpected exits %d → %d)", after != before, deaths, deathsAfter)
	}
	if err := f.Start(server.Worker); err == nil {
		t.Fatal("a stopped fleet started a target")
	}
}
