package applications

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

// TestJuryContacts: the jury's emails are stored with the call, refused when they name someone
// outside the jury or are not addresses, and shown to the programme officer and the worker only.
func TestJuryContacts(t *testing.T) {
	f := setup(t)
	officer := f.as(auth.ProgrammeOfficer, "officer-1", "")
	for _, tc := range []struct {
		contacts []*appv1.JuryContact
		field    string
	}{
		{[]*appv1.JuryContact{{Subject: "reviewer-1", Email: "r1@jury.example.org"}, {Subject: "stranger", Email: "s@jury.example.org"}}, "call.juryContacts[1].subject"},
		{[]*appv1.JuryContact{{Subject: "chair-1", Email: "c@x"}, {Subject: "chair-1", Email: "c@jury.example.org"}}, "call.juryContacts[1].subject"},
		{[]*appv1.JuryContact{{Subject: "reviewer-2", Email: "not an address"}}, "call.juryContacts[0].email"}, // protovalidate
		{[]*appv1.JuryContact{{Subject: "reviewer-2", Email: "r2@localhost"}}, "call.juryContacts[0].email"},   // the domain rule
	} {
		c := testCall(f.now)
		c.JuryContacts = tc.contacts
		_, err := f.calls.CreateCall(officer, &appv1.CreateCallRequest{Call: c})
		violationOn(t, err, tc.field)
	}

	c := testCall(f.now)
	c.JuryContacts = []*appv1.JuryContact{{Subject: "reviewer-1", Email: "reviewer-1@jury.example.org"}, {Subject: "chair-1", Email: "chair-1@jury.example.org"}}
	created, err := f.calls.CreateCall(officer, &appv1.CreateCallRequest{CallId: "data-2026", Call: c})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(&appv1.Call{JuryContacts: created.GetJuryContacts()}, &appv1.Call{JuryContacts: c.GetJuryContacts()}) {
		t.Fatalf("contacts = %v", created.GetJuryContacts())
	}
	for _, tc := range []struct {
		role auth.Role
		sees bool
	}{{auth.ProgrammeOfficer, true}, {auth.System, true}, {auth.Applicant, false}, {auth.Reviewer, false}, {auth.JuryChair, false}, {auth.Auditor, false}} {
		got, err := f.calls.GetCall(f.as(tc.role, "someone", dinum), &appv1.GetCallRequest{Name: created.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		if (len(got.GetJuryContacts()) == 2) != tc.sees {
			t.Fatalf("%s sees contacts %v", tc.role, got.GetJuryContacts())
		}
		list, err := f.calls.ListCalls(f.as(tc.role, "someone", dinum), &appv1.ListCallsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if (len(list.GetCalls()[0].GetJuryContacts()) == 2) != tc.sees {
			t.Fatalf("%s lists contacts %v", tc.role, list.GetCalls()[0].GetJuryContacts())
		}
	}
}

// TestJuryNamesAsTheIdentityProviderGivesThem: a reviewer or chair named with a space before or
// after is refused, by its field, here where the call is kept: the review service, the notices
// and the tokens all match subjects exactly.
func TestJuryNamesAsTheIdentityProviderGivesThem(t *testing.T) {
	f := setup(t)
	officer := f.as(auth.ProgrammeOfficer, "officer-1", "")
	for _, tc := range []struct {
		change func(*appv1.Call)
		field  string
	}{
		{func(c *appv1.Call) { c.Reviewers[0] = " " + c.Reviewers[0] }, "call.reviewers[0]"},
		{func(c *appv1.Call) { c.Reviewers[2] += " " }, "call.reviewers[2]"},
		{func(c *appv1.Call) { c.Chair = "chair-1\t" }, "call.chair"},
	} {
		c := testCall(f.now)
		tc.change(c)
		_, err := f.calls.CreateCall(officer, &appv1.CreateCallRequest{Call: c})
		violationOn(t, err, tc.field)
	}
}
