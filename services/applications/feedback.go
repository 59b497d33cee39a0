package applications

import (
	"context"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/applications/domain"
)

// FeedbackSource fetches an application's decision feedback from the review service, which holds
// the reviews and the ranking and anonymises the reviewers. It asks as the platform itself: the
// applications service has already decided that the caller may see the application.
type FeedbackSource interface {
	Feedback(ctx context.Context, feedback string) (*reviewv1.Feedback, error)
}

// undecided are the states in which the jury has not decided an application yet.
var undecided = map[domain.State]bool{
	domain.Draft: true, domain.Submitted: true, domain.Eligible: true, domain.Ineligible: true, domain.UnderReview: true,
}

// GetApplicationFeedback shows the application's decision feedback to its organisation (others
// get NotFound, as for GetApplication) and to the staff who may read it, once a decision exists.
func (s *Service) GetApplicationFeedback(ctx context.Context, req *appv1.GetApplicationFeedbackRequest) (*reviewv1.Feedback, error) {
	p := auth.FromContext(ctx)
	name := strings.TrimSuffix(req.GetName(), "/feedback")
	a, err := s.load(ctx, nil, p, name)
	if err != nil {
		return nil, err
	}
	if undecided[a.State] {
		return nil, status.Errorf(codes.FailedPrecondition, "%s has no decision yet (it is %s): its feedback is available once the jury has ranked the call", name, a.State)
	}
	if s.feedback == nil {
		return nil, status.Errorf(codes.Unavailable, "the review service is not reachable from the applications service: no feedback for %s", name)
	}
	f, err := s.feedback.Feedback(ctx, req.GetName())
	switch status.Code(err) {
	case codes.OK:
		return f, nil
	case codes.NotFound, codes.FailedPrecondition:
		// Withdrawn before the jury decided: there is nothing to explain.
		return nil, status.Errorf(codes.FailedPrecondition, "%s has no decision of the jury: %s", name, status.Convert(err).Message())
	case codes.Unavailable, codes.DeadlineExceeded:
		return nil, status.Errorf(codes.Unavailable, "the review service could not give the feedback of %s: %v", name, err)
	case codes.Canceled:
		// The caller went away: no fault of either service.
		return nil, status.Errorf(codes.Canceled, "the request for the feedback of %s was canceled: %v", name, err)
	}
	// Anything else is a fault between the two services (the platform's own call refused or
	// malformed): retrying will not help, so it is not reported as Unavailable.
	return nil, status.Errorf(codes.Internal, "the review service refused the feedback of %s: %v", name, err)
}
