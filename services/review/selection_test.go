package review_test

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// rankedCall sets up calls/c1 with the feasibility-first tie-break: a1 and a2 tie on the total
// (16), a1 with the better impact, a2 with the better feasibility, so the tie-break puts a2
// first; the envelope (1 000 000 €) funds a2 (600 000 €) and leaves a1 (500 000 €) in reserve;
// a3 has the best total but misses the data threshold. reviewer-1's déport on a3 goes to the minutes.
func rankedCall(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	type app struct {
		id     string
		cents  int64
		review *reviewv1.Review
	}
	apps := []app{
		{"a1", 500_000_00, scores(4, 4, 4)},
		{"a2", 600_000_00, scores(3.5, 4, 5)},
		{"a3", 100_000_00, scores(5, 2, 5)},
	}
	assigned := map[string][]*reviewv1.Assignment{}
	for i, a := range apps {
		req := assignRequest(a.id, a.cents, time.Duration(i)*time.Hour)
		req.TieBreakCriteria = []string{"feasibility"}
		assigned[a.id] = h.assign(req)
	}
	for _, r := range jury {
		h.sign(auth.Reviewer, r)
	}
	h.sign(auth.JuryChair, chair)
	// A déport on a3, whose replacement then reviews.
	first := reviewers(assigned["a3"])[0]
	h.declare(first, appName("a3"), true, "former employer of the <project> lead")
	for _, a := range apps {
		for _, r := range h.assignmentsOf(appName(a.id), "ASSIGNED") {
			h.review(r, appName(a.id), a.review)
		}
	}
	if _, err := h.client.RankCall(h.as(auth.JuryChair, chair), &reviewv1.RankCallRequest{Name: callName}); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestTieBreakAndPublishedInputs(t *testing.T) {
	h := rankedCall(t)
	r, err := h.client.GetRanking(h.as(auth.Auditor, "auditor"), &reviewv1.GetRankingRequest{Name: callName + "/ranking"})
	if err != nil {
		t.Fatal(err)
	}
	var order, decisions []string
	for _, e := range r.GetEntries() {
		order = append(order, strings.TrimPrefix(e.GetApplication(), callName+"/applications/"))
		decisions = append(decisions, e.GetDecision())
	}
	if !slices.Equal(order, []string{"a3", "a2", "a1"}) || !slices.Equal(decisions, []string{"REJECTED", "SELECTED", "RESERVE"}) {
		t.Fatalf("ranking %v %v, want a3 REJECTED, a2 SELECTED, a1 RESERVE", order, decisions)
	}

	body, err := h.client.GetRankingInputs(h.as(auth.ProgrammeOfficer, "po"), &reviewv1.GetRankingInputsRequest{Name: callName + "/ranking"})
	if err != nil {
		t.Fatal(err)
	}
	if body.GetContentType() != "application/json" {
		t.Fatalf("content type %q", body.GetContentType())
	}
	var in domain.Inputs
	if err := json.Unmarshal(body.GetData(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Call != callName || in.EnvelopeCents != 1_000_000_00 || !slices.Equal(in.TieBreakCriteria, []string{"feasibility", "impact", "data"}) ||
		len(in.Applications) != 3 || in.Applications[0].Reviews != 3 || in.OverallThreshold != 12 {
		t.Fatalf("inputs %+v", in)
	}
	if diff, err := in.Verify(); err != nil || diff != "" {
		t.Fatalf("published inputs do not verify: %q %v", diff, err)
	}
	// The tie-break is what ranks a2 first: without it a1's impact would.
	in.TieBreakCriteria = nil
	if diff, _ := in.Verify(); !strings.Contains(diff, "rank 2: published calls/c1/applications/a2, recomputed calls/c1/applications/a1") {
		t.Fatalf("without the tie-break: %q", diff)
	}

	// A chair of another call sees no inputs; a bad tie-break is refused by field.
	_, err = h.client.GetRankingInputs(h.as(auth.JuryChair, "other-chair"), &reviewv1.GetRankingInputsRequest{Name: callName + "/ranking"})
	wantCode(t, err, codes.NotFound)
	bad := assignRequest("a9", 100_000_00, 0)
	bad.TieBreakCriteria = []string{"budget"}
	_, err = h.client.AssignReviewers(h.as(auth.System, "worker"), bad)
	if st := wantCode(t, err, codes.InvalidArgument); !slices.Contains(fieldViolations(st), "tieBreakCriteria[0]") {
		t.Fatalf("violations %v", fieldViolations(st))
	}
}

func TestMinutes(t *testing.T) {
	h := rankedCall(t)
	ctx := h.as(auth.JuryChair, chair)
	name := callName + "/minutes"
	m, err := h.client.GetMinutes(ctx, &reviewv1.GetMinutesRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if m.GetSha256() != "" || m.GetSignedBy() != "" {
		t.Fatalf("unsigned minutes carry a signature: %v", m)
	}
	for _, want := range []string{"Président : chair-1", "Membre : reviewer-6", "calls/c1/applications/a3",
		"former employer of the &lt;project&gt; lead", "SELECTED", "RESERVE", "reserve list position 1", "below threshold: criterion data"} {
		if !strings.Contains(m.GetHtml(), want) {
			t.Fatalf("the HTML minutes miss %q:\n%s", want, m.GetHtml())
		}
	}
	for _, want := range []string{"PROCÈS-VERBAL", "Président : chair-1", "former employer of the <project> lead", "2. calls/c1/applications/a2", "SELECTED"} {
		if !strings.Contains(m.GetText(), want) {
			t.Fatalf("the text minutes miss %q:\n%s", want, m.GetText())
		}
	}
	// Times are Paris times (tzdata embedded), never UTC by accident: the hash covers them.
	if !regexp.MustCompile(`Classement du \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} CES?T`).MatchString(m.GetHtml()) {
		t.Fatalf("the minutes' ranking time is not in Paris time:\n%s", m.GetHtml())
	}
	// The programme officer reads them; a chair of another call does not; only a chair signs.
	if _, err := h.client.GetMinutes(h.as(auth.ProgrammeOfficer, "po"), &reviewv1.GetMinutesRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	_, err = h.client.GetMinutes(h.as(auth.JuryChair, "other-chair"), &reviewv1.GetMinutesRequest{Name: name})
	wantCode(t, err, codes.NotFound)
	_, err = h.client.SignMinutes(h.as(auth.JuryChair, "other-chair"), &reviewv1.SignMinutesRequest{Name: name})
	wantCode(t, err, codes.NotFound)
	_, err = h.client.SignMinutes(h.as(auth.Auditor, "auditor"), &reviewv1.SignMinutesRequest{Name: name})
	wantCode(t, err, codes.PermissionDenied)

	signed, err := h.client.SignMinutes(ctx, &reviewv1.SignMinutesRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if signed.GetHtml() != m.GetHtml() || signed.GetText() != m.GetText() || signed.GetSignedBy() != chair || !signed.GetSignTime().IsValid() {
		t.Fatalf("signed minutes %v", signed)
	}
	if len(signed.GetSha256()) != 64 || signed.GetSha256() == strings.Repeat("0", 64) {
		t.Fatalf("hash %q", signed.GetSha256())
	}

	// Signing again changes nothing, even later.
	h.clock.Advance(time.Hour)
	again, err := h.client.SignMinutes(ctx, &reviewv1.SignMinutesRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if again.GetSha256() != signed.GetSha256() || !again.GetSignTime().AsTime().Equal(signed.GetSignTime().AsTime()) {
		t.Fatalf("second signature %v, first %v", again, signed)
	}
	// Another ranking run would alter them: refused, naming the signed minutes.
	_, err = h.client.RankCall(ctx, &reviewv1.RankCallRequest{Name: callName})
	if st := wantCode(t, err, codes.FailedPrecondition); !strings.Contains(st.Message(), name) || !strings.Contains(st.Message(), signed.GetSha256()) {
		t.Fatalf("refusal %q", st.Message())
	}
	// The jury's work is frozen too: no review, no déport (whose replacement would review) once signed.
	reviewed := h.assignmentsOf(appName("a1"), "REVIEWED")
	if len(reviewed) == 0 {
		t.Fatal("no reviewer of a1 to try after the signature")
	}
	_, err = h.client.CreateReview(h.as(auth.Reviewer, reviewed[0]), &reviewv1.CreateReviewRequest{Parent: appName("a1"), Review: scores(1, 1, 1)})
	if st := wantCode(t, err, codes.FailedPrecondition); !strings.Contains(st.Message(), signed.GetSha256()) {
		t.Fatalf("review after signing: %q", st.Message())
	}
	_, err = h.client.CreateConflict(h.as(auth.Reviewer, reviewed[0]), &reviewv1.CreateConflictRequest{Parent: appName("a1"), Conflict: true, Reason: "late"})
	if st := wantCode(t, err, codes.FailedPrecondition); !strings.Contains(st.Message(), signed.GetSha256()) {
		t.Fatalf("déport after signing: %q", st.Message())
	}
	// The stored content and hash come back, and the hash is the content's.
	got, err := h.client.GetMinutes(h.as(auth.Auditor, "auditor"), &reviewv1.GetMinutesRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetSha256() != signed.GetSha256() || got.GetHtml() != signed.GetHtml() {
		t.Fatalf("read back %v", got)
	}
	var hash string
	if err := h.pool.QueryRow(context.Background(), `SELECT encode(sha256(convert_to(html, 'UTF8') || '\x00'::bytea || convert_to(text, 'UTF8')), 'hex') FROM minutes`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if hash != signed.GetSha256() {
		t.Fatalf("stored hash %s, recomputed %s", signed.GetSha256(), hash)
	}
	if h.auditCount("minutes.signed") != 1 {
		t.Fatalf("%d minutes.signed entries", h.auditCount("minutes.signed"))
	}
	h.verifyAudit()
}
