package devstack

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Command returns the command running bin with args niced by nice: `nice -n` adds it to this
// process's niceness, up to 19 (0: as this process).
//
// On one machine, the components whose work can wait (the Temporal dev server, the workflow
// worker, the mail server) run niced as background work: when requests and background work
// compete for the CPU, the requests get it first and the outbox holds what Temporal has not taken
// yet; on an idle machine a niced process runs at full speed (docs/decisions/0023). `nice` sets
// its own niceness then execs bin, so every thread of bin has it from the start.
func Command(nice int, bin string, args ...string) (*exec.Cmd, error) {
	if nice == 0 {
		return exec.Command(bin, args...), nil
	}
	if nice < 0 || nice > 19 {
		return nil, fmt.Errorf("niceness %d of %s: a background component's niceness is between 1 and 19", nice, bin)
	}
	path, err := exec.LookPath("nice")
	if err != nil {
		return nil, fmt.Errorf("run %s at niceness %d: %w", bin, nice, err)
	}
	return exec.Command(path, append([]string{"-n", strconv.Itoa(nice), bin}, args...)...), nil
}

// Stat reads /proc/<pid>/stat and returns its fields after the command's name (which may hold
// spaces): the state is [0], user and system time [11] and [12], the niceness [16].
func Stat(pid int) ([]string, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	end := bytes.LastIndexByte(data, ')')
	if end < 0 || end+2 > len(data) {
		return nil, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(string(data[end+2:]))
	if len(fields) < 17 {
		return nil, fmt.Errorf("/proc/%d/stat: %d fields after the name", pid, len(fields))
	}
	return fields, nil
}

// Niceness reads the niceness of process pid from /proc.
func Niceness(pid int) (int, error) {
	fields, err := Stat(pid)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(fields[16])
}
