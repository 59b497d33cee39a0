package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// inputsFile is a published inputs document as GetRankingInputs writes it (docs/selection.md):
// a and b tie on the total (16); the tie-break puts b's feasibility first; the envelope funds b
// and leaves 3.00 EUR unused, a in reserve; c misses the data threshold.
const inputsFile = `{
  "call": "calls/demo",
  "criteria": [
    {"id": "impact", "weight": 2, "threshold": 3},
    {"id": "data", "weight": 1, "threshold": 3},
    {"id": "feasibility", "weight": 1, "threshold": 3}
  ],
  "overallThreshold": 12,
  "tieBreakCriteria": ["feasibility", "impact", "data"],
  "envelopeCents": 1000,
  "applications": [
    {"application": "calls/demo/applications/a", "requestedCents": 400, "submitTime": "2026-03-01T09:00:00Z",
     "scores": [{"criterion": "impact", "score": 4}, {"criterion": "data", "score": 4}, {"criterion": "feasibility", "score": 4}], "reviews": 3},
    {"application": "calls/demo/applications/b", "requestedCents": 700, "submitTime": "2026-03-01T10:00:00Z",
     "scores": [{"criterion": "impact", "score": 3.5}, {"criterion": "data", "score": 4}, {"criterion": "feasibility", "score": 5}], "reviews": 1, "consensus": true},
    {"application": "calls/demo/applications/c", "requestedCents": 100, "submitTime": "2026-03-01T08:00:00Z",
     "scores": [{"criterion": "impact", "score": 5}, {"criterion": "data", "score": 2.5}, {"criterion": "feasibility", "score": 5}], "reviews": 2}
  ],
  "ranking": {
    "entries": [
      {"rank": 1, "application": "calls/demo/applications/c", "title": "", "means": [{"criterion": "impact", "score": 5}, {"criterion": "data", "score": 2.5}, {"criterion": "feasibility", "score": 5}],
       "total": 17.5, "aboveThresholds": false, "requestedCents": 100, "submitTime": "2026-03-01T08:00:00Z", "decision": "REJECTED",
       "reason": "below threshold: criterion data mean 2.5 < threshold 3"},
      {"rank": 2, "application": "calls/demo/applications/b", "title": "", "means": [{"criterion": "impact", "score": 3.5}, {"criterion": "data", "score": 4}, {"criterion": "feasibility", "score": 5}],
       "total": 16, "aboveThresholds": true, "requestedCents": 700, "submitTime": "2026-03-01T10:00:00Z", "decision": "SELECTED",
       "reason": "funded: 7.00 EUR cumulative within the envelope of 10.00 EUR", "consensus": true},
      {"rank": 3, "application": "calls/demo/applications/a", "title": "", "means": [{"criterion": "impact", "score": 4}, {"criterion": "data", "score": 4}, {"criterion": "feasibility", "score": 4}],
       "total": 16, "aboveThresholds": true, "requestedCents": 400, "submitTime": "2026-03-01T09:00:00Z", "decision": "RESERVE",
       "reason": "reserve list position 1: above the thresholds, but the envelope had 3.00 EUR left for 4.00 EUR requested when the selection stopped"}
    ],
    "envelopeCents": 1000,
    "selectedCents": 700,
    "cutoffRank": 2
  }
}
`

func TestRankingVerify(t *testing.T) {
	var out bytes.Buffer
	if err := verifyRanking([]byte(inputsFile), &out); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if !strings.HasPrefix(out.String(), "OK calls/demo: the ranking of 3 applications matches") {
		t.Fatalf("output %q", out.String())
	}

	tampered := []struct{ name, from, to, want string }{
		{"a decision", `"decision": "RESERVE"`, `"decision": "SELECTED"`, "rank 3 (calls/demo/applications/a): published decision SELECTED, recomputed RESERVE"},
		{"a score", `{"criterion": "feasibility", "score": 5}], "reviews": 1`, `{"criterion": "feasibility", "score": 4}], "reviews": 1`,
			"rank 2: published calls/demo/applications/b, recomputed calls/demo/applications/a"},
		{"the tie-break", `"tieBreakCriteria": ["feasibility", "impact", "data"]`, `"tieBreakCriteria": ["impact"]`,
			"rank 2: published calls/demo/applications/b, recomputed calls/demo/applications/a"},
		{"the envelope", `"envelopeCents": 1000,
  "applications"`, `"envelopeCents": 1100,
  "applications"`, "envelope: published 10.00 EUR, recomputed 11.00 EUR"},
	}
	for _, tc := range tampered {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(inputsFile, tc.from, tc.to, 1)
			if data == inputsFile {
				t.Fatal("nothing tampered")
			}
			var out bytes.Buffer
			err := verifyRanking([]byte(data), &out)
			if !errors.Is(err, errRankingDiffers) || !strings.Contains(out.String(), "MISMATCH calls/demo: "+tc.want) {
				t.Fatalf("%v: %q", err, out.String())
			}
		})
	}
	if err := verifyRanking([]byte(`{"call": "calls/demo", "criterion": []}`), &out); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Fatalf("a misspelt field: %v", err)
	}
}

// TestRankingVerifyCommand runs the real command: exit 0 on a match, 1 on a tampered file.
func TestRankingVerifyCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "guichet")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")
	if err := os.WriteFile(good, []byte(inputsFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(inputsFile, `"selectedCents": 700`, `"selectedCents": 800`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "ranking", "verify", good).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK calls/demo") {
		t.Fatalf("good file: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "ranking", "verify", bad).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "selected amount: published 8.00 EUR, recomputed 7.00 EUR") {
		t.Fatalf("tampered file: %v\n%s", err, out)
	}
}
