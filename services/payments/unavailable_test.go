package payments

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/pg/pgtest"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

// TestDatabaseUnreachableIsUnavailable: with its database unreachable (restarting, say), the
// service answers Unavailable, which a client retries, not Internal, and without the driver's
// error, which names the database's address.
func TestDatabaseUnreachableIsUnavailable(t *testing.T) {
	url, addr := pgtest.Unreachable(t)
	f := startFixture(t, url)
	_, err := f.client.GetCallBudget(f.as(auth.FinanceOfficer, "finance-1"), &paymentsv1.GetCallBudgetRequest{Name: "calls/c1/budget"})
	if st := status.Convert(err); st.Code() != codes.Unavailable || strings.Contains(st.Message(), addr) {
		t.Fatalf("with the database unreachable: %v, want Unavailable without the address", err)
	}
}
