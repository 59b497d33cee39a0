package review_test

import (
	"slices"
	"testing"

	"github.com/guichet/guichet/platform/auth"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review"
)

// A method missing from the policy is closed to everyone: every method must be in it, none public
// but the ranking and its inputs (their handlers open them once the jury minutes are signed), and
// only the workflow worker may call the internal one.
func TestPolicyCoversEveryMethod(t *testing.T) {
	desc := reviewv1.ReviewService_ServiceDesc
	if len(review.Policy) != len(desc.Methods) {
		t.Fatalf("policy has %d methods, the service %d", len(review.Policy), len(desc.Methods))
	}
	for _, m := range desc.Methods {
		rule, ok := review.Policy["/"+desc.ServiceName+"/"+m.MethodName]
		if !ok {
			t.Fatalf("%s is missing from the policy", m.MethodName)
		}
		published := m.MethodName == "GetRanking" || m.MethodName == "GetRankingInputs"
		if rule.Public != published || (!published && len(rule.Roles) == 0) {
			t.Fatalf("%s: rule %+v", m.MethodName, rule)
		}
		if slices.Contains(rule.Roles, auth.Applicant) {
			t.Fatalf("%s is open to applicants", m.MethodName)
		}
	}
	if r := review.Policy[reviewv1.ReviewService_AssignReviewers_FullMethodName]; !slices.Equal(r.Roles, []auth.Role{auth.System}) {
		t.Fatalf("AssignReviewers open to %v", r.Roles)
	}
}
