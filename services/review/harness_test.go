package review_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/auth/authtest"
	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/grpcx/grpcxtest"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/testenv"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review"
)

// harness is the review service served over gRPC on a fresh database, with real tokens.
type harness struct {
	t      *testing.T
	pool   *pgxpool.Pool
	client reviewv1.ReviewServiceClient
	iss    *authtest.Issuer
	clock  *clock.Fixed
}

var start = time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)

func newHarness(t *testing.T) *harness {
	t.Helper()
	env := testenv.Get(t)
	if err := pg.Migrate(context.Background(), env.PostgresURL, review.Schema, review.Migrations, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return serveHarness(t, env.PostgresURL)
}

// serveHarness serves the service on the database at url, already migrated (or unreachable).
func serveHarness(t *testing.T, url string) *harness {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	pool, err := pg.Open(context.Background(), url, review.Schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	iss := authtest.New(t)
	srv, err := grpcx.NewServer(grpcx.ServerOptions{Policy: review.Policy, Verifier: iss.Verifier, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFixed(start)
	review.New(pool, clk, logger).Register(srv)
	return &harness{t: t, pool: pool, client: reviewv1.NewReviewServiceClient(grpcxtest.Serve(t, srv)), iss: iss, clock: clk}
}

// as is a request context carrying a token for role and subject.
func (h *harness) as(role auth.Role, sub string) context.Context {
	return h.iss.Context(context.Background(), role, sub, "")
}

const (
	callName = "calls/c1"
	chair    = "chair-1"
)

var jury = []string{"reviewer-1", "reviewer-2", "reviewer-3", "reviewer-4", "reviewer-5", "reviewer-6"}

func appName(id string) string { return callName + "/applications/" + id }

// assignRequest is what the workflow sends for an eligible application of calls/c1: six
// reviewers, three per application, the default grid (impact weighs double).
func assignRequest(id string, cents int64, submitted time.Duration) *reviewv1.AssignReviewersRequest {
	return &reviewv1.AssignReviewersRequest{
		Application:          appName(id),
		Title:                "Project " + id,
		RequestedAmountCents: cents,
		SubmitTime:           timestamppb.New(start.Add(-48*time.Hour + submitted)),
		Reviewers:            jury,
		Chair:                chair,
		Criteria: []*reviewv1.GridCriterion{
			{Id: "impact", Weight: 2, Threshold: 3},
			{Id: "data", Weight: 1, Threshold: 3},
			{Id: "feasibility", Weight: 1, Threshold: 3},
		},
		OverallThreshold:        12,
		EnvelopeCents:           1_000_000_00,
		ReviewersPerApplication: 3,
	}
}

func (h *harness) assign(req *reviewv1.AssignReviewersRequest) []*reviewv1.Assignment {
	h.t.Helper()
	resp, err := h.client.AssignReviewers(h.as(auth.System, "worker"), req)
	if err != nil {
		h.t.Fatalf("AssignReviewers(%s): %v", req.GetApplication(), err)
	}
	return resp.GetAssignments()
}

func (h *harness) sign(role auth.Role, sub string) *reviewv1.Declaration {
	h.t.Helper()
	d, err := h.client.SignDeclaration(h.as(role, sub), &reviewv1.SignDeclarationRequest{Parent: callName, Accepted: true})
	if err != nil {
		h.t.Fatalf("SignDeclaration(%s): %v", sub, err)
	}
	return d
}

// scores builds a review on the default grid.
func scores(impact, data, feasibility float64) *reviewv1.Review {
	return &reviewv1.Review{
		Scores: []*reviewv1.CriterionScore{
			{Criterion: "impact", Score: impact}, {Criterion: "data", Score: data}, {Criterion: "feasibility", Score: feasibility},
		},
		Comment: "read with care",
	}
}

// declare records sub's declaration on app: a conflict with its reason, or none.
func (h *harness) declare(sub, app string, conflict bool, reason string) *reviewv1.ConflictDeclaration {
	h.t.Helper()
	d, err := h.client.CreateConflict(h.as(auth.Reviewer, sub), &reviewv1.CreateConflictRequest{Parent: app, Conflict: conflict, Reason: reason})
	if err != nil {
		h.t.Fatalf("CreateConflict(%s, %s, %v): %v", sub, app, conflict, err)
	}
	return d
}

// review declares no conflict (a repeat changes nothing), then submits sub's review of app.
func (h *harness) review(sub, app string, r *reviewv1.Review) *reviewv1.Review {
	h.t.Helper()
	h.declare(sub, app, false, "")
	got, err := h.client.CreateReview(h.as(auth.Reviewer, sub), &reviewv1.CreateReviewRequest{Parent: app, Review: r})
	if err != nil {
		h.t.Fatalf("CreateReview(%s, %s): %v", sub, app, err)
	}
	return got
}

// assignmentsOf lists, as the chair sees them, the assignments of app in the given states.
func (h *harness) assignmentsOf(app string, states ...string) []string {
	h.t.Helper()
	all, err := h.client.ListAssignments(h.as(auth.JuryChair, chair), &reviewv1.ListAssignmentsRequest{Parent: callName})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, a := range all.GetAssignments() {
		if a.GetApplication() == app && slices.Contains(states, a.GetState()) {
			out = append(out, a.GetReviewer())
		}
	}
	return out
}

func reviewers(as []*reviewv1.Assignment) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.GetReviewer())
	}
	return out
}

// signal is one outbox row.
type signal struct {
	WorkflowID, Name string
	Payload          map[string]any
}

func (h *harness) outbox() []signal {
	h.t.Helper()
	rows, err := h.pool.Query(context.Background(), `SELECT workflow_id, signal_name, payload FROM outbox ORDER BY id`)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []signal
	for rows.Next() {
		var s signal
		var payload []byte
		if err := rows.Scan(&s.WorkflowID, &s.Name, &payload); err != nil {
			h.t.Fatal(err)
		}
		if err := json.Unmarshal(payload, &s.Payload); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// auditCount counts the audit entries with action.
func (h *harness) auditCount(action string) int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 OR $1 = ''`, action).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// verifyAudit checks the whole hash chain.
func (h *harness) verifyAudit() int64 {
	h.t.Helper()
	brk, n, err := audit.Verify(context.Background(), h.pool)
	if err != nil {
		h.t.Fatal(err)
	}
	if brk != nil {
		h.t.Fatalf("audit chain broken at %d: %s", brk.Seq, brk.Reason)
	}
	return n
}

// wantCode fails unless err has code.
func wantCode(t *testing.T, err error, code codes.Code) *status.Status {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	return st
}

// fieldViolations lists the fields of an InvalidArgument's BadRequest detail.
func fieldViolations(st *status.Status) []string {
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	return out
}
