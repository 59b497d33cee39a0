package domain

import "testing"

func TestTrancheTakesReport(t *testing.T) {
	for state, want := range map[string]bool{
		"PLANNED": true, "REPORT_SUBMITTED": true,
		"CERTIFIED": false, "ORDERED": false, "EXPORTED": false, "PAID": false, "REJECTED": false, "CANCELLED": false, "": false,
	} {
		if got := TrancheTakesReport(state); got != want {
			t.Errorf("TrancheTakesReport(%q) = %t, want %t", state, got, want)
		}
	}
}
