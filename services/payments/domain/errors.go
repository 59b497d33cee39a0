package domain

import "errors"

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
