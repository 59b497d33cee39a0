package application

import (
	"context"
	"errors"
	netmail "net/mail"
	"net/textproto"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/guichet/guichet/platform/mail"
)

// refusingMailer answers every send with err.
type refusingMailer struct{ err error }

func (m refusingMailer) From() *netmail.Address {
	return &netmail.Address{Address: "guichet@example.org"}
}
func (m refusingMailer) Send(context.Context, mail.Message) error { return m.err }

// TestSendRefusalIsFinal: a relay's 5xx refusal stops the retries, a 4xx or a network failure
// is retried.
func TestSendRefusalIsFinal(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		retryable bool
	}{
		{"refused", &textproto.Error{Code: 550, Msg: "no such user"}, false},
		{"busy", &textproto.Error{Code: 451, Msg: "try later"}, true},
		{"unreachable", errors.New("connection refused"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &Activities{Mail: refusingMailer{tc.err}}
			err := a.send(context.Background(), mail.Message{})
			if !errors.Is(err, tc.err) {
				t.Fatalf("send = %v, want it to wrap %v", err, tc.err)
			}
			var app *temporal.ApplicationError
			nonRetryable := errors.As(err, &app) && app.NonRetryable()
			if nonRetryable == tc.retryable {
				t.Fatalf("send = %v: non-retryable %v, want %v", err, nonRetryable, !tc.retryable)
			}
		})
	}
	if err := (&Activities{Mail: refusingMailer{}}).send(context.Background(), mail.Message{}); err != nil {
		t.Fatalf("send of an accepted message = %v", err)
	}
}
