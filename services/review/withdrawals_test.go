package review_test

import (
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

func promotedSignals(h *harness, app string) int {
	n := 0
	for _, s := range h.outbox() {
		if s.WorkflowID == "application/"+appName(app) && s.Name == "ranked" && s.Payload["decision"] == "SELECTED" {
			n++
		}
	}
	return n
}

// TestWithdrawalPromotesTheReserve: a2 (600 000 €) is the laureate, a1 (500 000 €) the reserve;
// the 400 000 € left cannot fund a1 until a2 withdraws.
func TestWithdrawalPromotesTheReserve(t *testing.T) {
	h := rankedCall(t)
	system := h.as(auth.System, "worker")
	_, err := h.client.RecordWithdrawal(h.as(auth.JuryChair, chair), &reviewv1.RecordWithdrawalRequest{Application: appName("a2"), Withdrawn: true})
	wantCode(t, err, codes.PermissionDenied)
	if promotedSignals(h, "a1") != 0 {
		t.Fatal("a1 selected before any withdrawal")
	}
	for range 2 { // a repeat changes nothing
		resp, err := h.client.RecordWithdrawal(system, &reviewv1.RecordWithdrawalRequest{Application: appName("a2"), Withdrawn: true, Reason: "the team left"})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetPromoted()) != 1 || resp.GetPromoted()[0] != appName("a1") || resp.GetAvailableCents() != 500_000_00 {
			t.Fatalf("response = %v", resp)
		}
	}
	if n := promotedSignals(h, "a1"); n != 1 {
		t.Fatalf("a1 promoted %d times", n)
	}
	if h.auditCount("reserve.promoted") != 1 || h.auditCount("withdrawal.recorded") != 1 {
		t.Fatal("promotion not audited once")
	}
	h.verifyAudit()
}

// TestDecommitmentReleasesMoneyToTheReserve: a2 stays funded but 100 000 € of its tranches are
// cancelled: with the 400 000 € unused, a1's 500 000 € now fit.
func TestDecommitmentReleasesMoneyToTheReserve(t *testing.T) {
	h := rankedCall(t)
	system := h.as(auth.System, "worker")
	resp, err := h.client.RecordWithdrawal(system, &reviewv1.RecordWithdrawalRequest{Application: appName("a2"), ReleasedCents: 50_000_00})
	if err != nil || len(resp.GetPromoted()) != 0 {
		t.Fatalf("50 000 € released: %v %v", resp, err)
	}
	// A second decommitment of the same project is the same event: it changes nothing.
	resp, err = h.client.RecordWithdrawal(system, &reviewv1.RecordWithdrawalRequest{Application: appName("a2"), ReleasedCents: 100_000_00})
	if err != nil || len(resp.GetPromoted()) != 0 || resp.GetAvailableCents() != 450_000_00 {
		t.Fatalf("repeat: %v %v", resp, err)
	}
	if promotedSignals(h, "a1") != 0 {
		t.Fatal("a1 promoted without enough money")
	}
}
