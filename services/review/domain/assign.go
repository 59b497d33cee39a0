package domain

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrJuryTooSmall means the jury has fewer distinct reviewers than an application needs.
var ErrJuryTooSmall = errors.New("the jury has fewer reviewers than each application needs")

// ChooseReviewers picks n distinct reviewers of jury for application: the least loaded first (load
// counts the assignments each reviewer already has in the call), ties broken by a hash of
// (application, reviewer). The hash spreads ties across the jury instead of always favouring the
// same names, and keeps the choice reproducible: the same inputs give the same reviewers, in the
// same order. The chair is never added: it reviews only when the call lists it among the reviewers.
func ChooseReviewers(application string, jury []string, load map[string]int, n int) ([]string, error) {
	if n < 1 {
		return nil, fmt.Errorf("reviewers per application must be at least 1, got %d", n)
	}
	var candidates []string
	for _, r := range jury {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(candidates, r) {
			candidates = append(candidates, r)
		}
	}
	if len(candidates) < n {
		return nil, fmt.Errorf("%w: %d needed, %d in the jury", ErrJuryTooSmall, n, len(candidates))
	}
	slices.SortFunc(candidates, func(a, b string) int {
		if d := load[a] - load[b]; d != 0 {
			return d
		}
		ha, hb := tieBreak(application, a), tieBreak(application, b)
		switch {
		case ha < hb:
			return -1
		case ha > hb:
			return 1
		}
		return strings.Compare(a, b)
	})
	return candidates[:n], nil
}

// tieBreak is the first 8 bytes of SHA-256(application NUL reviewer); the separator keeps
// ("ab", "c") and ("a", "bc") apart.
func tieBreak(application, reviewer string) uint64 {
	sum := sha256.Sum256([]byte(application + "\x00" + reviewer))
	return binary.BigEndian.Uint64(sum[:8])
}
