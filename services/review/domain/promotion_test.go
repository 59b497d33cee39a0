package domain

import (
	"slices"
	"testing"
)

func TestPromote(t *testing.T) {
	ranking := []Entry{
		{Rank: 1, Application: "a", Decision: Selected, RequestedCents: 500},
		{Rank: 2, Application: "r1", Decision: Reserve, RequestedCents: 400},
		{Rank: 3, Application: "r2", Decision: Reserve, RequestedCents: 300},
		{Rank: 4, Application: "x", Decision: Rejected, RequestedCents: 10},
		{Rank: 5, Application: "r3", Decision: Reserve, RequestedCents: 100},
	}
	tests := []struct {
		name      string
		available int64
		promoted  []string
		left      int64
	}{
		{"nothing freed", 0, nil, 0},
		{"too little for anyone", 50, nil, 50},
		{"exactly the first", 400, []string{"r1"}, 0},
		{"the first, then the next that fits", 500, []string{"r1", "r3"}, 0},
		{"the first does not fit, the next do", 350, []string{"r2"}, 50},
		{"everyone, money left", 1000, []string{"r1", "r2", "r3"}, 200},
		{"a rejected application never moves up", 10, nil, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Promote(ranking, tc.available)
			var got []string
			for _, e := range p.Promoted {
				got = append(got, e.Application)
			}
			if !slices.Equal(got, tc.promoted) || p.LeftCents != tc.left {
				t.Fatalf("promoted %v left %d, want %v and %d", got, p.LeftCents, tc.promoted, tc.left)
			}
		})
	}
}
