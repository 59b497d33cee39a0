package domain

import (
	"fmt"
	"slices"

	"github.com/guichet/guichet/platform/money"
)

// Inputs are a ranking's published inputs: the grid with its thresholds and weights, the
// tie-break order, the envelope, every application's final scores, and the ranking published
// from them. Anyone holding them can recompute the ranking with Select (Verify).
type Inputs struct {
	// Call is the call's resource name (calls/{call}).
	Call             string      `json:"call"`
	Criteria         []Criterion `json:"criteria"`
	OverallThreshold float64     `json:"overallThreshold"`
	// TieBreakCriteria is the full criterion-priority order applied to equal totals.
	TieBreakCriteria []string `json:"tieBreakCriteria"`
	EnvelopeCents    int64    `json:"envelopeCents"`
	Applications     []Final  `json:"applications"`
	Ranking          Ranking  `json:"ranking"`
}

// SelectionCall is the part of the inputs a selection is configured with.
func (in Inputs) SelectionCall() Call {
	return Call{Criteria: in.Criteria, OverallThreshold: in.OverallThreshold, EnvelopeCents: in.EnvelopeCents, TieBreak: in.TieBreakCriteria}
}

// Verify recomputes the ranking from the inputs and returns the first difference with the
// published one, "" when they match. An error means the inputs themselves are unusable.
func (in Inputs) Verify() (string, error) {
	got, err := Select(in.SelectionCall(), in.Applications)
	if err != nil {
		return "", err
	}
	return FirstDifference(in.Ranking, got), nil
}

// FirstDifference names the first difference between a published ranking and a recomputed one,
// "" when they are the same.
func FirstDifference(published, recomputed Ranking) string {
	switch {
	case published.EnvelopeCents != recomputed.EnvelopeCents:
		return fmt.Sprintf("envelope: published %s, recomputed %s", money.Euros(published.EnvelopeCents), money.Euros(recomputed.EnvelopeCents))
	case len(published.Entries) != len(recomputed.Entries):
		return fmt.Sprintf("entries: published %d, recomputed %d", len(published.Entries), len(recomputed.Entries))
	}
	for i, p := range published.Entries {
		r := recomputed.Entries[i]
		at := fmt.Sprintf("rank %d", i+1)
		switch {
		case p.Rank != r.Rank:
			return fmt.Sprintf("%s: published rank number %d, recomputed %d", at, p.Rank, r.Rank)
		case p.Application != r.Application:
			return fmt.Sprintf("%s: published %s, recomputed %s", at, p.Application, r.Application)
		case p.Total != r.Total:
			return fmt.Sprintf("%s (%s): published total %v, recomputed %v", at, p.Application, p.Total, r.Total)
		case !slices.Equal(p.Means, r.Means):
			return fmt.Sprintf("%s (%s): published scores %v, recomputed %v", at, p.Application, p.Means, r.Means)
		case p.AboveThresholds != r.AboveThresholds:
			return fmt.Sprintf("%s (%s): published above thresholds %v, recomputed %v", at, p.Application, p.AboveThresholds, r.AboveThresholds)
		case p.RequestedCents != r.RequestedCents:
			return fmt.Sprintf("%s (%s): published request %s, recomputed %s", at, p.Application, money.Euros(p.RequestedCents), money.Euros(r.RequestedCents))
		case p.Decision != r.Decision:
			return fmt.Sprintf("%s (%s): published decision %s, recomputed %s", at, p.Application, p.Decision, r.Decision)
		case p.Reason != r.Reason:
			return fmt.Sprintf("%s (%s): published reason %q, recomputed %q", at, p.Application, p.Reason, r.Reason)
		}
	}
	switch {
	case published.SelectedCents != recomputed.SelectedCents:
		return fmt.Sprintf("selected amount: published %s, recomputed %s", money.Euros(published.SelectedCents), money.Euros(recomputed.SelectedCents))
	case published.CutoffRank != recomputed.CutoffRank:
		return fmt.Sprintf("cut-off rank: published %d, recomputed %d", published.CutoffRank, recomputed.CutoffRank)
	}
	return ""
}
