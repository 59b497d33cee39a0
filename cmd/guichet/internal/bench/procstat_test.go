package bench

import (
	"os"
	"os/exec"
	"testing"
)

func TestProcessesReadsCPUAndMemory(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	got := Processes(map[string]string{"sleeper": "sleep 30"}, nil)
	if others := Processes(map[string]string{"sleeper": "sleep 30"}, Only{"sleeper": {1: true}}); len(others) != 0 {
		t.Fatalf("only: %+v", others)
	}
	if len(got) != 1 || got[0].PID != cmd.Process.Pid || got[0].Name != "sleeper" || got[0].PeakRSSMB <= 0 || got[0].PSSMB <= 0 || got[0].PSSMB > got[0].RSSMB {
		t.Fatalf("processes = %+v (pid %d, self %d)", got, cmd.Process.Pid, os.Getpid())
	}
}
