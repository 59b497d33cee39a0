package applications

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	"github.com/guichet/guichet/services/applications/domain"
)

// change is one state change of an application, run in a transaction with the row locked.
type change struct {
	action string
	// withCall reads the application's call with it, for apply's rules.
	withCall bool
	// apply checks and changes a (call is nil without withCall); returning errUnchanged settles an
	// idempotent repeat.
	apply func(a *application, call *appv1.Call, now time.Time) error
	// signal, when set, is sent to the application's workflow through the outbox.
	message func(a *application) *outbox.Message
	// audit adds facts to the audit entry's "after" (what a decision rested on).
	audit map[string]any
}

// errUnchanged marks a repeat of a change already made: the application is returned as it is.
var errUnchanged = errors.New("unchanged")

func (s *Service) change(ctx context.Context, name string, c change) (*appv1.Application, error) {
	p := auth.FromContext(ctx)
	var out *appv1.Application
	err := pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		a, call, err := s.loadWith(ctx, tx, p, name, c.withCall)
		if err != nil {
			return err
		}
		before := struct {
			State  domain.State `json:"state"`
			Reason string       `json:"reason,omitempty"`
		}{a.State, a.StateReason}
		now := s.now()
		if err := c.apply(a, call, now); errors.Is(err, errUnchanged) {
			out = toProto(a, p)
			return nil
		} else if err != nil {
			return err
		}
		a.UpdateTime = now
		// The update, the outbox entry and the audit chain's lock go in one round trip.
		b := &pgx.Batch{}
		b.Queue(`UPDATE applications SET state = $2, state_reason = $3, content_sha256 = $4, submit_time = $5,
			agreement_sign_time = $6, agreement_signed_by = $7, update_time = $8 WHERE id = $1`,
			a.ID, a.State, a.StateReason, a.ContentSHA256, a.SubmitTime, a.AgreementSignTime, a.AgreementSignedBy, now)
		after := map[string]any{"state": a.State, "reason": a.StateReason}
		if a.ContentSHA256 != "" {
			after["contentSha256"] = a.ContentSHA256
		}
		for k, v := range c.audit {
			after[k] = v
		}
		if c.message != nil {
			if m := c.message(a); m != nil {
				if err := outbox.Queue(ctx, b, *m); err != nil {
					return err
				}
			}
		}
		// Last: the audit chain's lock is held from here to the commit.
		if err := audit.AppendAfter(ctx, tx, b, audit.Entry{At: now, Action: c.action, Object: a.name(), Before: before, After: after}.FromPrincipal(p)); err != nil {
			return err
		}
		out = toProto(a, p)
		return nil
	})
	return out, err
}

func wrongState(a *application, action string) error {
	return status.Errorf(codes.FailedPrecondition, "application %s is %s: cannot %s", a.name(), a.State, action)
}

// SubmitApplication freezes a complete draft while the call is open and returns the receipt
// (submitTime, contentSha256). It is accepted once it is durable in PostgreSQL together with the
// outbox entry that starts its workflow: Temporal's availability does not matter here.
func (s *Service) SubmitApplication(ctx context.Context, req *appv1.SubmitApplicationRequest) (*appv1.Application, error) {
	return s.change(ctx, req.GetName(), change{
		action:   "application.submit",
		withCall: true,
		apply: func(a *application, call *appv1.Call, now time.Time) error {
			t := terms(call)
			if a.State != domain.Draft {
				return wrongState(a, "submit (already submitted applications are frozen)")
			}
			if err := domain.CheckWindow(now, t); err != nil {
				return status.Error(codes.FailedPrecondition, err.Error())
			}
			if v := domain.ValidateComplete(a.Content, t); len(v) > 0 {
				return violations(v)
			}
			a.State = domain.Submitted
			a.ContentSHA256 = a.Content.SHA256()
			a.SubmitTime.Time, a.SubmitTime.Valid = now, true
			return nil
		},
		message: func(a *application) *outbox.Message {
			return &outbox.Message{WorkflowID: flow.ApplicationWorkflowID(a.name()), WorkflowType: flow.ApplicationWorkflowType,
				Payload: flow.ApplicationStarted{Application: a.name(), SubmitTime: a.SubmitTime.Time}}
		},
	})
}

// callOf returns the call of an application name.
func (s *Service) callOf(ctx context.Context, name string) (*appv1.Call, error) {
	callID, _, err := resource.ParseApplication(name)
	if err != nil {
		return nil, invalid("name", err.Error())
	}
	return s.getCall(ctx, callID, auth.FromContext(ctx))
}

// WithdrawApplication withdraws an application before completion.
func (s *Service) WithdrawApplication(ctx context.Context, req *appv1.WithdrawApplicationRequest) (*appv1.Application, error) {
	return s.change(ctx, req.GetName(), change{
		action: "application.withdraw",
		apply: func(a *application, _ *appv1.Call, _ time.Time) error {
			if a.State == domain.Withdrawn {
				return errUnchanged
			}
			if !domain.CanTransition(a.State, domain.Withdrawn) {
				return wrongState(a, "withdraw")
			}
			a.State, a.StateReason = domain.Withdrawn, req.GetReason()
			return nil
		},
		message: func(a *application) *outbox.Message {
			if !a.SubmitTime.Valid {
				return nil // a draft has no workflow
			}
			return &outbox.Message{WorkflowID: flow.ApplicationWorkflowID(a.name()), Signal: flow.SignalWithdrawn,
				Payload: flow.Withdrawn{Reason: req.GetReason()}}
		},
	})
}

// SignAgreement records the owner's acceptance of the grant agreement of a selected project.
func (s *Service) SignAgreement(ctx context.Context, req *appv1.SignAgreementRequest) (*appv1.Application, error) {
	p := auth.FromContext(ctx)
	return s.change(ctx, req.GetName(), change{
		action: "application.sign_agreement",
		apply: func(a *application, _ *appv1.Call, now time.Time) error {
			if a.AgreementSignTime.Valid {
				return errUnchanged
			}
			if a.State != domain.Selected {
				return wrongState(a, "sign the grant agreement (only a selected project has one)")
			}
			a.AgreementSignTime.Time, a.AgreementSignTime.Valid = now, true
			a.AgreementSignedBy = p.Subject
			return nil
		},
		message: func(a *application) *outbox.Message {
			return &outbox.Message{WorkflowID: flow.ApplicationWorkflowID(a.name()), Signal: flow.SignalAgreementSigned,
				Payload: flow.AgreementSigned{SignedBy: a.AgreementSignedBy, SignTime: a.AgreementSignTime.Time}}
		},
	})
}

// RecordDecision records a state the workflow reached (under review, selected, reserve, rejected,
// funded, completed). Repeats are no-ops; a transition the domain forbids is FailedPrecondition.
func (s *Service) RecordDecision(ctx context.Context, req *appv1.RecordDecisionRequest) (*appv1.Application, error) {
	to := domain.State(req.GetState())
	return s.change(ctx, req.GetName(), change{
		action: "application.decision",
		apply: func(a *application, _ *appv1.Call, _ time.Time) error {
			if a.State == to {
				return errUnchanged
			}
			if !domain.CanTransition(a.State, to) {
				return wrongState(a, "move to "+string(to))
			}
			a.State, a.StateReason = to, req.GetReason()
			return nil
		},
	})
}
