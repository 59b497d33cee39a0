package applications

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

func TestCallCalendar(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	var started int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE workflow_id = $1 AND workflow_type = 'CallWorkflow'`,
		"call/"+c.GetName()).Scan(&started); err != nil || started != 1 {
		t.Fatalf("call workflow starts = %d, %v", started, err)
	}
	officer := f.as(auth.ProgrammeOfficer, "officer-1", "")
	closes := c.GetClosesAt().AsTime()
	extend := func(closesAt time.Time) error {
		_, err := f.calls.ExtendCall(officer, &appv1.ExtendCallRequest{Name: c.GetName(), ClosesAt: timestamppb.New(closesAt), Reason: "more time for small associations"})
		return err
	}
	violationOn(t, extend(closes.Add(-time.Minute)), "closesAt")             // never brought forward
	violationOn(t, extend(c.GetReviewDeadline().AsTime()), "reviewDeadline") // the review deadline must stay after
	_, err := f.calls.ExtendCall(f.as(auth.Applicant, "alice", dinum), &appv1.ExtendCallRequest{Name: c.GetName(),
		ClosesAt: timestamppb.New(closes.Add(time.Hour)), Reason: "more time for small associations"})
	code(t, err, codes.PermissionDenied)
	if err := extend(closes.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := f.calls.GetCall(context.Background(), &appv1.GetCallRequest{Name: c.GetName()})
	if err != nil || !got.GetClosesAt().AsTime().Equal(closes.Add(time.Hour)) {
		t.Fatalf("after extension: %v %v", got, err)
	}
	// A submission after the old deadline, before the new one, is accepted.
	alice := f.as(auth.Applicant, "alice", dinum)
	a, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: completeApplication()})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(closes.Add(time.Minute))
	if _, err := f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: a.GetName()}); err != nil {
		t.Fatalf("submission within the extension: %v", err)
	}
	// Once closed, no more extension.
	f.clock.Set(closes.Add(2 * time.Hour))
	code(t, extend(closes.Add(3*time.Hour)), codes.FailedPrecondition)

	system := f.as(auth.System, "worker", "")
	for _, step := range []struct{ to, want string }{{"CLOSED", "CLOSED"}, {"REVIEW", "REVIEW"}, {"CLOSED", "REVIEW"}} {
		got, err := f.calls.AdvanceCall(system, &appv1.AdvanceCallRequest{Name: c.GetName(), State: step.to})
		if err != nil || got.GetState() != step.want {
			t.Fatalf("advance to %s: %v %v", step.to, got.GetState(), err)
		}
	}
	_, err = f.calls.AdvanceCall(officer, &appv1.AdvanceCallRequest{Name: c.GetName(), State: "SELECTION"})
	code(t, err, codes.PermissionDenied)
}
