package call

import (
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestPermanent: refusals a retry cannot cure stop the retries; the rest are retried.
func TestPermanent(t *testing.T) {
	if err := permanent(nil); err != nil {
		t.Fatalf("permanent(nil) = %v", err)
	}
	for code, final := range map[codes.Code]bool{
		codes.InvalidArgument: true, codes.NotFound: true, codes.PermissionDenied: true, codes.Unauthenticated: true,
		codes.Unavailable: false, codes.DeadlineExceeded: false, codes.Aborted: false,
	} {
		err := permanent(status.Error(code, "x"))
		var app *temporal.ApplicationError
		if got := errors.As(err, &app) && app.NonRetryable(); got != final {
			t.Errorf("%s: non-retryable %v, want %v", code, got, final)
		}
		if !final && status.Code(err) != code {
			t.Errorf("%s: a retryable error lost its status: %v", code, err)
		}
	}
}
