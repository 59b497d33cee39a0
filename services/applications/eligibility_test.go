package applications

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

// submitted creates and submits a complete application of the organisation siret.
func (f *fixture) submitted(t *testing.T, call, siret string) string {
	t.Helper()
	applicant := f.as(auth.Applicant, "applicant-"+siret, siret)
	app := completeApplication()
	app.Applicant.Siret = siret
	a, err := f.apps.CreateApplication(applicant, &appv1.CreateApplicationRequest{Parent: call, Application: app})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.SubmitApplication(applicant, &appv1.SubmitApplicationRequest{Name: a.GetName()}); err != nil {
		t.Fatal(err)
	}
	return a.GetName()
}

func (f *fixture) state(t *testing.T, name string) *appv1.Application {
	t.Helper()
	a, err := f.apps.GetApplication(f.as(auth.Auditor, "auditor-1", ""), &appv1.GetApplicationRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// lastAudit returns the "after" of the last audit entry of action on object.
func (f *fixture) lastAudit(t *testing.T, object, action string) (actor string, after map[string]any) {
	t.Helper()
	var raw []byte
	err := f.pool.QueryRow(context.Background(), `SELECT actor, after FROM audit_log WHERE object = $1 AND action = $2 ORDER BY seq DESC LIMIT 1`,
		object, action).Scan(&actor, &raw)
	if err != nil {
		t.Fatalf("audit %s of %s: %v", action, object, err)
	}
	if err := json.Unmarshal(raw, &after); err != nil {
		t.Fatal(err)
	}
	return actor, after
}

func TestEligibilityAsksTheCompanyRegistry(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	system := f.as(auth.System, "worker", "")
	tests := []struct {
		siret, state string
		says         []string
		registry     string
	}{
		{dinum, "ELIGIBLE", []string{"DINUM", "130025265", "active in the company registry"}, "ACTIVE"},
		{other, "INELIGIBLE", []string{"application.applicant.siret", "establishment SIRET " + other, "closed", "2021-06-30"}, "CEASED"},
		{laPoste, "INELIGIBLE", []string{"application.applicant.siret", "SIRET " + laPoste + " is not in the company registry"}, "UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.registry, func(t *testing.T) {
			name := f.submitted(t, c.GetName(), tt.siret)
			for range 2 { // a retry returns the recorded outcome
				got, err := f.apps.CheckEligibility(system, &appv1.CheckEligibilityRequest{Name: name})
				if err != nil {
					t.Fatal(err)
				}
				if got.GetState() != tt.state {
					t.Fatalf("state %s (%s), want %s", got.GetState(), got.GetStateReason(), tt.state)
				}
				for _, s := range tt.says {
					if !strings.Contains(got.GetStateReason(), s) {
						t.Errorf("reason %q does not say %q", got.GetStateReason(), s)
					}
				}
			}
			_, after := f.lastAudit(t, name, "application.eligibility")
			reg, _ := after["registry"].(map[string]any)
			if after["state"] != tt.state || reg["status"] != tt.registry {
				t.Fatalf("audit after = %v", after)
			}
		})
	}
	if n := f.registry.requests(); n != 3 {
		t.Fatalf("the registry was asked %d times for 3 applications checked twice", n)
	}
}

func TestFormatRulesComeBeforeTheRegistry(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	name := f.submitted(t, c.GetName(), dinum)
	// The call's terms changed under the application (as a data fix would): the rules decide
	// without asking the registry.
	if _, err := f.pool.Exec(context.Background(), `UPDATE calls SET ceiling_cents = 20000000`); err != nil {
		t.Fatal(err)
	}
	got, err := f.apps.CheckEligibility(f.as(auth.System, "worker", ""), &appv1.CheckEligibilityRequest{Name: name})
	if err != nil || got.GetState() != "INELIGIBLE" || !strings.HasPrefix(got.GetStateReason(), "application.requestedAmountCents") {
		t.Fatalf("eligibility = %v, %v", got, err)
	}
	if n := f.registry.requests(); n != 0 {
		t.Fatalf("registry asked %d times", n)
	}
}

func TestRegistryDownKeepsTheApplicationSubmittedUntilAnOfficerRules(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	system := f.as(auth.System, "worker", "")
	officer := f.as(auth.ProgrammeOfficer, "officer-1", "")
	name := f.submitted(t, c.GetName(), dinum)

	f.registry.setDown(true)
	_, err := f.apps.CheckEligibility(system, &appv1.CheckEligibilityRequest{Name: name})
	code(t, err, codes.Unavailable) // the workflow retries it
	if !strings.Contains(err.Error(), "ruleEligibility") {
		t.Errorf("the error does not tell what to do: %v", err)
	}
	if s := f.state(t, name).GetState(); s != "SUBMITTED" {
		t.Fatalf("state %s while the registry is down", s)
	}

	// Only a programme officer rules, with a reason.
	rule := &appv1.RuleEligibilityRequest{Name: name, Eligible: true, Reason: "Registry down; SIRET checked on the INSEE site."}
	for _, who := range []context.Context{
		f.as(auth.Applicant, "alice", dinum), f.as(auth.Reviewer, "reviewer-1", ""), f.as(auth.JuryChair, "chair-1", ""),
		f.as(auth.FinanceOfficer, "finance-1", ""), f.as(auth.Auditor, "auditor-1", ""), system,
	} {
		_, err := f.apps.RuleEligibility(who, rule)
		code(t, err, codes.PermissionDenied)
	}
	_, err = f.apps.RuleEligibility(officer, &appv1.RuleEligibilityRequest{Name: name, Eligible: true, Reason: "ok"})
	violationOn(t, err, "reason") // protovalidate
	_, err = f.apps.RuleEligibility(officer, &appv1.RuleEligibilityRequest{Name: name, Eligible: true, Reason: "   ok, fine     "})
	violationOn(t, err, "reason") // the handler, on the trimmed reason
	if s := f.state(t, name).GetState(); s != "SUBMITTED" {
		t.Fatalf("state %s after refused rulings", s)
	}

	ruled, err := f.apps.RuleEligibility(officer, rule)
	if err != nil {
		t.Fatal(err)
	}
	if ruled.GetState() != "ELIGIBLE" || !strings.Contains(ruled.GetStateReason(), rule.GetReason()) {
		t.Fatalf("ruling = %v", ruled)
	}
	actor, after := f.lastAudit(t, name, "application.eligibility.ruling")
	if actor != "officer-1" || after["state"] != "ELIGIBLE" || after["ruling"] != "manual" {
		t.Fatalf("audit: %s %v", actor, after)
	}

	// The workflow's pending retry returns the ruling, without asking the registry.
	asked := f.registry.requests()
	got, err := f.apps.CheckEligibility(system, &appv1.CheckEligibilityRequest{Name: name})
	if err != nil || got.GetState() != "ELIGIBLE" || got.GetStateReason() != ruled.GetStateReason() {
		t.Fatalf("check after the ruling = %v, %v", got, err)
	}
	if f.registry.requests() != asked {
		t.Fatal("the registry was asked after the ruling")
	}

	// A ruling is for SUBMITTED applications only.
	_, err = f.apps.RuleEligibility(officer, &appv1.RuleEligibilityRequest{Name: name, Eligible: false, Reason: "Second thoughts about it."})
	code(t, err, codes.FailedPrecondition)
	draft, err := f.apps.CreateApplication(f.as(auth.Applicant, "alice", dinum), &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: completeApplication()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.apps.RuleEligibility(officer, &appv1.RuleEligibilityRequest{Name: draft.GetName(), Eligible: true, Reason: "Not even submitted yet."})
	code(t, err, codes.FailedPrecondition)
	_, err = f.apps.RuleEligibility(officer, &appv1.RuleEligibilityRequest{Name: "calls/data-2026/applications/nope", Eligible: true, Reason: "No such application."})
	code(t, err, codes.NotFound)

	// An officer may also rule an application ineligible; the registry coming back changes nothing.
	second := f.submitted(t, c.GetName(), dinum)
	if _, err := f.apps.RuleEligibility(officer, &appv1.RuleEligibilityRequest{Name: second, Eligible: false, Reason: "The entity is in liquidation (BODACC)."}); err != nil {
		t.Fatal(err)
	}
	f.registry.setDown(false)
	got, err = f.apps.CheckEligibility(system, &appv1.CheckEligibilityRequest{Name: second})
	if err != nil || got.GetState() != "INELIGIBLE" || !strings.Contains(got.GetStateReason(), "liquidation") {
		t.Fatalf("check after an ineligible ruling = %v, %v", got, err)
	}
	if brk, _, err := audit.Verify(context.Background(), f.pool); err != nil || brk != nil {
		t.Fatalf("audit chain: %v %v", brk, err)
	}
}

func TestRegistryOffIsSaidInTheOutcome(t *testing.T) {
	f := setupWith(t, func(o *Options) { o.Registry, o.RegistryOff = nil, true })
	c := f.createCall(t)
	name := f.submitted(t, c.GetName(), laPoste) // unknown to the registry, which is not asked
	got, err := f.apps.CheckEligibility(f.as(auth.System, "worker", ""), &appv1.CheckEligibilityRequest{Name: name})
	if err != nil || got.GetState() != "ELIGIBLE" || !strings.Contains(got.GetStateReason(), "registry check was skipped by configuration (GUICHET_REGISTRY_URL=off)") {
		t.Fatalf("eligibility = %v, %v", got, err)
	}
	_, after := f.lastAudit(t, name, "application.eligibility")
	if reg, _ := after["registry"].(map[string]any); reg["status"] != "SKIPPED" {
		t.Fatalf("audit after = %v", after)
	}
	if n := f.registry.requests(); n != 0 {
		t.Fatalf("registry asked %d times", n)
	}
}

func TestNoRegistryConfiguredWaitsInsteadOfPassing(t *testing.T) {
	f := setupWith(t, func(o *Options) { o.Registry = nil })
	c := f.createCall(t)
	name := f.submitted(t, c.GetName(), dinum)
	_, err := f.apps.CheckEligibility(f.as(auth.System, "worker", ""), &appv1.CheckEligibilityRequest{Name: name})
	code(t, err, codes.Unavailable)
	if s := f.state(t, name).GetState(); s != "SUBMITTED" {
		t.Fatalf("state %s", s)
	}
}
