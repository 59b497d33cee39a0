package domain

import (
	"errors"
	"strings"
)

// The kinds of refusal. Errors returned by this package wrap one of them, so that the service can
// give each its gRPC code without parsing messages.
var (
	// ErrWrongState: the object is not in a state that allows the action (409).
	ErrWrongState = errors.New("wrong state")
	// ErrSeparationOfDuties: one person would hold two of certifier, orderer and payer (403).
	ErrSeparationOfDuties = errors.New("separation of duties")
	// ErrOverEnvelope: the commitments would exceed the call's envelope (409).
	ErrOverEnvelope = errors.New("envelope exceeded")
	// ErrOverCommitment: the payments of a project would exceed its commitment (409).
	ErrOverCommitment = errors.New("commitment exceeded")
	// ErrInvalid: bad input (400).
	ErrInvalid = errors.New("invalid")
)

// Violation is a rule a field of a request breaks, the field named by its JSON path.
type Violation struct {
	Field       string
	Description string
}

// Violations are the rules a request breaks. The error is ErrInvalid.
type Violations []Violation

func (vs Violations) Error() string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Field + ": " + v.Description
	}
	return ErrInvalid.Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(vs, ErrInvalid) true.
func (vs Violations) Unwrap() error { return ErrInvalid }
