package applications

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/auth/authtest"
	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/grpcx/grpcxtest"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/testenv"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

const (
	dinum = "13002526500013"
	other = "23350001600040"
)

type fixture struct {
	calls    appv1.CallServiceClient
	apps     appv1.ApplicationServiceClient
	iss      *authtest.Issuer
	clock    *clock.Fixed
	pool     *pgxpool.Pool
	now      time.Time
	registry *registryAPI
	// tranches stands in for the payments service's tranche states (the real path is covered by
	// cmd/guichet/e2e): a sequence absent from it is PLANNED.
	tranches *trancheStates
}

type trancheStates struct {
	mu     sync.Mutex
	states map[int]string
}

func (ts *trancheStates) TrancheState(_ context.Context, _ string, sequence int) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if s, ok := ts.states[sequence]; ok {
		return s, nil
	}
	return "PLANNED", nil
}

func (ts *trancheStates) set(sequence int, state string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.states[sequence] = state
}

// setup serves the service with the real registry client of a fake registry API.
func setup(t *testing.T) *fixture {
	t.Helper()
	return setupWith(t, nil)
}

// setupWith lets configure change the service's options (the registry's in particular).
func setupWith(t *testing.T, configure func(*Options)) *fixture {
	t.Helper()
	env := testenv.Get(t)
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	if err := pg.Migrate(ctx, env.PostgresURL, Schema, Migrations, logger); err != nil {
		t.Fatal(err)
	}
	pool, err := pg.Open(ctx, env.PostgresURL, Schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	clk := clock.NewFixed(now)
	iss := authtest.New(t)
	srv, err := grpcx.NewServer(grpcx.ServerOptions{Policy: Policy, Verifier: iss.Verifier, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	api, reg := newRegistry(t)
	tranches := &trancheStates{states: map[int]string{}}
	opts := Options{Clock: clk, Logger: logger, Registry: reg, Tranches: tranches}
	if configure != nil {
		configure(&opts)
	}
	New(pool, opts).Register(srv)
	conn := grpcxtest.Serve(t, srv)
	return &fixture{calls: appv1.NewCallServiceClient(conn), apps: appv1.NewApplicationServiceClient(conn), iss: iss, clock: clk, pool: pool, now: now,
		registry: api, tranches: tranches}
}

func (f *fixture) as(role auth.Role, sub, siret string) context.Context {
	return f.iss.Context(context.Background(), role, sub, siret)
}

func (f *fixture) createCall(t *testing.T) *appv1.Call {
	t.Helper()
	c, err := f.calls.CreateCall(f.as(auth.ProgrammeOfficer, "officer-1", ""), &appv1.CreateCallRequest{CallId: "data-2026", Call: testCall(f.now)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testCall(now time.Time) *appv1.Call {
	return &appv1.Call{
		Title: "Public data 2026", EnvelopeCents: 1_000_000_000, FloorCents: 10_000_000, CeilingCents: 100_000_000, MaxRatePercent: 50,
		OpensAt: timestamppb.New(now.Add(-time.Hour)), ClosesAt: timestamppb.New(now.Add(time.Hour)), ReviewDeadline: timestamppb.New(now.Add(48 * time.Hour)),
		Criteria: []*appv1.Criterion{
			{Id: "impact", Title: "Public value and impact", Weight: 1, Threshold: 3},
			{Id: "data", Title: "Use and quality of public data", Weight: 1, Threshold: 3},
			{Id: "feasibility", Title: "Feasibility, team and budget realism", Weight: 1, Threshold: 3},
		},
		OverallThreshold: 10, Reviewers: []string{"reviewer-1", "reviewer-2", "reviewer-3"}, Chair: "chair-1", ReviewersPerApplication: 3,
	}
}

func completeApplication() *appv1.Application {
	return &appv1.Application{
		Title: "Bankruptcy risk", Summary: "Predicting business-bankruptcy risk from tax data",
		Applicant: &appv1.Applicant{LegalName: "DINUM", Siret: dinum}, Contact: &appv1.Contact{Name: "Alice", Email: "alice@example.org"},
		Datasets: []string{"https://www.data.gouv.fr/fr/datasets/sirene"}, ProjectBudgetCents: 100_000_000, RequestedAmountCents: 50_000_000,
		// Advance 30%, interim 50%, balance 20%; due after the call closes.
		Milestones: []*appv1.Milestone{
			{Title: "Start", DueDate: "2027-03-31", TrancheAmountCents: 15_000_000},
			{Title: "Pilot", DueDate: "2027-06-30", TrancheAmountCents: 25_000_000},
			{Title: "Delivery", DueDate: "2027-12-31", TrancheAmountCents: 10_000_000},
		},
		BankAccount: &appv1.BankAccount{Iban: "FR7630006000011234567890189", Holder: "DINUM"},
	}
}

func code(t *testing.T, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("code = %v, want %v (%v)", got, want, err)
	}
}

func violationOn(t *testing.T, err error, field string) {
	t.Helper()
	code(t, err, codes.InvalidArgument)
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetField() == field {
					return
				}
			}
		}
	}
	t.Fatalf("no violation on %s: %v", field, err)
}

func TestCallsAreCreatedByProgrammeOfficersAndReadByAnyone(t *testing.T) {
	f := setup(t)
	_, err := f.calls.CreateCall(f.as(auth.Applicant, "alice", dinum), &appv1.CreateCallRequest{Call: testCall(f.now)})
	code(t, err, codes.PermissionDenied)
	_, err = f.calls.CreateCall(context.Background(), &appv1.CreateCallRequest{Call: testCall(f.now)})
	code(t, err, codes.Unauthenticated)
	bad := testCall(f.now)
	bad.FloorCents = bad.CeilingCents + 1
	_, err = f.calls.CreateCall(f.as(auth.ProgrammeOfficer, "officer-1", ""), &appv1.CreateCallRequest{Call: bad})
	code(t, err, codes.InvalidArgument)

	c := f.createCall(t)
	got, err := f.calls.GetCall(context.Background(), &appv1.GetCallRequest{Name: c.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetEnvelopeCents() != 1_000_000_000 || len(got.GetCriteria()) != 3 || got.GetState() != CallOpen {
		t.Fatalf("call = %v", got)
	}
	_, err = f.calls.CreateCall(f.as(auth.ProgrammeOfficer, "officer-1", ""), &appv1.CreateCallRequest{CallId: "data-2026", Call: testCall(f.now)})
	code(t, err, codes.AlreadyExists)
	list, err := f.calls.ListCalls(context.Background(), &appv1.ListCallsRequest{})
	if err != nil || len(list.GetCalls()) != 1 {
		t.Fatalf("ListCalls = %v, %v", list, err)
	}
}

func TestDraftsBelongToTheOrganisation(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	a, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: &appv1.Application{Title: "Draft"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.GetState() != "DRAFT" || a.GetApplicant().GetSiret() != dinum {
		t.Fatalf("draft = %v", a)
	}
	// A colleague of the same organisation sees it; another organisation is told it does not exist.
	if _, err := f.apps.GetApplication(f.as(auth.Applicant, "bob", dinum), &appv1.GetApplicationRequest{Name: a.GetName()}); err != nil {
		t.Fatalf("colleague: %v", err)
	}
	_, err = f.apps.GetApplication(f.as(auth.Applicant, "mallory", other), &appv1.GetApplicationRequest{Name: a.GetName()})
	code(t, err, codes.NotFound)
	_, err = f.apps.UpdateApplication(f.as(auth.Applicant, "mallory", other), &appv1.UpdateApplicationRequest{
		Application: &appv1.Application{Name: a.GetName(), Title: "stolen"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	code(t, err, codes.NotFound)
	list, err := f.apps.ListApplications(f.as(auth.Applicant, "mallory", other), &appv1.ListApplicationsRequest{Parent: c.GetName()})
	if err != nil || len(list.GetApplications()) != 0 {
		t.Fatalf("other organisation lists %v, %v", list, err)
	}
	list, err = f.apps.ListApplications(f.as(auth.Auditor, "auditor-1", ""), &appv1.ListApplicationsRequest{Parent: c.GetName(), Filter: `state = "DRAFT"`})
	if err != nil || len(list.GetApplications()) != 1 {
		t.Fatalf("auditor lists %v, %v", list, err)
	}
	// A reviewer reads only the files the review service lets it read (jury_test.go); here, none.
	_, err = f.apps.GetApplication(f.as(auth.Reviewer, "reviewer-1", ""), &appv1.GetApplicationRequest{Name: a.GetName()})
	code(t, err, codes.NotFound)
}

// TestDraftOnAMissingCall: a draft names a call that does not exist (its row's foreign key says
// so): NotFound naming the call, and nothing is written or audited.
func TestDraftOnAMissingCall(t *testing.T) {
	f := setup(t)
	_, err := f.apps.CreateApplication(f.as(auth.Applicant, "alice", dinum),
		&appv1.CreateApplicationRequest{Parent: "calls/nosuchcall", Application: &appv1.Application{Title: "Draft"}})
	code(t, err, codes.NotFound)
	if !strings.Contains(err.Error(), "calls/nosuchcall") {
		t.Fatalf("error %v does not name the call", err)
	}
	var rows, audited int
	if err := f.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM applications), (SELECT count(*) FROM audit_log WHERE action = 'application.create')`).Scan(&rows, &audited); err != nil {
		t.Fatal(err)
	}
	if rows != 0 || audited != 0 {
		t.Fatalf("a draft on a missing call left %d applications and %d audit entries", rows, audited)
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	_, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: &appv1.Application{Summary: "no title"}})
	violationOn(t, err, "application.title")
	// The service refuses a NUL character itself (PostgreSQL cannot store it), whoever calls it.
	_, err = f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: &appv1.Application{Title: "Draft\x00"}})
	violationOn(t, err, "application.title")
	app := completeApplication()
	app.Applicant.Siret = "12345678901234"
	_, err = f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: app})
	violationOn(t, err, "application.applicant.siret")
	app = completeApplication()
	app.Applicant.Siret = "1234"
	_, err = f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: app})
	violationOn(t, err, "application.applicant.siret") // protovalidate pattern
	app = completeApplication()
	app.BankAccount.Iban = "FR7630006000011234567890188"
	_, err = f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: app})
	violationOn(t, err, "application.bankAccount.iban")
	app = completeApplication()
	app.Applicant.Siret = other
	_, err = f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: app})
	violationOn(t, err, "application.applicant.siret")
}

func TestSubmissionFreezesAndStartsTheWorkflowThroughTheOutbox(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	a, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: &appv1.Application{Title: "Draft"}})
	if err != nil {
		t.Fatal(err)
	}
	// Incomplete: the missing fields are named, nothing is lost.
	_, err = f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: a.GetName()})
	violationOn(t, err, "application.summary")
	full := completeApplication()
	full.Name = a.GetName()
	_, err = f.apps.UpdateApplication(alice, &appv1.UpdateApplicationRequest{Application: full,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title", "summary", "applicant", "contact", "datasets", "projectBudgetCents",
			"requested_amount_cents", "milestones", "bankAccount"}}})
	if err != nil {
		t.Fatal(err)
	}
	// Another organisation cannot submit it.
	_, err = f.apps.SubmitApplication(f.as(auth.Applicant, "mallory", other), &appv1.SubmitApplicationRequest{Name: a.GetName()})
	code(t, err, codes.NotFound)

	receipt, err := f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: a.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if receipt.GetState() != "SUBMITTED" || len(receipt.GetContentSha256()) != 64 || !receipt.GetSubmitTime().AsTime().Equal(f.now) {
		t.Fatalf("receipt = %v", receipt)
	}
	var workflowID, workflowType string
	if err := f.pool.QueryRow(context.Background(), `SELECT workflow_id, workflow_type FROM outbox WHERE workflow_type = 'ApplicationWorkflow'`).Scan(&workflowID, &workflowType); err != nil {
		t.Fatal(err)
	}
	if workflowID != "application/"+a.GetName() || workflowType != "ApplicationWorkflow" {
		t.Fatalf("outbox entry = %s %s", workflowID, workflowType)
	}
	_, err = f.apps.UpdateApplication(alice, &appv1.UpdateApplicationRequest{Application: &appv1.Application{Name: a.GetName(), Title: "late"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	code(t, err, codes.FailedPrecondition)
	_, err = f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: a.GetName()})
	code(t, err, codes.FailedPrecondition)
}

func TestSubmissionWindow(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	create := func() string {
		a, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: completeApplication()})
		if err != nil {
			t.Fatal(err)
		}
		return a.GetName()
	}
	early, late, onTime := create(), create(), create()
	f.clock.Set(c.GetOpensAt().AsTime().Add(-time.Second))
	_, err := f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: early})
	code(t, err, codes.FailedPrecondition)
	f.clock.Set(c.GetClosesAt().AsTime().Add(-time.Second))
	if _, err := f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: onTime}); err != nil {
		t.Fatalf("one second before the deadline: %v", err)
	}
	f.clock.Set(c.GetClosesAt().AsTime())
	_, err = f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: late})
	code(t, err, codes.FailedPrecondition)
}

func TestWorkflowDecisionsAndAgreement(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	system := f.as(auth.System, "worker", "")
	a, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: completeApplication()})
	if err != nil {
		t.Fatal(err)
	}
	name := a.GetName()
	if _, err := f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	_, err = f.apps.CheckEligibility(alice, &appv1.CheckEligibilityRequest{Name: name})
	code(t, err, codes.PermissionDenied)
	for range 2 { // idempotent
		got, err := f.apps.CheckEligibility(system, &appv1.CheckEligibilityRequest{Name: name})
		if err != nil || got.GetState() != "ELIGIBLE" {
			t.Fatalf("eligibility = %v, %v", got, err)
		}
	}
	_, err = f.apps.SignAgreement(alice, &appv1.SignAgreementRequest{Name: name})
	code(t, err, codes.FailedPrecondition)
	_, err = f.apps.RecordDecision(system, &appv1.RecordDecisionRequest{Name: name, State: "FUNDED"})
	code(t, err, codes.FailedPrecondition)
	for _, s := range []string{"UNDER_REVIEW", "SELECTED", "SELECTED"} {
		if _, err := f.apps.RecordDecision(system, &appv1.RecordDecisionRequest{Name: name, State: s}); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	_, err = f.apps.SignAgreement(f.as(auth.Applicant, "mallory", other), &appv1.SignAgreementRequest{Name: name})
	code(t, err, codes.NotFound)
	signed, err := f.apps.SignAgreement(alice, &appv1.SignAgreementRequest{Name: name})
	if err != nil || signed.GetAgreementSignTime() == nil {
		t.Fatalf("sign = %v, %v", signed, err)
	}
	var signals int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE signal_name = 'agreement-signed'`).Scan(&signals); err != nil || signals != 1 {
		t.Fatalf("agreement signals = %d, %v", signals, err)
	}
	if _, err := f.apps.SignAgreement(alice, &appv1.SignAgreementRequest{Name: name}); err != nil {
		t.Fatalf("repeat sign: %v", err)
	}
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE signal_name = 'agreement-signed'`).Scan(&signals); err != nil || signals != 1 {
		t.Fatalf("a repeated signature signalled again: %d, %v", signals, err)
	}
	brk, n, err := audit.Verify(context.Background(), f.pool)
	if err != nil || brk != nil || n < 6 {
		t.Fatalf("audit chain: break=%v entries=%d err=%v", brk, n, err)
	}
}
