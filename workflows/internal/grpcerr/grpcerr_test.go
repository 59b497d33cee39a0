package grpcerr

import (
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestClassifyEveryCode walks every gRPC code: the final ones become non-retryable application
// errors named after the code and still carrying the status; the others come back unchanged.
func TestClassifyEveryCode(t *testing.T) {
	final := map[codes.Code]bool{
		codes.Canceled: false, codes.Unknown: false, codes.InvalidArgument: true, codes.DeadlineExceeded: false,
		codes.NotFound: true, codes.AlreadyExists: true, codes.PermissionDenied: true, codes.ResourceExhausted: false,
		codes.FailedPrecondition: true, codes.Aborted: false, codes.OutOfRange: false, codes.Unimplemented: false,
		codes.Internal: false, codes.Unavailable: false, codes.DataLoss: false, codes.Unauthenticated: true,
	}
	// Every code but OK (whose status is no error) is in the table.
	for c := codes.Code(1); c <= codes.Unauthenticated; c++ {
		want, ok := final[c]
		if !ok {
			t.Fatalf("%s is missing from the table", c)
		}
		in := status.Error(c, "answer")
		err := Classify(in)
		var app *temporal.ApplicationError
		nonRetryable := errors.As(err, &app) && app.NonRetryable()
		if nonRetryable != want || Final(c) != want {
			t.Errorf("%s: non-retryable %v (Final %v), want %v", c, nonRetryable, Final(c), want)
		}
		if status.Code(err) != c || !errors.Is(err, in) {
			t.Errorf("%s: the classified error %v lost the service's answer", c, err)
		}
		if want && app.Type() != c.String() {
			t.Errorf("%s: application error type %q", c, app.Type())
		}
		if !want && err != in {
			t.Errorf("%s: a retryable error was changed: %v", c, err)
		}
	}
	if len(final) != int(codes.Unauthenticated) {
		t.Fatalf("the table has %d codes", len(final))
	}
	if err := Classify(nil); err != nil {
		t.Fatalf("Classify(nil) = %v", err)
	}
	plain := errors.New("connection reset")
	if err := Classify(plain); err != plain {
		t.Fatalf("a non-gRPC error is retried as it is, got %v", err)
	}
}
