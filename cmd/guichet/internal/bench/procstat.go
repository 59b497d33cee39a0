package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/guichet/guichet/platform/devstack"
)

// Process is one process of the platform or of its components, as /proc shows it.
type Process struct {
	PID  int    `json:"pid"`
	Name string `json:"name"`
	// CPUSeconds is the user and system time the process used so far.
	CPUSeconds float64 `json:"cpuSeconds"`
	// PeakRSSMB is the process's peak resident memory (VmHWM); RSSMB its resident memory now.
	PeakRSSMB float64 `json:"peakRssMb"`
	RSSMB     float64 `json:"rssMb"`
	// PSSMB is the proportional set size: pages shared with other processes (the same guichet
	// binary's code, mapped by each target) count for their share only, so the PSS of several
	// processes adds up to the memory they use together.
	PSSMB float64 `json:"pssMb"`
	// Nice is the process's niceness: background work runs niced (decision 0023).
	Nice int `json:"nice"`
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times (100 on Linux).
const clockTicks = 100

// cpuSeconds is the user and system time of a process's stat fields (devstack.Stat).
func cpuSeconds(stat []string) float64 {
	utime, _ := strconv.ParseFloat(stat[11], 64)
	stime, _ := strconv.ParseFloat(stat[12], 64)
	return (utime + stime) / clockTicks
}

// ownCPUSeconds is the user and system time this process used so far (0 if unreadable).
func ownCPUSeconds() float64 {
	stat, err := devstack.Stat(os.Getpid())
	if err != nil {
		return 0
	}
	return cpuSeconds(stat)
}

// Only, when not empty, restricts the named processes to these PIDs (a run's own targets, when
// other platforms run on the machine).
type Only map[string]map[int]bool

// Processes lists the processes whose command line contains one of the patterns, naming each by
// the first pattern it matches.
func Processes(patterns map[string]string, only Only) []Process {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var out []Process
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil {
			continue
		}
		cmd := string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		name := ""
		for label, pattern := range patterns {
			if strings.Contains(cmd, pattern) && (name == "" || label < name) {
				name = label
			}
		}
		if name == "" || (only[name] != nil && !only[name][pid]) {
			continue
		}
		stat, err := devstack.Stat(pid)
		if err != nil {
			// The process ended while it was being listed: no reading of it is made up.
			continue
		}
		p := Process{PID: pid, Name: name, CPUSeconds: cpuSeconds(stat)}
		p.Nice, _ = strconv.Atoi(stat[16])
		p.PeakRSSMB, p.RSSMB = memory(dir)
		p.PSSMB = proportional(dir)
		out = append(out, p)
	}
	return out
}

func memory(dir string) (peakMB, rssMB float64) {
	data, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmHWM:":
			peakMB = kb / 1024
		case "VmRSS:":
			rssMB = kb / 1024
		}
	}
	return peakMB, rssMB
}

// proportional reads the process's PSS from /proc/<pid>/smaps_rollup (0 when unreadable).
func proportional(dir string) float64 {
	data, err := os.ReadFile(filepath.Join(dir, "smaps_rollup"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
