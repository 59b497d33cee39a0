package review_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/pg/pgtest"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// TestDatabaseUnreachableIsUnavailable: with its database unreachable (restarting, say), the
// service answers Unavailable, which a client retries, not Internal, and without the driver's
// error, which names the database's address.
func TestDatabaseUnreachableIsUnavailable(t *testing.T) {
	url, addr := pgtest.Unreachable(t)
	h := serveHarness(t, url)
	_, err := h.client.ListAssignments(h.as(auth.Reviewer, "reviewer-1"), &reviewv1.ListAssignmentsRequest{Parent: callName})
	if st := status.Convert(err); st.Code() != codes.Unavailable || strings.Contains(st.Message(), addr) {
		t.Fatalf("with the database unreachable: %v, want Unavailable without the address", err)
	}
}
