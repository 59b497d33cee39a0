package domain

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A reviewer's declaration on one assigned application: before reading it, it declares a conflict
// of interest (déport) or none.
const (
	Undeclared = "UNDECLARED"
	NoConflict = "NO_CONFLICT"
	Conflict   = "CONFLICT"
)

// MaxReasonLength bounds a déport's reason, which goes to the jury minutes.
const MaxReasonLength = 2000

// What a declaration does.
const (
	// Record stores a first declaration of no conflict.
	Record = "RECORD"
	// Unchanged: the same declaration again, nothing to do (a retry, a double click).
	Unchanged = "UNCHANGED"
	// Recuse stores a conflict: the assignment is recused and a replacement is sought.
	Recuse = "RECUSE"
)

var (
	// ErrReviewedAlready refuses a déport after the reviewer's scores are in: they already count.
	ErrReviewedAlready = errors.New("you already reviewed this application: a conflict can no longer be declared on it")
	// ErrRecusedAlready refuses any declaration after a déport: the file is no longer the reviewer's.
	ErrRecusedAlready = errors.New("you declared a conflict on this application")
)

// Declare decides what a reviewer's declaration does, given its previous declaration on the
// application and whether it reviewed it. A declaration of no conflict may later become a
// conflict (a reviewer discovers it while reading), as long as no score is in; a conflict is final.
func Declare(previous string, reviewed, conflict bool, reason string) (string, error) {
	if err := checkReason(conflict, reason); err != nil {
		return "", err
	}
	switch {
	case previous == Conflict:
		return "", ErrRecusedAlready
	case !conflict && previous == NoConflict:
		return Unchanged, nil
	case !conflict:
		return Record, nil
	case reviewed:
		return "", ErrReviewedAlready
	}
	return Recuse, nil
}

func checkReason(conflict bool, reason string) error {
	switch {
	case !utf8.ValidString(reason):
		return Invalid{{"reason", "must be valid UTF-8"}}
	case utf8.RuneCountInString(reason) > MaxReasonLength:
		return Invalid{{"reason", fmt.Sprintf("at most %d characters", MaxReasonLength)}}
	case conflict && strings.TrimSpace(reason) == "":
		return Invalid{{"reason", "a conflict of interest needs its reason: it goes to the jury minutes"}}
	}
	return nil
}
