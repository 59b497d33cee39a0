package domain

import (
	"errors"
	"testing"
)

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
