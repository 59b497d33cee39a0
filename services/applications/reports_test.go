package applications

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

// funded walks a complete application to FUNDED as the workflow would.
func (f *fixture) funded(t *testing.T) string {
	t.Helper()
	c := f.createCall(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	system := f.as(auth.System, "worker", "")
	a, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: completeApplication()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: a.GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.CheckEligibility(system, &appv1.CheckEligibilityRequest{Name: a.GetName()}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"UNDER_REVIEW", "SELECTED", "FUNDED"} {
		if _, err := f.apps.RecordDecision(system, &appv1.RecordDecisionRequest{Name: a.GetName(), State: s}); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return a.GetName()
}

func TestMilestoneReports(t *testing.T) {
	f := setup(t)
	name := f.funded(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	report := func(seq int32) *appv1.MilestoneReport {
		return &appv1.MilestoneReport{Sequence: seq, Summary: "The pilot model is trained on three years of tax data.",
			Deliverables: []string{"https://example.org/pilot-report.pdf"}}
	}
	_, err := f.apps.CreateReport(f.as(auth.Applicant, "mallory", other), &appv1.CreateReportRequest{Parent: name, Report: report(2)})
	code(t, err, codes.NotFound)
	_, err = f.apps.CreateReport(f.as(auth.ProgrammeOfficer, "officer-1", ""), &appv1.CreateReportRequest{Parent: name, Report: report(2)})
	code(t, err, codes.PermissionDenied)
	_, err = f.apps.CreateReport(alice, &appv1.CreateReportRequest{Parent: name, Report: report(1)})
	violationOn(t, err, "report.sequence") // the advance needs no report
	_, err = f.apps.CreateReport(alice, &appv1.CreateReportRequest{Parent: name, Report: report(4)})
	violationOn(t, err, "report.sequence") // three milestones
	short := report(2)
	short.Summary = "done"
	_, err = f.apps.CreateReport(alice, &appv1.CreateReportRequest{Parent: name, Report: short})
	violationOn(t, err, "report.summary")

	r, err := f.apps.CreateReport(alice, &appv1.CreateReportRequest{Parent: name, Report: report(2)})
	if err != nil {
		t.Fatal(err)
	}
	if r.GetFinal() || r.GetSubmittedBy() != "alice" {
		t.Fatalf("report = %v", r)
	}
	final, err := f.apps.CreateReport(alice, &appv1.CreateReportRequest{Parent: name, Report: report(3)})
	if err != nil || !final.GetFinal() {
		t.Fatalf("final report = %v, %v", final, err)
	}
	var signals int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE signal_name = 'report-submitted' AND workflow_id = $1`,
		"application/"+name).Scan(&signals); err != nil || signals != 2 {
		t.Fatalf("report signals = %d, %v", signals, err)
	}
	list, err := f.apps.ListReports(f.as(auth.ProgrammeOfficer, "officer-1", ""), &appv1.ListReportsRequest{Parent: name})
	if err != nil || len(list.GetReports()) != 2 || list.GetReports()[0].GetName() != r.GetName() {
		t.Fatalf("reports = %v, %v", list, err)
	}
	_, err = f.apps.ListReports(f.as(auth.Applicant, "mallory", other), &appv1.ListReportsRequest{Parent: name})
	code(t, err, codes.NotFound)

	// Once the programme officer certified tranche 2 on its report, the report stays as it was.
	f.tranches.set(2, "CERTIFIED")
	_, err = f.apps.CreateReport(alice, &appv1.CreateReportRequest{Parent: name, Report: report(2)})
	code(t, err, codes.FailedPrecondition)
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE signal_name = 'report-submitted' AND workflow_id = $1`,
		"application/"+name).Scan(&signals); err != nil || signals != 2 {
		t.Fatalf("report signals after the refusal = %d, %v", signals, err)
	}
}

func TestReportsOnlyForFundedProjects(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	a, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: completeApplication()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.apps.CreateReport(alice, &appv1.CreateReportRequest{Parent: a.GetName(),
		Report: &appv1.MilestoneReport{Sequence: 2, Summary: "A report for a project that is only a draft."}})
	code(t, err, codes.FailedPrecondition)
}
