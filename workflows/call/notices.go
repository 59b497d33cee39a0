package call

import (
	"context"
	"log/slog"
	netmail "net/mail"
	"slices"

	"go.temporal.io/sdk/temporal"

	"github.com/guichet/guichet/platform/mail"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/workflows/internal/grpcerr"
)

// Kinds of jury notices, as the review service records them.
const (
	KindReminder   = "REMINDER"
	KindEscalation = "ESCALATION"
)

// NoticesSent says what a reminder or escalation activity did, by jury member's subject.
type NoticesSent struct {
	Sent []string `json:"sent,omitempty"`
	// Already notified by an earlier attempt.
	Already []string `json:"already,omitempty"`
	// Without a contact email: not mailed (the chair sees the missing reviews in the console).
	NoContact []string `json:"noContact,omitempty"`
	// Refused for good by the mail relay (a 5xx answer: no such mailbox, say): not retried, not
	// recorded as sent. Kept in the activity's result, so the call's history shows who was not told.
	Refused []string `json:"refused,omitempty"`
}

// notice is one email a reminder or escalation activity has to send.
type notice struct {
	Recipient string
	Files     []mail.ReviewFile
}

// reminders plans one reminder per reviewer with files still to score, but none to whoever was
// reminded already: a retried activity mails no one twice.
func reminders(out *reviewv1.ListOutstandingReviewsResponse) (todo []notice, already []string) {
	for _, r := range out.GetReviewers() {
		if notified(out, KindReminder, r.GetReviewer()) {
			already = append(already, r.GetReviewer())
			continue
		}
		n := notice{Recipient: r.GetReviewer()}
		for _, a := range r.GetApplications() {
			n.Files = append(n.Files, mail.ReviewFile{Application: a.GetApplication(), Title: a.GetTitle()})
		}
		todo = append(todo, n)
	}
	return todo, already
}

// escalation plans the chair's notice: per application, the reviewers whose reviews are missing,
// in the order the service lists them. Nothing when nothing is missing or the chair was told.
func escalation(out *reviewv1.ListOutstandingReviewsResponse, chair string) (todo []notice, already []string) {
	if notified(out, KindEscalation, chair) {
		return nil, []string{chair}
	}
	n := notice{Recipient: chair}
	index := map[string]int{}
	for _, r := range out.GetReviewers() {
		for _, a := range r.GetApplications() {
			i, ok := index[a.GetApplication()]
			if !ok {
				i = len(n.Files)
				index[a.GetApplication()] = i
				n.Files = append(n.Files, mail.ReviewFile{Application: a.GetApplication(), Title: a.GetTitle()})
			}
			n.Files[i].Reviewers = append(n.Files[i].Reviewers, r.GetReviewer())
		}
	}
	if len(n.Files) == 0 {
		return nil, nil
	}
	slices.SortStableFunc(n.Files, func(a, b mail.ReviewFile) int {
		if a.Application < b.Application {
			return -1
		}
		if a.Application > b.Application {
			return 1
		}
		return 0
	})
	return []notice{n}, nil
}

func notified(out *reviewv1.ListOutstandingReviewsResponse, kind, recipient string) bool {
	return slices.ContainsFunc(out.GetNotices(), func(n *reviewv1.JuryNotice) bool {
		return n.GetKind() == kind && n.GetRecipient() == recipient
	})
}

// RemindReviewers emails each reviewer the files it still has to score before the review
// deadline, once per call.
func (a *Activities) RemindReviewers(ctx context.Context, call string) (NoticesSent, error) {
	return a.notify(ctx, call, KindReminder)
}

// EscalateMissingReviews emails the call's chair, at the review deadline, which files miss which
// reviewers' reviews, once per call; nothing when no review is missing.
func (a *Activities) EscalateMissingReviews(ctx context.Context, call string) (NoticesSent, error) {
	return a.notify(ctx, call, KindEscalation)
}

// notify sends the notices of a kind. Each is recorded right after it is sent, so a retry after
// a failure sends only the ones still missing; its Message-ID is derived from the call and the
// recipient, so the one repeat a crash between sending and recording can cause is recognisable.
func (a *Activities) notify(ctx context.Context, name, kind string) (NoticesSent, error) {
	var done NoticesSent
	if a.Mail == nil || a.Review == nil {
		return done, temporal.NewNonRetryableApplicationError("the worker has no mail sender or review client", "NoMailer", nil)
	}
	c, err := a.Calls.GetCall(ctx, &appv1.GetCallRequest{Name: name})
	if err != nil {
		return done, grpcerr.Classify(err)
	}
	out, err := a.Review.ListOutstandingReviews(ctx, &reviewv1.ListOutstandingReviewsRequest{Call: name})
	if err != nil {
		return done, grpcerr.Classify(err)
	}
	var todo []notice
	if kind == KindReminder {
		todo, done.Already = reminders(out)
	} else {
		todo, done.Already = escalation(out, c.GetChair())
	}
	emails := map[string]string{}
	for _, jc := range c.GetJuryContacts() {
		emails[jc.GetSubject()] = jc.GetEmail()
	}
	logger := a.logger()
	for _, n := range todo {
		email := emails[n.Recipient]
		if email == "" {
			logger.WarnContext(ctx, "jury member without contact email: not notified", "call", name, "kind", kind, "member", n.Recipient)
			done.NoContact = append(done.NoContact, n.Recipient)
			continue
		}
		to := &netmail.Address{Address: email}
		var m mail.Message
		if kind == KindReminder {
			m, err = mail.ReviewReminder{To: to, Reviewer: n.Recipient, Call: name, CallTitle: c.GetTitle(),
				Deadline: c.GetReviewDeadline().AsTime(), Files: n.Files}.Message(a.Mail.From())
		} else {
			m, err = mail.MissingReviews{To: to, Chair: n.Recipient, Call: name, CallTitle: c.GetTitle(),
				Deadline: c.GetReviewDeadline().AsTime(), Files: n.Files}.Message(a.Mail.From())
		}
		if err != nil {
			return done, temporal.NewNonRetryableApplicationError(err.Error(), "BadNotice", err)
		}
		if err := a.Mail.Send(ctx, m); err != nil {
			if mail.Permanent(err) {
				// The relay refuses this address: the others are still told.
				logger.WarnContext(ctx, "jury notice refused by the mail relay", "call", name, "kind", kind, "member", n.Recipient, "error", err)
				done.Refused = append(done.Refused, n.Recipient)
				continue
			}
			return done, err
		}
		var apps []string
		for _, f := range n.Files {
			apps = append(apps, f.Application)
		}
		if _, err := a.Review.RecordJuryNotice(ctx, &reviewv1.RecordJuryNoticeRequest{Notice: &reviewv1.JuryNotice{
			Call: name, Kind: kind, Recipient: n.Recipient, Email: email, Applications: apps, MessageId: m.ID}}); err != nil {
			return done, grpcerr.Classify(err)
		}
		done.Sent = append(done.Sent, n.Recipient)
	}
	return done, nil
}

func (a *Activities) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}
