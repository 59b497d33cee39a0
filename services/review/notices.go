package review

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// Kinds of jury notices.
const (
	noticeReminder   = "REMINDER"
	noticeEscalation = "ESCALATION"
)

// ListOutstandingReviews lists, per jury member, the assignments of the call still to score
// (neither reviewed nor recused), and the notices already sent, so that the call's workflow
// reminds each reviewer and warns the chair once.
func (s *Service) ListOutstandingReviews(ctx context.Context, req *reviewv1.ListOutstandingReviewsRequest) (*reviewv1.ListOutstandingReviewsResponse, error) {
	callID, err := resource.ParseCall(req.GetCall())
	if err != nil {
		return nil, badName("call", req.GetCall(), "calls/*")
	}
	out := &reviewv1.ListOutstandingReviewsResponse{}
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		out.Reviewers, out.Notices = nil, nil
		rows, err := tx.Query(ctx, `SELECT a.reviewer, p.name, p.title FROM assignments a JOIN applications p ON p.name = a.application
			WHERE p.call = $1 AND a.state = $2 ORDER BY a.reviewer, p.submit_time, p.name`, callID, assigned)
		if err != nil {
			return err
		}
		var reviewer, app, title string
		if _, err := pgx.ForEachRow(rows, []any{&reviewer, &app, &title}, func() error {
			if n := len(out.Reviewers); n == 0 || out.Reviewers[n-1].GetReviewer() != reviewer {
				out.Reviewers = append(out.Reviewers, &reviewv1.OutstandingReviews{Reviewer: reviewer})
			}
			r := out.Reviewers[len(out.Reviewers)-1]
			r.Applications = append(r.Applications, &reviewv1.OutstandingApplication{Application: app, Title: title})
			return nil
		}); err != nil {
			return err
		}
		out.Notices, err = notices(ctx, tx, callID, "", "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RecordJuryNotice records an emailed reminder or escalation once; a repeat (a retried activity)
// returns the notice first recorded, unchanged.
func (s *Service) RecordJuryNotice(ctx context.Context, req *reviewv1.RecordJuryNoticeRequest) (*reviewv1.JuryNotice, error) {
	p := auth.FromContext(ctx)
	n := req.GetNotice()
	callID, err := resource.ParseCall(n.GetCall())
	if err != nil {
		return nil, badName("notice.call", n.GetCall(), "calls/*")
	}
	for i, a := range n.GetApplications() {
		if c, _, err := resource.ParseApplication(a); err != nil || c != callID {
			return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "notice.applications[" + strconv.Itoa(i) + "]",
				Description: "must be an application of " + n.GetCall()})
		}
	}
	now := s.now()
	var out *reviewv1.JuryNotice
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// The log says who was told: the chair for an escalation, a reviewer for a reminder. A
		// notice to anyone else is refused, so the audit log cannot state something untrue.
		c, ok, err := loadCall(ctx, tx, callID, noLock)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("call %s not found", n.GetCall())
		}
		if (n.GetKind() == noticeEscalation && n.GetRecipient() != c.Chair) ||
			(n.GetKind() == noticeReminder && !slices.Contains(c.Reviewers, n.GetRecipient())) {
			return grpcx.InvalidArgument(grpcx.Violation{Field: "notice.recipient",
				Description: "an escalation goes to the call's chair, a reminder to one of its reviewers"})
		}
		tag, err := tx.Exec(ctx, `INSERT INTO jury_notices (call, kind, recipient, email, applications, message_id, send_time)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			callID, n.GetKind(), n.GetRecipient(), n.GetEmail(), n.GetApplications(), n.GetMessageId(), now)
		if err != nil {
			return err
		}
		// Only the escalation is a state change of the jury's work worth the log: the chair was
		// told which reviews are missing. A repeat is not logged again.
		if tag.RowsAffected() == 1 && n.GetKind() == noticeEscalation {
			if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "review.escalated", Object: n.GetCall(),
				After: map[string]any{"chair": n.GetRecipient(), "applications": n.GetApplications(), "messageId": n.GetMessageId()}}.FromPrincipal(p)); err != nil {
				return err
			}
		}
		got, err := notices(ctx, tx, callID, n.GetKind(), n.GetRecipient())
		if err != nil {
			return err
		}
		if len(got) != 1 {
			return errors.New("jury notice not found after its insertion")
		}
		out = got[0]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// notices reads a call's notices, of one kind and recipient when they are set.
func notices(ctx context.Context, tx pgx.Tx, callID, kind, recipient string) ([]*reviewv1.JuryNotice, error) {
	rows, err := tx.Query(ctx, `SELECT kind, recipient, email, applications, message_id, send_time FROM jury_notices
		WHERE call = $1 AND ($2 = '' OR kind = $2) AND ($3 = '' OR recipient = $3) ORDER BY send_time, kind, recipient`, callID, kind, recipient)
	if err != nil {
		return nil, err
	}
	var out []*reviewv1.JuryNotice
	for rows.Next() {
		n := &reviewv1.JuryNotice{Call: resource.CallName(callID)}
		var at time.Time
		if err := rows.Scan(&n.Kind, &n.Recipient, &n.Email, &n.Applications, &n.MessageId, &at); err != nil {
			rows.Close()
			return nil, err
		}
		n.SendTime = timestamppb.New(at)
		out = append(out, n)
	}
	return out, rows.Err()
}
