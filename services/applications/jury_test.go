package applications

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

// juryRoster stands in for the review service in this component test: who may read which file.
// The end-to-end tests use the real review service.
type juryRoster map[string]bool

func (j juryRoster) MayRead(_ context.Context, application string, reader auth.Principal) (bool, error) {
	return j[application+" "+reader.Subject], nil
}

func TestJuryReadsOnlyItsFilesWithoutBankDetails(t *testing.T) {
	roster := juryRoster{}
	f := setupWith(t, func(o *Options) { o.Readers = roster })
	c := f.createCall(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	a, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: completeApplication()})
	if err != nil {
		t.Fatal(err)
	}
	name := a.GetName()
	roster[name+" reviewer-1"] = true
	// A draft is nobody's business but its organisation's.
	_, err = f.apps.GetApplication(f.as(auth.Reviewer, "reviewer-1", ""), &appv1.GetApplicationRequest{Name: name})
	code(t, err, codes.NotFound)
	if _, err := f.apps.SubmitApplication(alice, &appv1.SubmitApplicationRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	got, err := f.apps.GetApplication(f.as(auth.Reviewer, "reviewer-1", ""), &appv1.GetApplicationRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetTitle() != "Bankruptcy risk" || got.GetBankAccount() != nil {
		t.Fatalf("a reviewer sees %v", got)
	}
	_, err = f.apps.GetApplication(f.as(auth.Reviewer, "reviewer-2", ""), &appv1.GetApplicationRequest{Name: name})
	code(t, err, codes.NotFound)
	_, err = f.apps.GetApplication(f.as(auth.JuryChair, "chair-1", ""), &appv1.GetApplicationRequest{Name: name})
	code(t, err, codes.NotFound)
	roster[name+" chair-1"] = true
	if _, err := f.apps.GetApplication(f.as(auth.JuryChair, "chair-1", ""), &appv1.GetApplicationRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	// Without the review service, no jury member reads anything.
	g := setup(t)
	_, err = g.apps.GetApplication(g.as(auth.Reviewer, "reviewer-1", ""), &appv1.GetApplicationRequest{Name: name})
	code(t, err, codes.NotFound)
}
