package call

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/mail"
	"github.com/guichet/guichet/platform/mail/mailpit"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// callsService answers GetCall for one call, as the applications service does for the worker.
type callsService struct {
	appv1.CallServiceClient
	call *appv1.Call
}

func (s *callsService) GetCall(_ context.Context, req *appv1.GetCallRequest, _ ...grpc.CallOption) (*appv1.Call, error) {
	if req.GetName() != s.call.GetName() {
		return nil, status.Errorf(codes.NotFound, "call %s not found", req.GetName())
	}
	return proto.CloneOf(s.call), nil
}

// reviewService keeps the jury notices of one call as the review service does: a notice is
// recorded once per kind and recipient (a repeat returns the first), and the outstanding reviews
// come with the notices recorded so far.
type reviewService struct {
	reviewv1.ReviewServiceClient
	call        string
	outstanding []*reviewv1.OutstandingReviews
	notices     []*reviewv1.JuryNotice
}

func (s *reviewService) ListOutstandingReviews(_ context.Context, req *reviewv1.ListOutstandingReviewsRequest, _ ...grpc.CallOption) (*reviewv1.ListOutstandingReviewsResponse, error) {
	if req.GetCall() != s.call {
		return &reviewv1.ListOutstandingReviewsResponse{}, nil
	}
	out := &reviewv1.ListOutstandingReviewsResponse{}
	for _, r := range s.outstanding {
		out.Reviewers = append(out.Reviewers, proto.CloneOf(r))
	}
	for _, n := range s.notices {
		out.Notices = append(out.Notices, proto.CloneOf(n))
	}
	return out, nil
}

func (s *reviewService) RecordJuryNotice(_ context.Context, req *reviewv1.RecordJuryNoticeRequest, _ ...grpc.CallOption) (*reviewv1.JuryNotice, error) {
	n := req.GetNotice()
	if i := slices.IndexFunc(s.notices, func(r *reviewv1.JuryNotice) bool {
		return r.GetKind() == n.GetKind() && r.GetRecipient() == n.GetRecipient()
	}); i >= 0 {
		return proto.CloneOf(s.notices[i]), nil
	}
	s.notices = append(s.notices, proto.CloneOf(n))
	return proto.CloneOf(n), nil
}

// recorded is who the review service has recorded as told, per kind, with the Message-ID.
func (s *reviewService) recorded(kind string) map[string]string {
	out := map[string]string{}
	for _, n := range s.notices {
		if n.GetKind() == kind {
			out[n.GetRecipient()] = n.GetMessageId()
		}
	}
	return out
}

// refusingRelay starts a mailpit of its own that, like a production relay, accepts only the
// jury's domain and refuses any other recipient with a 5xx: the shared mailpit of testenv accepts
// every address, so it cannot show a refusal.
func refusingRelay(t *testing.T) *devstack.Mailpit {
	t.Helper()
	bin, err := devstack.MailpitBinary()
	require.NoError(t, err)
	var ports [2]int // SMTP, then the API
	for i := range ports {
		ports[i], err = devstack.FreePort()
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	relay, err := devstack.StartMailpit(ctx, bin, t.TempDir(), ports[0], ports[1], "", 0,
		"--smtp-allowed-recipients", `@jury\.example\.org$`)
	require.NoError(t, err)
	t.Cleanup(func() { _ = relay.Stop() })
	return relay
}

// TestNotifyThroughARelay runs the reminder and escalation activities against a real SMTP relay:
// each reviewer with files to score is mailed once and recorded with the message's ID; one
// reminded before is not mailed again, one without a contact email is listed as such, and one
// whose address the relay refuses is listed as refused, not recorded, and does not stop the
// others. Run again, as Temporal retries, the activities mail no one twice.
func TestNotifyThroughARelay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mailpit")
	}
	relay := refusingRelay(t)
	box := &mailpit.Client{URL: relay.URL}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	const name = "calls/notify-test"
	files := []*reviewv1.OutstandingApplication{{Application: name + "/applications/a", Title: "Projet A"}}
	calls := &callsService{call: &appv1.Call{Name: name, Title: "Données publiques", Chair: "chair-1",
		ReviewDeadline: timestamppb.New(time.Date(2027, 3, 1, 17, 0, 0, 0, time.UTC)),
		JuryContacts: []*appv1.JuryContact{
			{Subject: "chair-1", Email: "chair-1@jury.example.org"},
			{Subject: "reviewer-1", Email: "reviewer-1@jury.example.org"},
			{Subject: "reviewer-3", Email: "reviewer-3@bounce.example"},
			{Subject: "reviewer-4", Email: "reviewer-4@jury.example.org"},
		}}}
	review := &reviewService{call: name, notices: []*reviewv1.JuryNotice{
		{Call: name, Kind: KindReminder, Recipient: "reviewer-4", Email: "reviewer-4@jury.example.org", MessageId: "earlier@guichet.localhost"}}}
	for _, r := range []string{"reviewer-1", "reviewer-2", "reviewer-3", "reviewer-4"} {
		review.outstanding = append(review.outstanding, &reviewv1.OutstandingReviews{Reviewer: r, Applications: files})
	}
	sender, err := mail.NewSender(mail.Config{Addr: relay.SMTPAddr, From: "guichet <noreply@guichet.localhost>"}, clock.System{})
	require.NoError(t, err)
	a := &Activities{Calls: calls, Review: review, Mail: sender, Logger: slog.New(slog.DiscardHandler)}
	reminderID := mail.DerivedID(sender.From(), "review-reminder", name, "reviewer-1")

	sent, err := a.RemindReviewers(ctx, name)
	require.NoError(t, err)
	require.Equal(t, NoticesSent{Sent: []string{"reviewer-1"}, Already: []string{"reviewer-4"},
		NoContact: []string{"reviewer-2"}, Refused: []string{"reviewer-3"}}, sent)
	got, err := box.Await(ctx, "message-id:"+reminderID)
	require.NoError(t, err)
	require.Equal(t, []mailpit.Address{{Address: "reviewer-1@jury.example.org"}}, got.To)
	require.Contains(t, got.Text, "Projet A")
	require.Equal(t, map[string]string{"reviewer-1": reminderID, "reviewer-4": "earlier@guichet.localhost"}, review.recorded(KindReminder))

	// A retry: the reviewer told is told no more, the refusal is met again and listed again.
	sent, err = a.RemindReviewers(ctx, name)
	require.NoError(t, err)
	require.Equal(t, NoticesSent{Already: []string{"reviewer-1", "reviewer-4"},
		NoContact: []string{"reviewer-2"}, Refused: []string{"reviewer-3"}}, sent)

	escalationID := mail.DerivedID(sender.From(), "review-escalation", name, "chair-1")
	sent, err = a.EscalateMissingReviews(ctx, name)
	require.NoError(t, err)
	require.Equal(t, NoticesSent{Sent: []string{"chair-1"}}, sent)
	got, err = box.Await(ctx, "message-id:"+escalationID)
	require.NoError(t, err)
	require.Equal(t, []mailpit.Address{{Address: "chair-1@jury.example.org"}}, got.To)
	require.Contains(t, got.Text, "reviewer-3")
	sent, err = a.EscalateMissingReviews(ctx, name)
	require.NoError(t, err)
	require.Equal(t, NoticesSent{Already: []string{"chair-1"}}, sent)
	require.Equal(t, map[string]string{"chair-1": escalationID}, review.recorded(KindEscalation))

	// The relay holds the reminder and the escalation, once each, and nothing for the refused one.
	all, err := box.Messages(ctx)
	require.NoError(t, err)
	var ids []string
	for _, m := range all {
		ids = append(ids, m.MessageID)
	}
	slices.Sort(ids)
	require.Equal(t, []string{escalationID, reminderID}, ids)
}

// TestNotifyWithoutRelay: the relay unreachable is retried (the error is not final), and nothing
// is recorded as sent.
func TestNotifyWithoutRelay(t *testing.T) {
	port, err := devstack.FreePort()
	require.NoError(t, err)
	sender, err := mail.NewSender(mail.Config{Addr: "127.0.0.1:" + strconv.Itoa(port), From: "guichet <noreply@guichet.localhost>"}, clock.System{})
	require.NoError(t, err)
	const name = "calls/notify-test"
	calls := &callsService{call: &appv1.Call{Name: name, Title: "T", Chair: "chair-1",
		ReviewDeadline: timestamppb.New(time.Date(2027, 3, 1, 17, 0, 0, 0, time.UTC)),
		JuryContacts:   []*appv1.JuryContact{{Subject: "reviewer-1", Email: "reviewer-1@jury.example.org"}}}}
	review := &reviewService{call: name, outstanding: []*reviewv1.OutstandingReviews{
		{Reviewer: "reviewer-1", Applications: []*reviewv1.OutstandingApplication{{Application: name + "/applications/a", Title: "A"}}}}}
	a := &Activities{Calls: calls, Review: review, Mail: sender, Logger: slog.New(slog.DiscardHandler)}
	_, err = a.RemindReviewers(context.Background(), name)
	var app *temporal.ApplicationError
	require.Error(t, err)
	require.False(t, errors.As(err, &app) && app.NonRetryable(), "an unreachable relay is retried: %v", err)
	require.Empty(t, review.notices)
}
