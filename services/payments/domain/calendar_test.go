package domain

import (
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25"} {
		if got := Easter(year).Format(time.DateOnly); got != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
	}
}

func TestNextBusinessDay(t *testing.T) {
	tests := []struct {
		name string
		now  string // RFC 3339
		want string
	}{
		{"tuesday", "2026-11-24T10:00:00+01:00", "2026-11-25"},
		{"friday", "2026-11-27T10:00:00+01:00", "2026-11-30"},
		{"saturday", "2026-11-28T10:00:00+01:00", "2026-11-30"},
		{"sunday", "2026-11-29T10:00:00+01:00", "2026-11-30"},
		// 23:30 UTC on Thursday is already Friday in Paris: the next business day is Monday.
		{"late utc evening is the next day in paris", "2026-11-26T23:30:00Z", "2026-11-30"},
		{"christmas", "2026-12-24T09:00:00+01:00", "2026-12-28"},
		{"new year", "2026-12-31T09:00:00+01:00", "2027-01-04"},
		{"good friday 2026", "2026-04-02T09:00:00+02:00", "2026-04-07"},
		{"labour day", "2026-04-30T09:00:00+02:00", "2026-05-04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now, err := time.Parse(time.RFC3339, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if got := NextBusinessDay(now).Format(time.DateOnly); got != tt.want {
				t.Fatalf("NextBusinessDay(%s) = %s, want %s", tt.now, got, tt.want)
			}
		})
	}
}
