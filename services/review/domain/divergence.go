package domain

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Divergence thresholds: a criterion whose scores spread by SpreadLimit points or more, or totals
// whose highest exceeds the lowest by more than 30%, flag the application for a consensus.
const (
	SpreadLimit = 2.0
	// TotalRatio is 13/10, compared on integers: 10·max > 13·min.
	totalRatioNum, totalRatioDen = 13, 10
)

// MinConsensusComment is the shortest comment a consensus may carry: it says why.
const MinConsensusComment = 10

// Spread is the range of the reviewers' scores on one criterion.
type Spread struct {
	Criterion string  `json:"criterion"`
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
	Divergent bool    `json:"divergent"`
}

// Divergence is what the reviews of one application say about their agreement.
type Divergence struct {
	Spreads            []Spread
	MinTotal, MaxTotal float64
	Flagged            bool
	// Reasons say in words what flagged the application.
	Reasons []string
}

// Diverge measures the spread of an application's reviews on the call's grid. Fewer than two
// reviews cannot disagree. Totals are compared on exact half points, so 13 against 10 is exactly
// 30% and does not flag, 13.5 against 10 does. A lowest total of 0 flags any positive highest.
func Diverge(criteria []Criterion, reviews [][]Score) (Divergence, error) {
	var d Divergence
	if len(reviews) == 0 {
		return d, nil
	}
	lo, hi := make([]int64, len(criteria)), make([]int64, len(criteria))
	var loTotal, hiTotal int64
	for i, review := range reviews {
		ordered, err := CheckScores(criteria, review)
		if err != nil {
			return Divergence{}, fmt.Errorf("review %d: %w", i, err)
		}
		var total int64
		for j, s := range ordered {
			half := int64(s.Score * 2)
			total += int64(criteria[j].Weight) * half
			if i == 0 || half < lo[j] {
				lo[j] = half
			}
			if i == 0 || half > hi[j] {
				hi[j] = half
			}
		}
		if i == 0 || total < loTotal {
			loTotal = total
		}
		if i == 0 || total > hiTotal {
			hiTotal = total
		}
	}
	for j, c := range criteria {
		s := Spread{Criterion: c.ID, Min: float64(lo[j]) / 2, Max: float64(hi[j]) / 2}
		s.Divergent = hi[j]-lo[j] >= int64(SpreadLimit*2)
		if s.Divergent {
			d.Flagged = true
			d.Reasons = append(d.Reasons, fmt.Sprintf("criterion %s spreads from %s to %s (%s points or more)", c.ID, number(s.Min), number(s.Max), number(SpreadLimit)))
		}
		d.Spreads = append(d.Spreads, s)
	}
	d.MinTotal, d.MaxTotal = float64(loTotal)/2, float64(hiTotal)/2
	if totalRatioDen*hiTotal > totalRatioNum*loTotal {
		d.Flagged = true
		d.Reasons = append(d.Reasons, fmt.Sprintf("totals range from %s to %s (more than 30%% apart)", number(d.MinTotal), number(d.MaxTotal)))
	}
	return d, nil
}

// CheckReview checks a reviewer's scores (CheckScores) and that the review says why: a comment
// that is not blank. The proto's min_len lets "   " through; the console refuses it too, but the
// rule is the service's. It returns the scores in the grid's order.
func CheckReview(criteria []Criterion, scores []Score, comment string) ([]Score, error) {
	return checkWithComment(criteria, scores, strings.TrimSpace(comment) != "", "a review needs a comment saying why")
}

// CheckConsensus checks the chair's consensus like a review (every criterion once, 0–5 in half
// steps) with a comment of at least MinConsensusComment characters, and returns the scores in
// the grid's order.
func CheckConsensus(criteria []Criterion, scores []Score, comment string) ([]Score, error) {
	return checkWithComment(criteria, scores, utf8.RuneCountInString(strings.TrimSpace(comment)) >= MinConsensusComment,
		fmt.Sprintf("a consensus needs a comment of at least %d characters saying why", MinConsensusComment))
}

// checkWithComment is CheckScores plus a "comment" violation, reason commentWhy, unless commentOK.
func checkWithComment(criteria []Criterion, scores []Score, commentOK bool, commentWhy string) ([]Score, error) {
	ordered, err := CheckScores(criteria, scores)
	var bad Invalid
	if err != nil {
		bad = err.(Invalid)
	}
	if !commentOK {
		bad = append(bad, FieldError{"comment", commentWhy})
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return ordered, nil
}
