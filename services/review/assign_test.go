package review_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/guichet/guichet/platform/auth"
)

// The workflow retries AssignReviewers: a repeat returns the first assignment and changes nothing.
func TestAssignReviewersIsIdempotent(t *testing.T) {
	h := newHarness(t)
	first := h.assign(assignRequest("a1", 100_000_00, 0))
	entries := h.auditCount("")
	h.clock.Advance(time.Hour)
	again := h.assign(assignRequest("a1", 100_000_00, 0))
	if len(first) != 3 || len(again) != 3 {
		t.Fatalf("assignments %v then %v", first, again)
	}
	for i := range first {
		if !proto.Equal(first[i], again[i]) {
			t.Fatalf("the repeat returned %v, first %v", again[i], first[i])
		}
	}
	if n := h.auditCount(""); n != entries {
		t.Fatalf("the repeat wrote %d audit entries", n-entries)
	}
	var rows int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM assignments`).Scan(&rows); err != nil || rows != 3 {
		t.Fatalf("%d assignment rows (%v), want 3", rows, err)
	}

	// A changed configuration is recorded and audited, the assignment still left alone.
	req := assignRequest("a1", 100_000_00, 0)
	req.EnvelopeCents = 2_000_000_00
	again = h.assign(req)
	if !slices.Equal(reviewers(again), reviewers(first)) {
		t.Fatalf("reconfiguring reassigned: %v then %v", reviewers(first), reviewers(again))
	}
	var envelope int64
	if err := h.pool.QueryRow(context.Background(), `SELECT envelope_cents FROM calls WHERE call = 'c1'`).Scan(&envelope); err != nil || envelope != 2_000_000_00 {
		t.Fatalf("envelope %d (%v)", envelope, err)
	}
	if n := h.auditCount("call.reconfigured"); n != 1 {
		t.Fatalf("%d call.reconfigured entries, want 1", n)
	}
	h.verifyAudit()
}

// The same applications assigned in the same order give the same reviewers, on any database.
func TestAssignReviewersIsDeterministic(t *testing.T) {
	run := func() [][]string {
		h := newHarness(t)
		var out [][]string
		for i := range 5 {
			out = append(out, reviewers(h.assign(assignRequest(fmt.Sprintf("a%d", i), 100_000_00, time.Duration(i)*time.Minute))))
		}
		return out
	}
	first, second := run(), run()
	if !slices.EqualFunc(first, second, slices.Equal) {
		t.Fatalf("two runs assigned %v and %v", first, second)
	}
	load := map[string]int{}
	for _, rs := range first {
		for _, r := range rs {
			load[r]++
		}
	}
	// 15 assignments over 6 reviewers: 2 or 3 each.
	for _, r := range jury {
		if load[r] < 2 || load[r] > 3 {
			t.Fatalf("loads %v are not balanced", load)
		}
	}
}

func TestAssignReviewersRefusals(t *testing.T) {
	h := newHarness(t)

	t.Run("jury too small", func(t *testing.T) {
		req := assignRequest("a1", 100_000_00, 0)
		req.Reviewers = []string{"reviewer-1", "reviewer-2"}
		_, err := h.client.AssignReviewers(h.as(auth.System, "worker"), req)
		wantCode(t, err, codes.FailedPrecondition)
		var calls int
		if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM calls`).Scan(&calls); err != nil || calls != 0 {
			t.Fatalf("%d calls stored (%v) by a refused assignment", calls, err)
		}
	})
	t.Run("the chair counts only when listed", func(t *testing.T) {
		req := assignRequest("a2", 100_000_00, 0)
		req.Reviewers = []string{"reviewer-1", "reviewer-2"}
		req.ReviewersPerApplication = 2
		for _, r := range reviewers(h.assign(req)) {
			if r == chair {
				t.Fatal("the chair was assigned")
			}
		}
		req = assignRequest("a3", 100_000_00, 0)
		req.Reviewers = []string{"reviewer-1", "reviewer-2", chair}
		if rs := reviewers(h.assign(req)); !slices.Contains(rs, chair) {
			t.Fatalf("the chair listed as a reviewer was not assigned: %v", rs)
		}
	})
	t.Run("unusable grid", func(t *testing.T) {
		req := assignRequest("a4", 100_000_00, 0)
		req.Criteria[1].Id = "impact"
		_, err := h.client.AssignReviewers(h.as(auth.System, "worker"), req)
		st := wantCode(t, err, codes.InvalidArgument)
		if f := fieldViolations(st); !slices.Equal(f, []string{"criteria[1].id"}) {
			t.Fatalf("violations %v", f)
		}
	})
	t.Run("no submission instant", func(t *testing.T) {
		req := assignRequest("a5", 100_000_00, 0)
		req.SubmitTime = nil
		_, err := h.client.AssignReviewers(h.as(auth.System, "worker"), req)
		wantCode(t, err, codes.InvalidArgument)
	})
	t.Run("only the workflow worker assigns", func(t *testing.T) {
		for _, role := range []auth.Role{auth.Reviewer, auth.JuryChair, auth.ProgrammeOfficer} {
			_, err := h.client.AssignReviewers(h.as(role, "someone"), assignRequest("a6", 100_000_00, 0))
			wantCode(t, err, codes.PermissionDenied)
		}
		_, err := h.client.AssignReviewers(context.Background(), assignRequest("a6", 100_000_00, 0))
		wantCode(t, err, codes.Unauthenticated)
	})
}
