package e2e

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc"

	"github.com/guichet/guichet/cmd/guichet/internal/server"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/mail"
	"github.com/guichet/guichet/platform/mail/mailpit"
	"github.com/guichet/guichet/platform/testenv"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/workflows/call"
)

// refusingRelay starts a mailpit of the test's own that, like a production relay, accepts only
// some domains (the jury's and the applicants' here) and refuses any other recipient with a 5xx:
// the shared mailpit of testenv accepts every address, so it cannot show a refusal.
func refusingRelay(t *testing.T, allowed string) *devstack.Mailpit {
	t.Helper()
	bin, err := devstack.MailpitBinary()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	relay, err := devstack.StartMailpit(ctx, bin, t.TempDir(), 0, 0, "", 0, "--smtp-allowed-recipients", allowed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = relay.Stop() })
	return relay
}

// systemConn dials a service with the worker's credentials (role system), as the worker does.
func systemConn(t *testing.T, a *api, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpcx.Dial(addr, server.SystemCredentials(a.issuer))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// TestJuryNoticesThroughTheServices runs the reminder and escalation activities against the real
// applications and review services and a mail relay that refuses one reviewer's address:
//   - with the relay unreachable, the activity fails to be retried and records nothing;
//   - each reviewer with files to score is mailed once and recorded with the message's ID; one
//     reminded before is not mailed again, one without a contact email is listed as such, and one
//     whose address the relay refuses is listed as refused, not recorded, and does not stop the
//     others;
//   - run again, as Temporal retries, the activities mail no one twice;
//   - the chair is told once which reviews are missing.
func TestJuryNoticesThroughTheServices(t *testing.T) {
	env := testenv.Get(t)
	relay := refusingRelay(t, `@(jury\.)?example\.org$`)
	cfg := testConfig(t, env)
	cfg.SMTPAddr = relay.SMTPAddr
	a := startPlatform(t, cfg)
	box := &mailpit.Client{URL: relay.URL}
	officer := a.token(auth.ProgrammeOfficer, "officer-1", "")
	alice := a.token(auth.Applicant, "alice", dinum)

	// The review window lasts an hour: the call's own workflow reminds no one during the test.
	closes := time.Now().UTC().Add(5 * time.Second)
	body := smallCall("Jury notices e2e", closes, closes.Add(time.Hour))
	body["reviewers"] = []string{"reviewer-1", "reviewer-2", "reviewer-3", "reviewer-4", "reviewer-5"}
	body["reviewersPerApplication"] = 5
	// reviewer-2 has no contact email; reviewer-3's domain is refused by the relay, and
	// reviewer-5, handled after it, is mailed all the same.
	body["juryContacts"] = []map[string]any{
		{"subject": "reviewer-1", "email": "reviewer-1@jury.example.org"},
		{"subject": "reviewer-3", "email": "reviewer-3@bounce.example"},
		{"subject": "reviewer-4", "email": "reviewer-4@jury.example.org"},
		{"subject": "reviewer-5", "email": "reviewer-5@jury.example.org"},
		{"subject": "chair-1", "email": "chair-1@jury.example.org"},
	}
	callName := a.call(http.MethodPost, "/v1/calls?callId=notices-"+ids.New(), officer, body).must(t, http.StatusCreated).str("name")
	title := "Open data for school canteens"
	name := a.call(http.MethodPost, "/v1/"+callName+"/applications", alice, application(title)).must(t, http.StatusCreated).str("name")
	a.call(http.MethodPost, "/v1/"+name+":submit", alice, map[string]any{}).must(t, http.StatusOK)

	review := reviewv1.NewReviewServiceClient(systemConn(t, a, cfg.ReviewAddr))
	calls := appv1.NewCallServiceClient(systemConn(t, a, cfg.ApplicationsAddr))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	outstanding := func() *reviewv1.ListOutstandingReviewsResponse {
		got, err := review.ListOutstandingReviews(ctx, &reviewv1.ListOutstandingReviewsRequest{Call: callName})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	eventually(t, 90*time.Second, "the application assigned to the five reviewers", func() bool {
		return len(outstanding().GetReviewers()) == 5
	})
	recorded := func(kind string) map[string]string {
		out := map[string]string{}
		for _, n := range outstanding().GetNotices() {
			if n.GetKind() == kind {
				out[n.GetRecipient()] = n.GetMessageId()
			}
		}
		return out
	}
	// reviewer-4 was reminded before (by an earlier attempt, say).
	if _, err := review.RecordJuryNotice(ctx, &reviewv1.RecordJuryNoticeRequest{Notice: &reviewv1.JuryNotice{Call: callName,
		Kind: call.KindReminder, Recipient: "reviewer-4", Email: "reviewer-4@jury.example.org", Applications: []string{name},
		MessageId: "earlier@guichet.localhost"}}); err != nil {
		t.Fatal(err)
	}

	// The relay unreachable: a failure Temporal retries, and nobody recorded as told.
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	down, err := mail.NewSender(mail.Config{Addr: "127.0.0.1:" + strconv.Itoa(port), From: cfg.MailFrom}, clock.System{})
	if err != nil {
		t.Fatal(err)
	}
	unreachable := &call.Activities{Calls: calls, Review: review, Mail: down, Logger: slog.New(slog.DiscardHandler)}
	_, err = unreachable.RemindReviewers(ctx, callName)
	var final *temporal.ApplicationError
	if err == nil || (errors.As(err, &final) && final.NonRetryable()) {
		t.Fatalf("reminders with the relay unreachable: %v, want an error Temporal retries", err)
	}
	if got := recorded(call.KindReminder); len(got) != 1 {
		t.Fatalf("reminders recorded with the relay unreachable: %v", got)
	}

	sender, err := mail.NewSender(mail.Config{Addr: relay.SMTPAddr, From: cfg.MailFrom}, clock.System{})
	if err != nil {
		t.Fatal(err)
	}
	acts := &call.Activities{Calls: calls, Review: review, Mail: sender, Logger: slog.New(slog.DiscardHandler)}
	reminderID := mail.DerivedID(sender.From(), "review-reminder", callName, "reviewer-1")
	lastID := mail.DerivedID(sender.From(), "review-reminder", callName, "reviewer-5")
	sent, err := acts.RemindReviewers(ctx, callName)
	if err != nil {
		t.Fatal(err)
	}
	wantSent(t, sent, call.NoticesSent{Sent: []string{"reviewer-1", "reviewer-5"}, Already: []string{"reviewer-4"},
		NoContact: []string{"reviewer-2"}, Refused: []string{"reviewer-3"}})
	got, err := box.Await(ctx, "message-id:"+reminderID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.To) != 1 || got.To[0].Address != "reviewer-1@jury.example.org" || !strings.Contains(got.Text, title) {
		t.Fatalf("reminder to %+v:\n%s", got.To, got.Text)
	}
	if r := recorded(call.KindReminder); len(r) != 3 || r["reviewer-1"] != reminderID || r["reviewer-5"] != lastID ||
		r["reviewer-4"] != "earlier@guichet.localhost" {
		t.Fatalf("reminders recorded %v", r)
	}

	// A retry: the reviewer told is told no more, the refusal is met again and listed again.
	sent, err = acts.RemindReviewers(ctx, callName)
	if err != nil {
		t.Fatal(err)
	}
	wantSent(t, sent, call.NoticesSent{Already: []string{"reviewer-1", "reviewer-4", "reviewer-5"},
		NoContact: []string{"reviewer-2"}, Refused: []string{"reviewer-3"}})

	escalationID := mail.DerivedID(sender.From(), "review-escalation", callName, "chair-1")
	for i, want := range []call.NoticesSent{{Sent: []string{"chair-1"}}, {Already: []string{"chair-1"}}} {
		sent, err = acts.EscalateMissingReviews(ctx, callName)
		if err != nil {
			t.Fatalf("escalation %d: %v", i+1, err)
		}
		wantSent(t, sent, want)
	}
	got, err = box.Await(ctx, "message-id:"+escalationID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.To) != 1 || got.To[0].Address != "chair-1@jury.example.org" || !strings.Contains(got.Text, "reviewer-3") {
		t.Fatalf("escalation to %+v:\n%s", got.To, got.Text)
	}
	if r := recorded(call.KindEscalation); len(r) != 1 || r["chair-1"] != escalationID {
		t.Fatalf("escalations recorded %v", r)
	}

	// The relay holds the reminders and the escalation, once each, and nothing for the refused one.
	if ids, want := juryNotices(t, ctx, box, callName), []string{escalationID, reminderID, lastID}; !slices.Equal(ids, want) {
		t.Fatalf("jury notices in the relay %v, want %v", ids, want)
	}
}

// juryNotices lists the Message-IDs of the jury notices (reminders, escalations) of a call that
// the mailbox holds, sorted.
func juryNotices(t *testing.T, ctx context.Context, box *mailpit.Client, callName string) []string {
	t.Helper()
	all, err := box.Search(ctx, `"`+callName+`"`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range all {
		if strings.HasPrefix(m.MessageID, "review-") {
			ids = append(ids, m.MessageID)
		}
	}
	slices.Sort(ids)
	return ids
}

func wantSent(t *testing.T, got, want call.NoticesSent) {
	t.Helper()
	if !slices.Equal(got.Sent, want.Sent) || !slices.Equal(got.Already, want.Already) ||
		!slices.Equal(got.NoContact, want.NoContact) || !slices.Equal(got.Refused, want.Refused) {
		t.Fatalf("notices %+v, want %+v", got, want)
	}
}
