package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/guichet/guichet/platform/money"
	"github.com/guichet/guichet/services/review/domain"
)

func rankingCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ranking", Short: "Work with published rankings"}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify FILE",
		Short: "Recompute a ranking from its published inputs (docs/selection.md) and say whether it matches",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			return verifyRanking(data, cmd.OutOrStdout())
		},
	})
	return cmd
}

// errRankingDiffers is returned when the published ranking is not the one its inputs give.
var errRankingDiffers = errors.New("the published ranking does not match its inputs")

// verifyRanking recomputes the ranking of published inputs with the service's own selection
// function, prints the verdict, and fails on the first difference.
func verifyRanking(data []byte, out io.Writer) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	// A misspelt field would otherwise be silently zero and verify something else than published.
	dec.DisallowUnknownFields()
	var in domain.Inputs
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("reading the inputs: %w", err)
	}
	diff, err := in.Verify()
	if err != nil {
		return fmt.Errorf("the inputs cannot be ranked: %w", err)
	}
	if diff != "" {
		_, _ = fmt.Fprintf(out, "MISMATCH %s: %s\n", in.Call, diff)
		return errRankingDiffers
	}
	_, _ = fmt.Fprintf(out, "OK %s: the ranking of %d applications matches its inputs (%d selected, %s of %s, cut-off rank %d)\n",
		in.Call, len(in.Ranking.Entries), countSelected(in.Ranking), money.Euros(in.Ranking.SelectedCents),
		money.Euros(in.Ranking.EnvelopeCents), in.Ranking.CutoffRank)
	return nil
}

func countSelected(r domain.Ranking) int {
	n := 0
	for _, e := range r.Entries {
		if e.Decision == domain.Selected {
			n++
		}
	}
	return n
}
