// Package grpcerr tells the workflows' activities which answers of the services a retry cannot
// change, so that Temporal stops retrying them.
package grpcerr

import (
	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Classify makes the errors a retry cannot fix non-retryable (a Temporal application error whose
// type is the gRPC code's name, wrapping err), so the workflow fails fast and visibly instead of
// retrying a refusal forever; every other error is returned as it is, for Temporal to retry.
//
// Final: a request the service refuses as it stands (InvalidArgument, NotFound, PermissionDenied,
// Unauthenticated) and a state that forbids it (FailedPrecondition: the services' wrong-state
// answer, which gRPC says not to retry until someone changes that state; AlreadyExists: the
// internal methods are idempotent and answer a repeat with what was recorded, so this one means a
// conflict a repeat meets again). Retried: what passes (Unavailable, DeadlineExceeded, Aborted,
// ResourceExhausted, Internal, Unknown and the rest, and any error that is not a gRPC status).
func Classify(err error) error {
	if err == nil {
		return nil
	}
	code := status.Code(err)
	if Final(code) {
		return temporal.NewNonRetryableApplicationError(err.Error(), code.String(), err)
	}
	return err
}

// Final reports whether an answer with this code stays the same however often it is retried.
func Final(code codes.Code) bool {
	switch code {
	case codes.InvalidArgument, codes.NotFound, codes.PermissionDenied, codes.Unauthenticated,
		codes.FailedPrecondition, codes.AlreadyExists:
		return true
	}
	return false
}
