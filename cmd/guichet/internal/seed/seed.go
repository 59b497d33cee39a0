// Package seed creates the demo call of `make run`: €10,000,000 for projects using public data,
// open now, with the jury and finance staff of API.md's development seed.
package seed

import (
	"context"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

// DemoCallID is the demo call's identifier.
const DemoCallID = "donnees-publiques-2026"

// Reviewers of the demo jury.
var Reviewers = []string{"reviewer-1", "reviewer-2", "reviewer-3", "reviewer-4", "reviewer-5", "reviewer-6"}

// JuryContacts are the demo jury's emails (reviewer-1@jury.example.org…, chair-1@jury.example.org),
// where the review reminders and the escalation to the chair go (mailpit in development).
func JuryContacts() []*appv1.JuryContact {
	var out []*appv1.JuryContact
	for _, sub := range append(slices.Clone(Reviewers), "chair-1") {
		out = append(out, &appv1.JuryContact{Subject: sub, Email: sub + "@jury.example.org"})
	}
	return out
}

// DemoCall returns the demo call as of now.
func DemoCall(now time.Time) *appv1.Call {
	return &appv1.Call{
		Title:          "Projets utilisant les données publiques 2026",
		EnvelopeCents:  1_000_000_000, // €10,000,000
		FloorCents:     10_000_000,    // €100,000
		CeilingCents:   100_000_000,   // €1,000,000
		MaxRatePercent: 50,
		OpensAt:        timestamppb.New(now.Add(-time.Minute)),
		ClosesAt:       timestamppb.New(now.Add(30 * 24 * time.Hour)),
		ReviewDeadline: timestamppb.New(now.Add(60 * 24 * time.Hour)),
		Criteria: []*appv1.Criterion{
			{Id: "impact", Title: "Public value and impact", Weight: 1, Threshold: 3},
			{Id: "data", Title: "Use and quality of public data", Weight: 1, Threshold: 3},
			{Id: "feasibility", Title: "Feasibility, team and budget realism", Weight: 1, Threshold: 3},
		},
		OverallThreshold:        10,
		Reviewers:               Reviewers,
		Chair:                   "chair-1",
		ReviewersPerApplication: 3,
		JuryContacts:            JuryContacts(),
	}
}

// Run creates the demo call unless it exists, as the programme officer whose token is given.
func Run(ctx context.Context, calls appv1.CallServiceClient, officerToken string, now time.Time) (*appv1.Call, error) {
	if c, err := calls.GetCall(ctx, &appv1.GetCallRequest{Name: "calls/" + DemoCallID}); err == nil {
		return c, nil
	} else if status.Code(err) != codes.NotFound {
		return nil, err
	}
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+officerToken)
	return calls.CreateCall(ctx, &appv1.CreateCallRequest{CallId: DemoCallID, Call: DemoCall(now)})
}
