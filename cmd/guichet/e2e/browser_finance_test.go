package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/testenv"
)

// TestFinanceConsoleInBrowser runs tests/browser/finance.mjs in Debian's chromium against the whole
// platform, on a project funded through REST whose advance awaits certification: officer-1
// certifies it and is refused when it tries to order it, finance-1 orders it and approves the
// beneficiary's corrected account, accountant-1 batches it, downloads the pain.001 file and confirms it paid. The script checks every page with axe-core
// and its size budget; this test then checks through REST that the browser's actions reached the
// payments service.
func TestFinanceConsoleInBrowser(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "tests", "browser")
	installBrowserTests(t, dir)

	env := testenv.Get(t)
	cfg := testConfig(t, env)
	a := startPlatform(t, cfg)

	callName, callTitle, app, projectTitle := fundedProject(t, a)
	auditor := a.token(auth.Auditor, "auditor-1", "")
	tranches := a.call(http.MethodGet, "/v1/"+app+"/tranches", auditor, nil).must(t, http.StatusOK)
	list, _ := tranches.JSON["tranches"].([]any)
	if len(list) != 3 {
		t.Fatalf("tranches: %s", tranches.Body)
	}
	advance := list[0].(map[string]any)
	var advanceCents int64
	if _, err := fmt.Sscan(fmt.Sprint(advance["amountCents"]), &advanceCents); err != nil || advance["state"] != "PLANNED" {
		t.Fatalf("advance: %v %v", advance, err)
	}

	// The beneficiary corrects its bank account: no batch may pay the project until a finance
	// officer approves it, which finance-1 does in the browser.
	const corrected = "FR1420041010050500013M02606"
	alice := a.token(auth.Applicant, "alice", dinum)
	a.call(http.MethodPost, "/v1/"+app+":updateBankAccount", alice, map[string]any{
		"bankAccount": map[string]any{"iban": corrected, "holder": "DINUM"}}).must(t, http.StatusOK)
	eventually(t, 30*time.Second, "the corrected account to await approval", func() bool {
		c := a.call(http.MethodGet, "/v1/"+app+"/commitment", auditor, nil).must(t, http.StatusOK)
		pending, _ := c.JSON["pendingAccount"].(map[string]any)
		return pending != nil && pending["iban"] == corrected
	})

	runCtx, stop := context.WithTimeout(context.Background(), 5*time.Minute)
	defer stop()
	cmd := exec.CommandContext(runCtx, "node", "finance.mjs", "http://"+cfg.WebAddr, callTitle, projectTitle, fmt.Sprint(advanceCents), corrected,
		filepath.Join(root, "artifacts", "browser"))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser test failed (%v):\n%s", err, out)
	}
	t.Logf("browser test:\n%s", out)

	// The browser's actions reached the payments service, each by its own person.
	after := a.call(http.MethodGet, "/v1/"+app+"/tranches", auditor, nil).must(t, http.StatusOK)
	paid := after.JSON["tranches"].([]any)[0].(map[string]any)
	for field, want := range map[string]string{"state": "PAID", "certifiedBy": "officer-1", "orderedBy": "finance-1", "paidBy": "accountant-1"} {
		if paid[field] != want {
			t.Errorf("advance %s = %v, want %s: %s", field, paid[field], want, after.Body)
		}
	}
	account := a.call(http.MethodGet, "/v1/"+app+"/commitment", auditor, nil).must(t, http.StatusOK).JSON["account"].(map[string]any)
	if account["iban"] != corrected || account["approvedBy"] != "finance-1" {
		t.Errorf("account after the browser's approval: %v", account)
	}
	budget := a.call(http.MethodGet, "/v1/"+callName+"/budget", auditor, nil).must(t, http.StatusOK)
	if got := fmt.Sprint(budget.JSON["paidCents"]); got != fmt.Sprint(advanceCents) {
		t.Fatalf("budget paid %s, want %d: %s", got, advanceCents, budget.Body)
	}
}

// fundedProject drives one application through REST to a signed agreement, as scenario does: a
// call, an application, three reviews, the ranking and the signature. It returns the call's name
// and title, and the application's name and title.
func fundedProject(t *testing.T, a *api) (callName, callTitle, app, title string) {
	t.Helper()
	officer := a.token(auth.ProgrammeOfficer, "officer-1", "")
	alice := a.token(auth.Applicant, "alice", dinum)
	chair := a.token(auth.JuryChair, "chair-1", "")
	reviewers := []string{"reviewer-1", "reviewer-2", "reviewer-3"}
	callTitle, title = "Finances publiques "+ids.New()[:8], "Risque de défaillance des entreprises"
	now := time.Now().UTC()
	closes := now.Add(4 * time.Second)
	callName = a.call(http.MethodPost, "/v1/calls?callId=finance-"+ids.New(), officer, map[string]any{
		"title": callTitle, "envelopeCents": 1_000_000_000, "floorCents": 10_000_000, "ceilingCents": 100_000_000,
		"maxRatePercent": 50, "opensAt": now.Add(-time.Minute).Format(time.RFC3339), "closesAt": closes.Format(time.RFC3339Nano),
		"reviewDeadline":   now.Add(time.Hour).Format(time.RFC3339),
		"criteria":         threeCriteria(3, true),
		"overallThreshold": 10, "reviewers": reviewers, "chair": "chair-1", "reviewersPerApplication": 3,
	}).must(t, http.StatusCreated).str("name")
	app = a.call(http.MethodPost, "/v1/"+callName+"/applications", alice, application(title)).must(t, http.StatusCreated).str("name")
	a.call(http.MethodPost, "/v1/"+app+":submit", alice, map[string]any{}).must(t, http.StatusOK)
	time.Sleep(time.Until(closes))
	for _, r := range reviewers {
		tok := a.token(auth.Reviewer, r, "")
		eventually(t, 60*time.Second, r+"'s declaration", func() bool {
			return a.call(http.MethodPost, "/v1/"+callName+"/declarations", tok, map[string]any{"accepted": true}).Status == http.StatusCreated
		})
		eventually(t, 60*time.Second, r+"'s assignment", func() bool {
			return strings.Contains(string(a.call(http.MethodGet, "/v1/"+callName+"/assignments", tok, nil).must(t, http.StatusOK).Body), app)
		})
		if res := a.call(http.MethodPost, "/v1/"+app+"/conflicts", tok, map[string]any{"conflict": false}); res.Status != http.StatusOK && res.Status != http.StatusCreated {
			t.Fatalf("%s's declaration of no conflict: %d %s", r, res.Status, res.Body)
		}
		a.call(http.MethodPost, "/v1/"+app+"/reviews", tok, map[string]any{
			"scores":  []map[string]any{{"criterion": "impact", "score": 4.5}, {"criterion": "data", "score": 4}, {"criterion": "feasibility", "score": 3.5}},
			"comment": "Usage solide des données publiques.",
		}).must(t, http.StatusCreated)
	}
	state := func() string {
		return a.call(http.MethodGet, "/v1/"+app, alice, nil).must(t, http.StatusOK).str("state")
	}
	eventually(t, 30*time.Second, "the reviews to reach the workflow", func() bool { return state() == "UNDER_REVIEW" })
	a.call(http.MethodPost, "/v1/"+callName+":rank", chair, map[string]any{}).must(t, http.StatusOK)
	eventually(t, 30*time.Second, "the selection", func() bool { return state() == "SELECTED" })
	a.call(http.MethodPost, "/v1/"+app+":signAgreement", alice, map[string]any{}).must(t, http.StatusOK)
	eventually(t, 30*time.Second, "the commitment", func() bool { return state() == "FUNDED" })
	return callName, callTitle, app, title
}
