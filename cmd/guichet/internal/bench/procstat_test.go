package bench

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/devstack"
)

func TestProcessesReadsCPUAndMemory(t *testing.T) {
	// A duration of its own, so that no other sleep on the machine (a "sleep 300" of a shell) matches.
	arg := fmt.Sprintf("30.%09d", time.Now().UnixNano()%1_000_000_000)
	pattern := "sleep " + arg
	cmd, err := devstack.Command(7, "sleep", arg)
	if err != nil {
		t.Fatal(err)
	}
	own, err := devstack.Niceness(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if own >= 19 {
		t.Skip("the test already runs at niceness 19: a niced process cannot be told apart")
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// nice execs sleep in the same process: wait until it has.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid)); string(comm) == "sleep\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nice did not exec sleep within 5 s")
		}
	}
	got := Processes(map[string]string{"sleeper": pattern}, nil)
	if others := Processes(map[string]string{"sleeper": pattern}, Only{"sleeper": {1: true}}); len(others) != 0 {
		t.Fatalf("only: %+v", others)
	}
	if len(got) != 1 || got[0].PID != cmd.Process.Pid || got[0].Name != "sleeper" || got[0].PeakRSSMB <= 0 || got[0].PSSMB <= 0 || got[0].PSSMB > got[0].RSSMB || got[0].Nice != min(own+7, 19) {
		t.Fatalf("processes = %+v (pid %d, self %d)", got, cmd.Process.Pid, os.Getpid())
	}
}
