package domain

import (
	"errors"
	"math"
	"testing"
)

func TestCheckSchedule(t *testing.T) {
	tests := []struct {
		name     string
		amount   int64
		tranches []int64
		ok       bool
	}{
		{"exact", 100_000_00, []int64{30_000_00, 50_000_00, 20_000_00}, true},
		{"single", 1, []int64{1}, true},
		{"one cent short", 100_000_00, []int64{30_000_00, 49_999_99, 20_000_00}, false},
		{"one cent over", 100_000_00, []int64{30_000_00, 50_000_01, 20_000_00}, false},
		{"none", 100, nil, false},
		{"zero tranche", 100, []int64{100, 0}, false},
		{"negative tranche balanced", 100, []int64{150, -50}, false},
		{"zero amount", 0, []int64{0}, false},
		{"overflow", math.MaxInt64, []int64{math.MaxInt64, 1, 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSchedule(tt.amount, tt.tranches)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckSchedule(%d, %v) = %v, want ok=%v", tt.amount, tt.tranches, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
		})
	}
}

func TestCanCommit(t *testing.T) {
	tests := []struct {
		name                        string
		envelope, committed, amount int64
		wantErr                     error
	}{
		{"fits", 10_000_000_00, 9_000_000_00, 1_000_000_00, nil},
		{"last cent", 100, 99, 1, nil},
		{"one cent over", 100, 99, 2, ErrOverEnvelope},
		{"full", 100, 100, 1, ErrOverEnvelope},
		{"zero", 100, 0, 0, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CanCommit(tt.envelope, tt.committed, tt.amount)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("CanCommit = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestCanOrder(t *testing.T) {
	if err := CanOrder(1000, 700, 300); err != nil {
		t.Fatalf("ordering the rest of the commitment: %v", err)
	}
	if err := CanOrder(1000, 701, 300); !errors.Is(err, ErrOverCommitment) {
		t.Fatalf("ordering above the commitment: %v", err)
	}
}
