package review_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// Parallel assignments in one call still balance the load, and reviews submitted at the same
// moment signal their workflow exactly once.
func TestConcurrentAssignmentsAndReviews(t *testing.T) {
	h := newHarness(t)

	const apps = 6
	results := make([][]*reviewv1.Assignment, apps)
	var wg sync.WaitGroup
	errs := make(chan error, apps)
	for i := range apps {
		wg.Go(func() {
			resp, err := h.client.AssignReviewers(h.as(auth.System, "worker"), assignRequest(fmt.Sprintf("a%d", i), 100_000_00, 0))
			if err != nil {
				errs <- err
				return
			}
			results[i] = resp.GetAssignments()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	load := map[string]int{}
	for _, as := range results {
		for _, a := range as {
			load[a.GetReviewer()]++
		}
	}
	// 18 assignments over 6 reviewers, made one after the other by the call's lock: 3 each.
	for _, r := range jury {
		if load[r] != 3 {
			t.Fatalf("loads %v, want 3 each", load)
		}
	}

	for _, r := range jury {
		h.sign(auth.Reviewer, r)
	}
	for _, a := range results[0] {
		h.declare(a.GetReviewer(), a.GetApplication(), false, "")
	}
	errs = make(chan error, 3)
	for _, a := range results[0] {
		wg.Go(func() {
			_, err := h.client.CreateReview(h.as(auth.Reviewer, a.GetReviewer()),
				&reviewv1.CreateReviewRequest{Parent: a.GetApplication(), Review: scores(4, 4, 4)})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sigs := h.outbox()
	if len(sigs) != 1 || sigs[0].Name != flow.SignalReviewsComplete || sigs[0].WorkflowID != flow.ApplicationWorkflowID(appName("a0")) {
		t.Fatalf("signals %+v, want one reviews-complete for a0", sigs)
	}
	h.verifyAudit()
}
