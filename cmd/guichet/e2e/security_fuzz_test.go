package e2e

import (
	"bytes"
	"encoding/json"
	"io"
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
	issuer := sp.issuer
	officer, err := issuer.Mint(auth.Claims{Subject: "officer-1", Role: string(auth.ProgrammeOfficer)}, 24*time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	alice, err := issuer.Mint(auth.Claims{Subject: "alice", Role: string(auth.Applicant), Siret: dinum}, 24*time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now().UTC()
	callBody, _ := json.Marshal(map[string]any{
		"title": "Fuzzing", "envelopeCents": 1_000_000_000, "floorCents": 10_000_000, "ceilingCents": 100_000_000,
		"maxRatePercent": 50, "opensAt": now.Add(-time.Minute).Format(time.RFC3339), "closesAt": now.Add(24 * time.Hour).Format(time.RFC3339),
		"reviewDeadline": now.Add(48 * time.Hour).Format(time.RFC3339),
		"criteria":       []map[string]any{{"id": "impact", "title": "Impact", "weight": 1, "threshold": 3}},
		"reviewers":      []string{"reviewer-1", "reviewer-2", "reviewer-3"}, "chair": "chair-1", "reviewersPerApplication": 3,
	})
	callID := "fuzz-" + ids.New()
	status, _, body := post(f, sp.base+"/v1/calls?callId="+callID, officer, callBody)
	if status != http.StatusCreated {
		f.Fatalf("call: %d %s", status, body)
	}
	url := sp.base + "/v1/calls/" + callID + "/applications"

	f.Fuzz(func(t *testing.T, data []byte) {
		before := sp.applicationCount(t)
		status, header, body := post(t, url, alice, data)
		after := sp.applicationCount(t)
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

func post(tb testing.TB, url, token string, body []byte) (int, http.Header, []byte) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}
