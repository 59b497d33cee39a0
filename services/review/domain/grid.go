package domain

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// Criterion is one line of a call's scoring grid.
type Criterion struct {
	ID     string `json:"id"`
	Weight int32  `json:"weight"`
	// Threshold is the minimum mean score on this criterion for an application to be fundable.
	Threshold float64 `json:"threshold"`
}

// Score is one reviewer's score on one criterion, or a mean of them in a ranking.
type Score struct {
	Criterion string  `json:"criterion"`
	Score     float64 `json:"score"`
}

// MaxScore is the top of the 0–5 scale.
const MaxScore = 5

// FieldError names a bad field by its path relative to the checked value (criteria[1].id).
type FieldError struct {
	Field  string
	Reason string
}

// Invalid lists the bad fields of an input.
type Invalid []FieldError

func (v Invalid) Error() string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = f.Field + ": " + f.Reason
	}
	return strings.Join(parts, "; ")
}

// criterionID is the pattern reviews' criterion ids must match (review.proto), so a grid with any
// other id could never be scored.
var criterionID = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// CheckGrid reports what makes a grid unusable: ids a review cannot name, repeated ids, weights
// below 1, thresholds off the 0–5 scale, an overall threshold no total can reach.
func CheckGrid(criteria []Criterion, overallThreshold float64) error {
	var bad Invalid
	seen := map[string]bool{}
	var maxTotal float64
	for i, c := range criteria {
		switch {
		case !criterionID.MatchString(c.ID):
			bad = append(bad, FieldError{fmt.Sprintf("criteria[%d].id", i), "must match ^[a-z][a-z0-9_]{0,31}$"})
		case seen[c.ID]:
			bad = append(bad, FieldError{fmt.Sprintf("criteria[%d].id", i), fmt.Sprintf("criterion %q appears twice", c.ID)})
		}
		seen[c.ID] = true
		if c.Weight < 1 {
			bad = append(bad, FieldError{fmt.Sprintf("criteria[%d].weight", i), "must be at least 1"})
		}
		if !(c.Threshold >= 0 && c.Threshold <= MaxScore) {
			bad = append(bad, FieldError{fmt.Sprintf("criteria[%d].threshold", i), "must be between 0 and 5"})
		}
		maxTotal += float64(c.Weight) * MaxScore
	}
	if len(criteria) == 0 {
		bad = append(bad, FieldError{"criteria", "the grid needs at least one criterion"})
	}
	if !(overallThreshold >= 0 && overallThreshold <= maxTotal) {
		bad = append(bad, FieldError{"overall_threshold", fmt.Sprintf("must be between 0 and the maximum total %g", maxTotal)})
	}
	if len(bad) > 0 {
		return bad
	}
	return nil
}

// ValidScore reports whether s is on the 0–5 scale in steps of 0.5.
func ValidScore(s float64) bool {
	return s >= 0 && s <= MaxScore && s*2 == math.Trunc(s*2)
}

// CheckScores checks that scores cover exactly the grid's criteria, each once, on the 0–5 scale in
// half steps, and returns them in the grid's order.
func CheckScores(criteria []Criterion, scores []Score) ([]Score, error) {
	if inGridOrder(criteria, scores) {
		// The usual case, and the whole cost of ranking 100,000 applications without it.
		return slices.Clone(scores), nil
	}
	index := make(map[string]int, len(criteria))
	for i, c := range criteria {
		index[c.ID] = i
	}
	ordered := make([]Score, len(criteria))
	given := make([]bool, len(criteria))
	var bad Invalid
	for i, s := range scores {
		j, ok := index[s.Criterion]
		switch {
		case !ok:
			bad = append(bad, FieldError{fmt.Sprintf("scores[%d].criterion", i), fmt.Sprintf("%q is not a criterion of the call's grid", s.Criterion)})
			continue
		case given[j]:
			bad = append(bad, FieldError{fmt.Sprintf("scores[%d].criterion", i), fmt.Sprintf("%q is scored more than once", s.Criterion)})
			continue
		}
		given[j] = true
		if !ValidScore(s.Score) {
			bad = append(bad, FieldError{fmt.Sprintf("scores[%d].score", i), "must be between 0 and 5 in steps of 0.5"})
		}
		ordered[j] = s
	}
	for j, c := range criteria {
		if !given[j] {
			bad = append(bad, FieldError{"scores", fmt.Sprintf("criterion %q is not scored", c.ID)})
		}
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return ordered, nil
}

// inGridOrder reports valid scores given once each in the grid's order: CheckScores's answer is
// then the scores themselves.
func inGridOrder(criteria []Criterion, scores []Score) bool {
	if len(scores) != len(criteria) {
		return false
	}
	for j, s := range scores {
		if s.Criterion != criteria[j].ID || !ValidScore(s.Score) {
			return false
		}
	}
	return true
}

// Total is a review's weighted total, Σ weight × score. Half-step scores times integer weights are
// exact in float64, so no rounding creeps in.
func Total(criteria []Criterion, scores []Score) float64 {
	weight := make(map[string]int32, len(criteria))
	for _, c := range criteria {
		weight[c.ID] = c.Weight
	}
	var t float64
	for _, s := range scores {
		t += float64(weight[s.Criterion]) * s.Score
	}
	return t
}
