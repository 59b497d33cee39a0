package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/testenv"
)

// FuzzCreateApplicationBody posts arbitrary bodies to POST /v1/calls/{call}/applications of a
// running all-in-one platform: the answer is never a 5xx, every 4xx is problem+json, and a refused
// body stores nothing (the applications table is counted around each request; a worker process
// runs its inputs one at a time on its own platform and database). `make test` runs the seeds;
// `make fuzz` fuzzes.
func FuzzCreateApplicationBody(f *testing.F) {
	valid, _ := json.Marshal(application("Fuzzed project"))
	for _, seed := range []string{
		string(valid),
		`{}`, ``, `null`, `[]`, `"x"`, `0`, `{"title": "broken`, `{"title": 12}`, `{"title": null}`,
		`{"unknown": 1}`, `{"title": "a", "title": "b"}`, `{"projectBudgetCents": "9223372036854775808"}`,
		`{"projectBudgetCents": -1}`, `{"projectBudgetCents": 1e400}`, `{"requestedAmountCents": "12"}`,
		`{"milestones": [{"dueDate": "2026-02-30", "trancheAmountCents": 1, "title": "t"}]}`,
		`{"milestones": [null]}`, `{"datasets": [""]}`, `{"datasets": ["javascript:alert(1)"]}`,
		`{"applicant": {"siret": "13002526500013\u0000"}}`, `{"title": "\u0000"}`, `{"title": "\ud800"}`,
		`{"bankAccount": {"iban": "FR7630006000011234567890189", "bic": "BDFEFRPP"}}`,
		`{"createTime": "2020-01-01T00:00:00Z", "state": "FUNDED", "name": "calls/x/applications/y"}`,
		`{"contact": {"email": "a@b"}}`, `{"summary": "` + strings.Repeat("\\u00e9", 5001) + `"}`,
		"\xff\xfe", `{"title": "é"}` + "\x00",
	} {
		f.Add([]byte(seed))
	}

	sp := startSecurityPlatform(f, testenv.Get(f))
	a := sp.api(f)
	officer := a.token(auth.ProgrammeOfficer, "officer-1", "")
	now := time.Now()
	callID := "fuzz-" + ids.New()
	a.call(http.MethodPost, "/v1/calls?callId="+callID, officer,
		smallCall("Fuzzing", now.Add(24*time.Hour), now.Add(48*time.Hour))).must(f, http.StatusCreated)
	path := "/v1/calls/" + callID + "/applications"

	f.Fuzz(func(t *testing.T, data []byte) {
		// Tokens are minted for each input: a long `make fuzz` outlives any one token.
		a := sp.api(t)
		alice := a.token(auth.Applicant, "alice", dinum)
		before := sp.applicationCount(t)
		r := a.call(http.MethodPost, path, alice, string(data))
		after := sp.applicationCount(t)
		status, header, body := r.Status, r.Header, r.Body
		switch {
		case status >= 500:
			t.Fatalf("%d for body %q: %s", status, data, body)
		case status == http.StatusCreated:
			if after != before+1 {
				t.Fatalf("201 but %d applications stored for body %q", after-before, data)
			}
		case status >= 400:
			if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("%d with content type %q for body %q: %s", status, ct, data, body)
			}
			if after != before {
				t.Fatalf("%d but %d applications stored for body %q", status, after-before, data)
			}
		default:
			t.Fatalf("unexpected status %d for body %q: %s", status, data, body)
		}
	})
}
