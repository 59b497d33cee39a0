// Package domain holds the jury's rules as pure functions: the assignment of reviewers as a
// minimum-cost flow (load caps, conflicts, expertise, a seed), conflict declarations (déports),
// whether a review's scores fit the call's grid, divergence between reviews and the chair's
// consensus, per-reviewer calibration, and the ranking of a call within its envelope. No I/O, so
// anyone holding the published inputs can recompute every result.
package domain
