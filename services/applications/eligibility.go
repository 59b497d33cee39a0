package applications

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	"github.com/guichet/guichet/services/applications/domain"
	"github.com/guichet/guichet/services/applications/registry"
)

// registryOffReason is said of every outcome decided without the registry, so that nobody mistakes
// a development or test environment's eligibility for a checked one.
const registryOffReason = "the company registry check was skipped by configuration (GUICHET_REGISTRY_URL=off)"

// outcome is an eligibility decision and what it rested on.
type outcome struct {
	state  domain.State
	reason string
	audit  map[string]any
}

// CheckEligibility decides the eligibility of a submitted application (the workflow's first
// activity): the format, amount and schedule rules, then the company registry, which must know the
// applicant's legal entity as active. When the registry cannot answer the application stays
// SUBMITTED and the answer is Unavailable, which the workflow retries with back-off; meanwhile a
// programme officer may rule by hand (RuleEligibility). Any application no longer SUBMITTED is
// returned as it is, so a retry returns the recorded outcome, a ruling included.
func (s *Service) CheckEligibility(ctx context.Context, req *appv1.CheckEligibilityRequest) (*appv1.Application, error) {
	call, err := s.callOf(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	a, err := s.load(ctx, nil, p, req.GetName())
	if err != nil {
		return nil, err
	}
	if a.State != domain.Submitted {
		return toProto(a, p), nil
	}
	// The registry is asked outside the transaction: no row stays locked during a network call.
	// The content is frozen since submission, so the decision still holds when it is recorded.
	o, err := s.decide(ctx, a, terms(call))
	if err != nil {
		return nil, err
	}
	return s.change(ctx, req.GetName(), change{
		action: "application.eligibility",
		audit:  o.audit,
		apply: func(a *application, _ *appv1.Call, _ time.Time) error {
			if a.State != domain.Submitted {
				return errUnchanged // ruled on meanwhile: that ruling stands
			}
			a.State, a.StateReason = o.state, o.reason
			return nil
		},
	})
}

// decide applies the eligibility rules to a.
func (s *Service) decide(ctx context.Context, a *application, t domain.Terms) (outcome, error) {
	if v := domain.ValidateComplete(a.Content, t); len(v) > 0 {
		return outcome{domain.Ineligible, v[0].Field + " " + v[0].Description,
			map[string]any{"rules": "failed", "registry": map[string]any{"status": "NOT_ASKED"}}}, nil
	}
	if s.registryOff {
		return outcome{domain.Eligible, "the eligibility rules are met; " + registryOffReason,
			map[string]any{"rules": "passed", "registry": map[string]any{"status": "SKIPPED", "why": "GUICHET_REGISTRY_URL=off"}}}, nil
	}
	if s.registry == nil {
		return outcome{}, status.Errorf(codes.Unavailable, "no company registry is configured: %s stays SUBMITTED", a.name())
	}
	r, err := s.registry.Check(ctx, a.Content.Siret)
	if err != nil {
		s.logger.WarnContext(ctx, "eligibility waits for the company registry", "application", a.name(), "error", err)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return outcome{}, status.FromContextError(ctxErr).Err()
		}
		return outcome{}, status.Errorf(codes.Unavailable, "%s stays SUBMITTED: %v; "+
			"the check is retried, and a programme officer may rule with :ruleEligibility", a.name(), err)
	}
	facts := map[string]any{"rules": "passed", "registry": map[string]any{"status": r.Status, "siren": r.Siren, "name": r.Name,
		"reason": r.Reason, "checkedAt": r.CheckedAt, "cached": r.Cached}}
	if r.Status == registry.Active {
		return outcome{domain.Eligible, r.Reason, facts}, nil
	}
	return outcome{domain.Ineligible, "application.applicant.siret " + r.Reason, facts}, nil
}

// RuleEligibility records a programme officer's ruling on a SUBMITTED application, for instance
// while the company registry is unavailable; the workflow's pending check then returns it.
func (s *Service) RuleEligibility(ctx context.Context, req *appv1.RuleEligibilityRequest) (*appv1.Application, error) {
	reason := strings.TrimSpace(req.GetReason())
	if utf8.RuneCountInString(reason) < 10 {
		return nil, invalid("reason", "must say why, in at least 10 characters")
	}
	to := domain.Ineligible
	if req.GetEligible() {
		to = domain.Eligible
	}
	return s.change(ctx, req.GetName(), change{
		action: "application.eligibility.ruling",
		audit:  map[string]any{"ruling": "manual", "eligible": req.GetEligible()},
		apply: func(a *application, _ *appv1.Call, _ time.Time) error {
			if a.State != domain.Submitted {
				return wrongState(a, "rule on its eligibility (only a SUBMITTED application awaits it)")
			}
			a.State, a.StateReason = to, "ruled by a programme officer: "+reason
			return nil
		},
	})
}
