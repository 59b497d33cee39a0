package devstack

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func niceness(t *testing.T, pid int) int {
	t.Helper()
	n, err := Niceness(pid)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCommandRunsAtItsNiceness starts a real process through Command and reads its niceness back:
// 0 leaves it at this process's, a background niceness applies to it from its start, and a
// niceness out of 1–19 is refused with the rule.
func TestCommandRunsAtItsNiceness(t *testing.T) {
	own := niceness(t, os.Getpid())
	if own >= 19 {
		t.Skip("the test already runs at niceness 19: a niced process cannot be told apart")
	}
	for _, tc := range []struct {
		nice, want int
	}{{0, own}, {10, min(own+10, 19)}, {19, 19}} {
		cmd, err := Command(tc.nice, "sleep", "7.25")
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// nice execs sleep in the same process: wait until it has, then read.
		deadline := time.Now().Add(5 * time.Second)
		for {
			comm, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/comm")
			if strings.TrimSpace(string(comm)) == "sleep" || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		got := niceness(t, cmd.Process.Pid)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if got != tc.want {
			t.Errorf("Command(%d): niceness %d, want %d", tc.nice, got, tc.want)
		}
	}
	for _, bad := range []int{-1, 20} {
		if _, err := Command(bad, "sleep", "1"); err == nil || !strings.Contains(err.Error(), "between 1 and 19") {
			t.Errorf("Command(%d): %v, want a refusal naming the range", bad, err)
		}
	}
}
