package applications

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// reviewFeedback stands in for the review service in this component test (as juryRoster does):
// the feedback it holds per name, NotFound for the others. The end-to-end tests use the real one.
type reviewFeedback struct {
	held  map[string]*reviewv1.Feedback
	asked []string
	// fail, when set, is the answer to every request (the review service down, or refusing).
	fail error
}

func (r *reviewFeedback) Feedback(_ context.Context, name string) (*reviewv1.Feedback, error) {
	r.asked = append(r.asked, name)
	if r.fail != nil {
		return nil, r.fail
	}
	if f, ok := r.held[name]; ok {
		return f, nil
	}
	return nil, status.Errorf(codes.NotFound, "feedback %s not found", name)
}

// The organisation reads its feedback once decided, others see no such application, and the
// review service is not even asked before a decision or for a caller who may not see the file.
func TestFeedbackToItsOrganisationOnceDecided(t *testing.T) {
	source := &reviewFeedback{held: map[string]*reviewv1.Feedback{}}
	f := setupWith(t, func(o *Options) { o.Feedback = source })
	c := f.createCall(t)
	name := f.submitted(t, c.GetName(), dinum)
	owner := f.as(auth.Applicant, "applicant-"+dinum, dinum)
	system := f.as(auth.System, "worker", "")
	get := func(ctx context.Context) (*reviewv1.Feedback, error) {
		return f.apps.GetApplicationFeedback(ctx, &appv1.GetApplicationFeedbackRequest{Name: name + "/feedback"})
	}

	_, err := get(owner)
	code(t, err, codes.FailedPrecondition)
	if !strings.Contains(status.Convert(err).Message(), "no decision yet") {
		t.Fatalf("message %q", status.Convert(err).Message())
	}
	if _, err := f.apps.CheckEligibility(system, &appv1.CheckEligibilityRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"UNDER_REVIEW", "RESERVE"} {
		if _, err := f.apps.RecordDecision(system, &appv1.RecordDecisionRequest{Name: name, State: s}); err != nil {
			t.Fatal(err)
		}
	}
	source.held[name+"/feedback"] = &reviewv1.Feedback{Name: name + "/feedback", Application: name, Decision: "RESERVE", ReservePosition: 1}

	got, err := get(owner)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetDecision() != "RESERVE" || got.GetReservePosition() != 1 {
		t.Fatalf("feedback %v", got)
	}
	if _, err := get(f.as(auth.ProgrammeOfficer, "officer-1", "")); err != nil {
		t.Fatal(err)
	}
	asked := len(source.asked)
	_, err = get(f.as(auth.Applicant, "mallory", other))
	code(t, err, codes.NotFound)
	if len(source.asked) != asked {
		t.Fatal("the review service was asked for another organisation's feedback")
	}
	_, err = f.apps.GetApplicationFeedback(f.as(auth.Applicant, "applicant-"+dinum, dinum), &appv1.GetApplicationFeedbackRequest{Name: name})
	code(t, err, codes.InvalidArgument)

	// The review service knows no decision (a withdrawal before the jury decided): 409 as well.
	delete(source.held, name+"/feedback")
	_, err = get(owner)
	code(t, err, codes.FailedPrecondition)

	// The review service down is Unavailable (retry later); refusing the platform's own call is
	// Internal, not something a retry changes.
	source.fail = status.Error(codes.Unavailable, "connection refused")
	_, err = get(owner)
	code(t, err, codes.Unavailable)
	source.fail = status.Error(codes.PermissionDenied, "role system may not call GetFeedback")
	_, err = get(owner)
	code(t, err, codes.Internal)
	// A caller that went away is no fault of either service.
	source.fail = status.Error(codes.Canceled, "context canceled")
	_, err = get(owner)
	code(t, err, codes.Canceled)
}
