package review_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/guichet/guichet/platform/auth"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
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
		req.Reviewers = []string{"reviewer-1", "reviewer-2", "reviewer-3"}
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
	t.Run("fewer than three reviewers per application", func(t *testing.T) {
		req := assignRequest("a7", 100_000_00, 0)
		req.ReviewersPerApplication = 2
		_, err := h.client.AssignReviewers(h.as(auth.System, "worker"), req)
		st := wantCode(t, err, codes.InvalidArgument)
		if f := fieldViolations(st); !slices.Equal(f, []string{"reviewers_per_application"}) && !slices.Equal(f, []string{"reviewersPerApplication"}) {
			t.Fatalf("violations %v", f)
		}
	})
	t.Run("blank keyword", func(t *testing.T) {
		req := assignRequest("a8", 100_000_00, 0)
		req.Keywords = []string{"tax", "   "}
		_, err := h.client.AssignReviewers(h.as(auth.System, "worker"), req)
		st := wantCode(t, err, codes.InvalidArgument)
		if f := fieldViolations(st); !slices.Equal(f, []string{"keywords[1]"}) {
			t.Fatalf("violations %v", f)
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

// Assigning a call's applications one by one never takes a reviewer above the call's load cap,
// and the same seed gives the same assignment on any database; the seed is the call's.
func TestAssignmentLoadCapAndSeed(t *testing.T) {
	limit := int32(5)
	run := func(seed int64) map[string][]string {
		h := newHarness(t)
		out := map[string][]string{}
		for i := range 10 {
			req := assignRequest(fmt.Sprintf("a%d", i), 100_000_00, time.Duration(i)*time.Minute)
			req.Seed = seed
			req.MaxLoadPerReviewer = &limit
			req.Keywords = []string{[]string{"tax", "health"}[i%2]}
			out[req.GetApplication()] = reviewers(h.assign(req))
		}
		load := map[string]int{}
		for app, rs := range out {
			if len(rs) != 3 {
				t.Fatalf("%s has %v", app, rs)
			}
			for _, r := range rs {
				load[r]++
			}
		}
		for r, l := range load {
			if l > int(limit) {
				t.Fatalf("%s holds %d assignments, above the cap of %d: %v", r, l, limit, out)
			}
		}
		var stored int64
		if err := h.pool.QueryRow(context.Background(), `SELECT seed FROM calls WHERE call = 'c1'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if seed != 0 && stored != seed || seed == 0 && stored == 0 {
			t.Fatalf("stored seed %d for %d", stored, seed)
		}
		return out
	}
	first, second := run(7), run(7)
	if !maps.EqualFunc(first, second, slices.Equal) {
		t.Fatalf("the same seed assigned %v and %v", first, second)
	}
	if derived, again := run(0), run(0); !maps.EqualFunc(derived, again, slices.Equal) {
		t.Fatalf("the derived seed assigned %v and %v", derived, again)
	}
}

// Reviewers declare their expertise with the declaration of interests; the assignments made from
// then on prefer it among the least loaded.
func TestAssignmentPrefersExpertise(t *testing.T) {
	h := newHarness(t)
	first := reviewers(h.assign(assignRequest("a1", 100_000_00, 0)))
	var idle []string
	for _, r := range jury {
		if !slices.Contains(first, r) {
			idle = append(idle, r)
		}
	}
	// Two loaded reviewers and one idle one know tax data.
	experts := []string{first[0], first[1], idle[0]}
	for _, r := range jury {
		var expertise []string
		if slices.Contains(experts, r) {
			expertise = []string{" Tax Data", "companies"}
		}
		d, err := h.client.SignDeclaration(h.as(auth.Reviewer, r), &reviewv1.SignDeclarationRequest{Parent: callName, Accepted: true, Expertise: expertise})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(experts, r) && !slices.Equal(d.GetExpertise(), []string{"companies", "tax data"}) {
			t.Fatalf("declared expertise %q", d.GetExpertise())
		}
	}
	withKeywords := func(id string) *reviewv1.AssignReviewersRequest {
		req := assignRequest(id, 100_000_00, 0)
		req.Keywords = []string{"tax data"}
		return req
	}
	// a2: the loads come first, so the three idle reviewers, expert or not.
	if got := reviewers(h.assign(withKeywords("a2"))); !slices.Equal(got, idle) {
		t.Fatalf("a2 went to %v, want the idle %v", got, idle)
	}
	// a3: everyone holds one; the three experts are preferred.
	got := reviewers(h.assign(withKeywords("a3")))
	slices.Sort(got)
	want := slices.Clone(experts)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("a3 went to %v, want the experts %v", got, want)
	}
}

func TestSignDeclarationExpertise(t *testing.T) {
	h := newHarness(t)
	r := reviewers(h.assign(assignRequest("a1", 100_000_00, 0)))[0]
	ctx := h.as(auth.Reviewer, r)
	_, err := h.client.SignDeclaration(ctx, &reviewv1.SignDeclarationRequest{Parent: callName, Accepted: true, Expertise: []string{"tax", " "}})
	if st := wantCode(t, err, codes.InvalidArgument); !slices.Equal(fieldViolations(st), []string{"expertise[1]"}) {
		t.Fatalf("violations %v", fieldViolations(st))
	}
	d := h.sign(auth.Reviewer, r)
	if len(d.GetExpertise()) != 0 {
		t.Fatalf("expertise %v", d.GetExpertise())
	}
	h.clock.Advance(time.Hour)
	d, err = h.client.SignDeclaration(ctx, &reviewv1.SignDeclarationRequest{Parent: callName, Accepted: true, Expertise: []string{"Health", "health"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.GetExpertise(), []string{"health"}) || !d.GetSignTime().AsTime().Equal(start) {
		t.Fatalf("declaration %v", d)
	}
	if h.auditCount("declaration.signed") != 1 || h.auditCount("declaration.expertise_changed") != 1 {
		t.Fatal("want one signature and one change of expertise in the audit log")
	}
	var stored []string
	if err := h.pool.QueryRow(context.Background(), `SELECT expertise FROM declarations WHERE reviewer = $1`, r).Scan(&stored); err != nil || !slices.Equal(stored, []string{"health"}) {
		t.Fatalf("stored %v (%v)", stored, err)
	}
	h.verifyAudit()
}
