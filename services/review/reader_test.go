package review_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

func TestCheckReader(t *testing.T) {
	h := newHarness(t)
	as := h.assign(assignRequest("a1", 100_000_00, time.Hour))
	rs := reviewers(as)
	system := h.as(auth.System, "worker")
	check := func(reader, role string) *reviewv1.CheckReaderResponse {
		t.Helper()
		resp, err := h.client.CheckReader(system, &reviewv1.CheckReaderRequest{Application: appName("a1"), Reader: reader, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	_, err := h.client.CheckReader(h.as(auth.Reviewer, rs[0]), &reviewv1.CheckReaderRequest{Application: appName("a1"), Reader: rs[0], Role: "reviewer"})
	wantCode(t, err, codes.PermissionDenied)
	if check(rs[0], "reviewer").GetAllowed() {
		t.Fatal("allowed before the declaration of interests")
	}
	h.sign(auth.Reviewer, rs[0])
	if r := check(rs[0], "reviewer"); r.GetAllowed() || r.GetReason() == "" {
		t.Fatalf("allowed before declaring no conflict: %v", r)
	}
	h.declare(rs[0], appName("a1"), false, "")
	if !check(rs[0], "reviewer").GetAllowed() {
		t.Fatal("an assigned reviewer with no conflict may read the file")
	}
	h.sign(auth.Reviewer, rs[1])
	h.declare(rs[1], appName("a1"), true, "I advised this team")
	if check(rs[1], "reviewer").GetAllowed() {
		t.Fatal("a recused reviewer may not read the file")
	}
	h.sign(auth.JuryChair, chair)
	var outsider string
	for _, r := range jury {
		if r != rs[0] && r != rs[1] && r != rs[2] && !h.assigned(appName("a1"), r) {
			outsider = r
			break
		}
	}
	if outsider != "" && check(outsider, "reviewer").GetAllowed() {
		t.Fatal("an unassigned reviewer may not read the file")
	}
	if !check(chair, "jury_chair").GetAllowed() {
		t.Fatal("the chair may read the file")
	}
}

// assigned reports whether subject holds any assignment (even recused) on app.
func (h *harness) assigned(app, subject string) bool {
	for _, r := range h.assignmentsOf(app) {
		if r == subject {
			return true
		}
	}
	return false
}
