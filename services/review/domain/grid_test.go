package domain

import (
	"errors"
	"slices"
	"testing"
)

var grid = []Criterion{
	{ID: "impact", Weight: 2, Threshold: 3},
	{ID: "data", Weight: 1, Threshold: 3},
	{ID: "feasibility", Weight: 1, Threshold: 2.5},
}

func TestCheckScores(t *testing.T) {
	tests := []struct {
		name       string
		scores     []Score
		wantFields []string
	}{
		{name: "every criterion once, any order",
			scores: []Score{{"data", 4}, {"feasibility", 0}, {"impact", 5}}},
		{name: "unknown criterion",
			scores:     []Score{{"impact", 4}, {"data", 4}, {"budget", 4}, {"feasibility", 4}},
			wantFields: []string{"scores[2].criterion"}},
		{name: "criterion twice",
			scores:     []Score{{"impact", 4}, {"data", 4}, {"impact", 3}, {"feasibility", 4}},
			wantFields: []string{"scores[2].criterion"}},
		{name: "criterion missing",
			scores:     []Score{{"impact", 4}, {"data", 4}},
			wantFields: []string{"scores"}},
		{name: "quarter step",
			scores:     []Score{{"impact", 3.25}, {"data", 4}, {"feasibility", 4}},
			wantFields: []string{"scores[0].score"}},
		{name: "above five",
			scores:     []Score{{"impact", 4}, {"data", 5.5}, {"feasibility", 4}},
			wantFields: []string{"scores[1].score"}},
		{name: "negative",
			scores:     []Score{{"impact", 4}, {"data", 4}, {"feasibility", -0.5}},
			wantFields: []string{"scores[2].score"}},
		{name: "empty", wantFields: []string{"scores", "scores", "scores"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckScores(grid, tc.scores)
			if tc.wantFields == nil {
				if err != nil {
					t.Fatal(err)
				}
				for i, s := range got {
					if s.Criterion != grid[i].ID {
						t.Fatalf("scores not in grid order: %v", got)
					}
				}
				return
			}
			var bad Invalid
			if !errors.As(err, &bad) {
				t.Fatalf("err = %v, want Invalid", err)
			}
			var fields []string
			for _, f := range bad {
				fields = append(fields, f.Field)
			}
			if !slices.Equal(fields, tc.wantFields) {
				t.Fatalf("fields %v, want %v (%v)", fields, tc.wantFields, err)
			}
		})
	}
}

func TestTotal(t *testing.T) {
	tests := []struct {
		scores []Score
		want   float64
	}{
		{[]Score{{"impact", 4}, {"data", 3.5}, {"feasibility", 2}}, 2*4 + 3.5 + 2},
		{[]Score{{"impact", 0}, {"data", 0}, {"feasibility", 0}}, 0},
		{[]Score{{"impact", 5}, {"data", 5}, {"feasibility", 5}}, 20},
	}
	for _, tc := range tests {
		if got := Total(grid, tc.scores); got != tc.want {
			t.Errorf("Total(%v) = %v, want %v", tc.scores, got, tc.want)
		}
	}
}

func TestCheckGrid(t *testing.T) {
	tests := []struct {
		name     string
		criteria []Criterion
		overall  float64
		wantErr  bool
	}{
		{"default grid", grid, 10, false},
		{"overall threshold zero", grid, 0, false},
		{"no criterion", nil, 0, true},
		{"id a review cannot name", []Criterion{{ID: "Impact", Weight: 1, Threshold: 3}}, 0, true},
		{"repeated id", []Criterion{{ID: "a", Weight: 1}, {ID: "a", Weight: 1}}, 0, true},
		{"zero weight", []Criterion{{ID: "a", Weight: 0}}, 0, true},
		{"threshold above 5", []Criterion{{ID: "a", Weight: 1, Threshold: 6}}, 0, true},
		{"overall threshold unreachable", []Criterion{{ID: "a", Weight: 2, Threshold: 3}}, 10.5, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckGrid(tc.criteria, tc.overall); (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestValidScore(t *testing.T) {
	for s, want := range map[float64]bool{0: true, 0.5: true, 2.5: true, 5: true, 3.25: false, 5.5: false, -0.5: false, 4.9: false} {
		if got := ValidScore(s); got != want {
			t.Errorf("ValidScore(%v) = %v, want %v", s, got, want)
		}
	}
}
