package payments

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/auth/authtest"
	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/grpcx/grpcxtest"
	"github.com/guichet/guichet/platform/pg/pgtest"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

// TestDatabaseUnreachableIsUnavailable: with its database unreachable (restarting, say), the
// service answers Unavailable, which a client retries, not Internal, and without the driver's
// error, which names the database's address.
func TestDatabaseUnreachableIsUnavailable(t *testing.T) {
	pool, addr := pgtest.Unreachable(t)
	iss := authtest.New(t)
	logger := slog.New(slog.DiscardHandler)
	srv, err := grpcx.NewServer(grpcx.ServerOptions{Policy: Policy, Verifier: iss.Verifier, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	New(pool, clock.NewFixed(time.Date(2026, 11, 27, 15, 30, 0, 0, time.UTC)), logger, Debtor{}).Register(srv)
	client := paymentsv1.NewPaymentServiceClient(grpcxtest.Serve(t, srv))
	_, err = client.GetCallBudget(iss.Context(context.Background(), auth.FinanceOfficer, "finance-1", ""),
		&paymentsv1.GetCallBudgetRequest{Name: "calls/c1/budget"})
	st := status.Convert(err)
	if st.Code() != codes.Unavailable || strings.Contains(st.Message(), addr) {
		t.Fatalf("with the database unreachable: %v, want Unavailable without the address", err)
	}
}
