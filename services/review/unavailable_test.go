package review_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/auth/authtest"
	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/grpcx/grpcxtest"
	"github.com/guichet/guichet/platform/pg/pgtest"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review"
)

// TestDatabaseUnreachableIsUnavailable: with its database unreachable (restarting, say), the
// service answers Unavailable, which a client retries, not Internal, and without the driver's
// error, which names the database's address.
func TestDatabaseUnreachableIsUnavailable(t *testing.T) {
	pool, addr := pgtest.Unreachable(t)
	iss := authtest.New(t)
	srv, err := grpcx.NewServer(grpcx.ServerOptions{Policy: review.Policy, Verifier: iss.Verifier, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	review.New(pool, clock.NewFixed(start), slog.New(slog.DiscardHandler)).Register(srv)
	client := reviewv1.NewReviewServiceClient(grpcxtest.Serve(t, srv))
	_, err = client.ListAssignments(iss.Context(context.Background(), auth.Reviewer, "reviewer-1", ""),
		&reviewv1.ListAssignmentsRequest{Parent: callName})
	st := status.Convert(err)
	if st.Code() != codes.Unavailable || strings.Contains(st.Message(), addr) {
		t.Fatalf("with the database unreachable: %v, want Unavailable without the address", err)
	}
}
