package call

import (
	"context"
	"log/slog"

	"github.com/guichet/guichet/platform/mail"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/workflows/internal/grpcerr"
)

// Activities call the applications and review services as the workflow worker (role system).
type Activities struct {
	Calls  appv1.CallServiceClient
	Review reviewv1.ReviewServiceClient
	// Mail sends the jury's reminders and the escalation to the chair.
	Mail   mail.Mailer
	Logger *slog.Logger
}

// AdvanceCall moves the call to a state (a no-op when it is already there or beyond).
func (a *Activities) AdvanceCall(ctx context.Context, in Advance) error {
	_, err := a.Calls.AdvanceCall(ctx, &appv1.AdvanceCallRequest{Name: in.Call, State: in.State})
	return grpcerr.Classify(err)
}
