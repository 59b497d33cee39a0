package applications

import (
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

func TestCallsCarryTheScheduleLimits(t *testing.T) {
	f := setup(t)
	officer := f.as(auth.ProgrammeOfficer, "officer-1", "")
	c := f.createCall(t) // sets none: the defaults
	if c.GetAdvanceMaxPercent() != 30 || c.GetInterimMaxPercent() != 80 {
		t.Fatalf("defaults: %d, %d", c.GetAdvanceMaxPercent(), c.GetInterimMaxPercent())
	}
	custom := testCall(f.now)
	custom.AdvanceMaxPercent, custom.InterimMaxPercent = 10, 50
	got, err := f.calls.CreateCall(officer, &appv1.CreateCallRequest{CallId: "strict", Call: custom})
	if err != nil || got.GetAdvanceMaxPercent() != 10 || got.GetInterimMaxPercent() != 50 {
		t.Fatalf("custom limits: %v, %v", got, err)
	}
	for _, tt := range []struct {
		advance, interim int32
		field            string
	}{
		{101, 0, "call.advanceMaxPercent"}, // protovalidate
		{0, -1, "call.interimMaxPercent"},  // protovalidate
		{0, 20, "call.advanceMaxPercent"},  // the default advance (30) above 20
		{90, 50, ""},                       // protovalidate's message rule: no field
	} {
		bad := testCall(f.now)
		bad.AdvanceMaxPercent, bad.InterimMaxPercent = tt.advance, tt.interim
		_, err := f.calls.CreateCall(officer, &appv1.CreateCallRequest{Call: bad})
		if tt.field == "" {
			code(t, err, codes.InvalidArgument)
			continue
		}
		violationOn(t, err, tt.field)
	}

	// The call's own limits apply at submission: a 30% advance is too much for "strict".
	alice := f.as(auth.Applicant, "alice", dinum)
	a, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: "calls/strict", Application: completeApplication()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: a.GetName()})
	violationOn(t, err, "application.milestones[0].trancheAmountCents")
}

func TestSubmissionChecksTheSchedule(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	tests := []struct {
		name   string
		change func(*appv1.Application)
		field  string
	}{
		{"a single tranche of 100% is a 100% advance", func(a *appv1.Application) {
			a.Milestones = []*appv1.Milestone{{Title: "All", DueDate: "2027-06-30", TrancheAmountCents: 50_000_000}}
		}, "application.milestones[0].trancheAmountCents"},
		{"advance and interim above 80%", func(a *appv1.Application) {
			a.Milestones[1].TrancheAmountCents++
			a.Milestones[2].TrancheAmountCents--
		}, "application.milestones[1].trancheAmountCents"},
		{"balance below 20%", func(a *appv1.Application) {
			a.Milestones[2].TrancheAmountCents--
			a.Milestones[0].TrancheAmountCents++
		}, "application.milestones[2].trancheAmountCents"},
		{"due the day the call closes", func(a *appv1.Application) { a.Milestones[0].DueDate = "2026-12-01" }, "application.milestones[0].dueDate"},
		{"dates out of order", func(a *appv1.Application) { a.Milestones[2].DueDate = "2027-06-30" }, "application.milestones[2].dueDate"},
		{"no milestone", func(a *appv1.Application) { a.Milestones = nil }, "application.milestones"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := completeApplication()
			tt.change(app)
			a, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: app})
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: a.GetName()})
			violationOn(t, err, tt.field)
		})
	}
}

func TestDatasetsAndEmailAreChecked(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	tests := []struct {
		name   string
		change func(*appv1.Application)
		field  string
	}{
		{"dataset slug", func(a *appv1.Application) { a.Datasets = []string{"5b7ffc618b4c4169d30727e0", "base-sirene"} }, "application.datasets[1]"},
		{"dataset over http", func(a *appv1.Application) { a.Datasets = []string{"http://www.data.gouv.fr/x"} }, "application.datasets[0]"},
		{"dataset host without a dot", func(a *appv1.Application) { a.Datasets = []string{"https://intranet/x"} }, "application.datasets[0]"}, // the domain rule
		{"email", func(a *appv1.Application) { a.Contact.Email = "alice" }, "application.contact.email"},
		{"email without a public domain", func(a *appv1.Application) { a.Contact.Email = "alice@localhost" }, "application.contact.email"}, // the domain rule
		{"rna", func(a *appv1.Application) { a.Applicant.Rna = "W1" }, "application.applicant.rna"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := completeApplication()
			tt.change(app)
			_, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: app})
			violationOn(t, err, tt.field)
		})
	}
	app := completeApplication()
	app.Datasets = []string{"5b7ffc618b4c4169d30727e0", "https://www.insee.fr/fr/statistiques/1893185"}
	app.Applicant.Rna = "W751234567"
	if _, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: app}); err != nil {
		t.Fatal(err)
	}
}
