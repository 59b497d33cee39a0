package grant

import (
	"slices"
	"testing"
)

func TestResolveLimits(t *testing.T) {
	tests := []struct {
		advance, interim int32
		want             Limits
	}{
		{0, 0, Limits{30, 80}},
		{25, 0, Limits{25, 80}},
		{0, 60, Limits{30, 60}},
		{10, 90, Limits{10, 90}},
		{-1, 101, Limits{-1, 101}}, // resolved, not checked
	}
	for _, tt := range tests {
		if got := ResolveLimits(tt.advance, tt.interim); got != tt.want {
			t.Errorf("ResolveLimits(%d, %d) = %v, want %v", tt.advance, tt.interim, got, tt.want)
		}
	}
}

func TestLimitsProblems(t *testing.T) {
	tests := []struct {
		limits Limits
		want   []LimitProblem
	}{
		{Limits{30, 80}, nil},
		{Limits{1, 1}, nil},
		{Limits{1, 100}, nil},
		{Limits{100, 100}, nil},
		{Limits{80, 80}, nil},
		{Limits{81, 80}, []LimitProblem{AdvanceAboveInterim}},
		{Limits{50, 40}, []LimitProblem{AdvanceAboveInterim}},
		{Limits{0, 80}, []LimitProblem{AdvanceOutOfRange}}, // unresolved
		{Limits{101, 80}, []LimitProblem{AdvanceOutOfRange}},
		{Limits{30, 0}, []LimitProblem{InterimOutOfRange}},
		{Limits{30, 101}, []LimitProblem{InterimOutOfRange}},
		{Limits{-1, -1}, []LimitProblem{AdvanceOutOfRange, InterimOutOfRange}},
		// Out of range first: the comparison means nothing then.
		{Limits{101, 100}, []LimitProblem{AdvanceOutOfRange}},
		{Limits{30, -5}, []LimitProblem{InterimOutOfRange}},
	}
	for _, tt := range tests {
		if got := tt.limits.Problems(); !slices.Equal(got, tt.want) {
			t.Errorf("%v.Problems() = %v, want %v", tt.limits, got, tt.want)
		}
	}
}
