package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: a serving process collects at servingGCPercent unless GOGC says otherwise.
func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	if got := tuneGC(func(string) string { return "" }); got != servingGCPercent || debug.SetGCPercent(100) != servingGCPercent {
		t.Fatalf("GOGC unset: tuneGC = %d, want %d in force", got, servingGCPercent)
	}
	// The runtime read GOGC at start; an operator's value (here 100, as if GOGC=100) is kept.
	if got := tuneGC(func(k string) string { return map[string]string{"GOGC": "100"}[k] }); got != 100 || debug.SetGCPercent(100) != 100 {
		t.Fatalf("GOGC=100: tuneGC = %d, want 100 kept", got)
	}
}
