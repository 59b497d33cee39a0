package e2e

import (
	"context"
	"fmt"
	"github.com/guichet/guichet/cmd/guichet/internal/bench"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the receipt shows the submission in Europe/Paris time

	"go.temporal.io/sdk/client"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/mail/mailpit"
	paymentsdomain "github.com/guichet/guichet/services/payments/domain"
)

const (
	dinum = "13002526500013"
	other = "23350001600040"
)

// traceID is sent with the submission so that the in-process test can follow its trace.
var traceID = "4bf92f3577b34da6a3ce929d0e0e4736"

// application is a complete application of alice's organisation (DINUM).
func application(title string) map[string]any { return bench.Application(title) }

// smallCall is the body of a call open since a minute ago until closes, with one criterion
// (impact, threshold 3) and a jury of three reviewers and chair-1, reviewed until reviewDeadline.
// A test adds or replaces fields in the map it returns.
func smallCall(title string, closes, reviewDeadline time.Time) map[string]any {
	return map[string]any{
		"title": title, "envelopeCents": 1_000_000_000, "floorCents": 10_000_000, "ceilingCents": 100_000_000,
		"maxRatePercent": 50, "opensAt": time.Now().UTC().Add(-time.Minute).Format(time.RFC3339),
		"closesAt": closes.UTC().Format(time.RFC3339Nano), "reviewDeadline": reviewDeadline.UTC().Format(time.RFC3339Nano),
		"criteria":  []map[string]any{{"id": "impact", "title": "Impact", "weight": 1, "threshold": 3}},
		"reviewers": []string{"reviewer-1", "reviewer-2", "reviewer-3"}, "chair": "chair-1", "reviewersPerApplication": 3,
		"overallThreshold": 3,
	}
}

// threeCriteria is the demo call's scoring grid (impact, use of public data, feasibility), each of
// weight 1 with this threshold, titled in English, or in French for the console's pages.
func threeCriteria(threshold float64, french bool) []map[string]any {
	titles := []string{"Public value and impact", "Use and quality of public data", "Feasibility, team and budget realism"}
	if french {
		titles = []string{"Valeur publique et impact", "Usage des données publiques", "Faisabilité, équipe et budget"}
	}
	out := make([]map[string]any, 3)
	for i, id := range []string{"impact", "data", "feasibility"} {
		out[i] = map[string]any{"id": id, "title": titles[i], "weight": 1, "threshold": threshold}
	}
	return out
}

// scenario drives one application from submission to its paid tranche through the REST gateway
// only, reading the receipt email in mailbox, and returns the application's name.
// beforePayment, when given, runs just before the advance is confirmed paid (a crash test kills
// the worker there).
func scenario(t *testing.T, a *api, temporal client.Client, mailbox *mailpit.Client, beforePayment ...func()) string {
	officer := a.token(auth.ProgrammeOfficer, "officer-1", "")
	alice := a.token(auth.Applicant, "alice", dinum)
	chair := a.token(auth.JuryChair, "chair-1", "")

	// A programme officer opens a call that closes a few seconds later.
	callID := "e2e-" + ids.New()
	now := time.Now().UTC()
	closes := now.Add(5 * time.Second)
	call := a.call(http.MethodPost, "/v1/calls?callId="+callID, officer, map[string]any{
		"title": "Public data e2e", "envelopeCents": 1_000_000_000, "floorCents": 10_000_000, "ceilingCents": 100_000_000,
		"maxRatePercent": 50, "opensAt": now.Add(-time.Minute).Format(time.RFC3339), "closesAt": closes.Format(time.RFC3339Nano),
		"reviewDeadline":   now.Add(time.Hour).Format(time.RFC3339),
		"criteria":         threeCriteria(3, false),
		"overallThreshold": 10, "reviewers": []string{"reviewer-1", "reviewer-2", "reviewer-3"}, "chair": "chair-1",
		"reviewersPerApplication": 3,
	}, "Idempotency-Key", "call-"+callID).must(t, http.StatusCreated)
	callName := call.str("name")
	if callName != "calls/"+callID {
		t.Fatalf("call name %q", callName)
	}

	// Bad input is refused with a problem naming the field; nothing is created.
	apps := "/v1/" + callName + "/applications"
	a.call(http.MethodPost, apps, alice, `{"title": "broken`).problem(t, http.StatusBadRequest, "body")
	noTitle := application("")
	delete(noTitle, "title")
	a.call(http.MethodPost, apps, alice, noTitle).problem(t, http.StatusBadRequest, "application.title")
	badSiret := application("Bad SIRET")
	badSiret["applicant"] = map[string]any{"legalName": "X", "siret": "12345678901234"}
	a.call(http.MethodPost, apps, alice, badSiret).problem(t, http.StatusBadRequest, "application.applicant.siret")
	a.call(http.MethodPost, apps, "", application("No token")).problem(t, http.StatusUnauthorized, "")
	a.call(http.MethodPost, apps, a.token(auth.Reviewer, "reviewer-1", ""), application("Wrong role")).problem(t, http.StatusForbidden, "")

	// An applicant creates and submits an application.
	draft := a.call(http.MethodPost, apps, alice, application("Bankruptcy risk from tax data"), "Idempotency-Key", "draft-"+callID).must(t, http.StatusCreated)
	name := draft.str("name")
	if draft.str("state") != "DRAFT" {
		t.Fatalf("draft: %s", draft.Body)
	}
	// The same key and body replays the first response instead of creating a second draft.
	replay := a.call(http.MethodPost, apps, alice, application("Bankruptcy risk from tax data"), "Idempotency-Key", "draft-"+callID).must(t, http.StatusCreated)
	if replay.str("name") != name {
		t.Fatalf("replay created %s, first was %s", replay.str("name"), name)
	}
	a.call(http.MethodGet, "/v1/"+name, a.token(auth.Applicant, "mallory", other), nil).problem(t, http.StatusNotFound, "")
	receipt := a.call(http.MethodPost, "/v1/"+name+":submit", alice, map[string]any{},
		"traceparent", "00-"+traceID+"-00f067aa0ba902b7-01").must(t, http.StatusOK)
	if receipt.str("state") != "SUBMITTED" || len(receipt.str("contentSha256")) != 64 || receipt.str("submitTime") == "" {
		t.Fatalf("receipt: %s", receipt.Body)
	}
	a.call(http.MethodPatch, "/v1/"+name+"?updateMask=title", alice, map[string]any{"title": "Changed"}).problem(t, http.StatusConflict, "")
	receiptEmail(t, mailbox, name, receipt)

	// After the close, the three assigned reviewers sign the declaration and score it.
	time.Sleep(time.Until(closes))
	// The call's workflow closed it at its deadline (a durable timer) and moved it to review.
	eventually(t, 30*time.Second, "the call closed by its workflow", func() bool {
		return a.call(http.MethodGet, "/v1/"+callName, "", nil).must(t, http.StatusOK).str("state") == "REVIEW"
	})
	for _, r := range []string{"reviewer-1", "reviewer-2", "reviewer-3"} {
		tok := a.token(auth.Reviewer, r, "")
		// The review service learns the call's jury with the first assignment of the workflow.
		eventually(t, 60*time.Second, r+"'s declaration", func() bool {
			return a.call(http.MethodPost, "/v1/"+callName+"/declarations", tok, map[string]any{"accepted": true}).Status == http.StatusCreated
		})
		eventually(t, 60*time.Second, r+"'s assignment", func() bool {
			res := a.call(http.MethodGet, "/v1/"+callName+"/assignments", tok, nil).must(t, http.StatusOK)
			return strings.Contains(string(res.Body), name)
		})
		// Before reading the file, the reviewer declares it has no conflict of interest with it.
		if res := a.call(http.MethodPost, "/v1/"+name+"/conflicts", tok, map[string]any{"conflict": false}); res.Status != http.StatusOK && res.Status != http.StatusCreated {
			t.Fatalf("%s's declaration of no conflict: %d %s", r, res.Status, res.Body)
		}
		a.call(http.MethodPost, "/v1/"+name+"/reviews", tok, map[string]any{
			"scores":  []map[string]any{{"criterion": "impact", "score": 4.5}, {"criterion": "data", "score": 4}, {"criterion": "feasibility", "score": 3.5}},
			"comment": "Solid use of public data.",
		}).must(t, http.StatusCreated)
	}

	// An assigned reviewer reads the file, without bank details; a jury member not on it cannot.
	read := a.call(http.MethodGet, "/v1/"+name, a.token(auth.Reviewer, "reviewer-1", ""), nil).must(t, http.StatusOK)
	if read.str("title") == "" || read.JSON["bankAccount"] != nil {
		t.Fatalf("a reviewer reads: %s", read.Body)
	}
	a.call(http.MethodGet, "/v1/"+name, a.token(auth.Reviewer, "reviewer-6", ""), nil).problem(t, http.StatusNotFound, "")

	// The chair ranks; the application is selected within the envelope.
	eventually(t, 30*time.Second, "the reviews to reach the workflow", func() bool {
		return a.call(http.MethodGet, "/v1/"+name, alice, nil).must(t, http.StatusOK).str("state") == "UNDER_REVIEW"
	})
	ranking := a.call(http.MethodPost, "/v1/"+callName+":rank", chair, map[string]any{}).must(t, http.StatusOK)
	if !strings.Contains(string(ranking.Body), `"SELECTED"`) {
		t.Fatalf("ranking: %s", ranking.Body)
	}
	eventually(t, 30*time.Second, "the selection", func() bool {
		return a.call(http.MethodGet, "/v1/"+name, alice, nil).must(t, http.StatusOK).str("state") == "SELECTED"
	})

	// The applicant signs the agreement; the amount is committed.
	a.call(http.MethodPost, "/v1/"+name+":signAgreement", alice, map[string]any{}).must(t, http.StatusOK)
	eventually(t, 30*time.Second, "the commitment", func() bool {
		return a.call(http.MethodGet, "/v1/"+name, alice, nil).must(t, http.StatusOK).str("state") == "FUNDED"
	})
	tranches := a.call(http.MethodGet, "/v1/"+name+"/tranches", alice, nil).must(t, http.StatusOK)
	list, _ := tranches.JSON["tranches"].([]any)
	if len(list) != 3 {
		t.Fatalf("tranches: %s", tranches.Body)
	}

	// Each tranche is certified by the programme officer, ordered by a finance officer, batched and
	// paid by the accountant.
	finance := a.token(auth.FinanceOfficer, "finance-1", "")
	accountant := a.token(auth.Accountant, "accountant-1", "")
	var paid int64
	for i, item := range list {
		tranche := item.(map[string]any)["name"].(string)
		var cents int64
		if _, err := fmt.Sscan(fmt.Sprint(item.(map[string]any)["amountCents"]), &cents); err != nil {
			t.Fatalf("tranche %s amount: %v", tranche, err)
		}
		if i == 0 {
			a.call(http.MethodPost, "/v1/"+tranche+":order", officer, map[string]any{}).problem(t, http.StatusForbidden, "")
		} else {
			// Tranches after the advance need the milestone report before the officer certifies them.
			a.call(http.MethodPost, "/v1/"+tranche+":certify", officer, map[string]any{}).problem(t, http.StatusConflict, "")
			a.call(http.MethodPost, "/v1/"+name+"/reports", alice, map[string]any{"sequence": i + 1,
				"summary": "Milestone delivered: the model and its evaluation on public data.", "deliverables": []string{"https://example.org/report.pdf"}}).
				must(t, http.StatusCreated)
			eventually(t, 30*time.Second, "the report to reach the payments service", func() bool {
				ts := a.call(http.MethodGet, "/v1/"+name+"/tranches", alice, nil).must(t, http.StatusOK)
				items, _ := ts.JSON["tranches"].([]any)
				return items[i].(map[string]any)["state"] == "REPORT_SUBMITTED"
			})
		}
		a.call(http.MethodPost, "/v1/"+tranche+":certify", officer, map[string]any{}).must(t, http.StatusOK)
		a.call(http.MethodPost, "/v1/"+tranche+":order", finance, map[string]any{}).must(t, http.StatusOK)
		batch := a.call(http.MethodPost, "/v1/payment-batches", accountant, map[string]any{"tranches": []string{tranche}}).must(t, http.StatusCreated)
		batchName := batch.str("name")
		xml := a.call(http.MethodGet, "/v1/"+batchName+"/pain001.xml", accountant, nil).must(t, http.StatusOK)
		validatePain001(t, xml.Body)
		ctrlSum := fmt.Sprintf("<CtrlSum>%d.%02d</CtrlSum>", cents/100, cents%100)
		if !strings.Contains(xml.Header.Get("Content-Type"), "xml") || !strings.Contains(string(xml.Body), ctrlSum) {
			t.Fatalf("pain.001 of %s, want %s: %s %s", tranche, ctrlSum, xml.Header.Get("Content-Type"), xml.Body)
		}
		if i == 1 {
			// The bank rejects the transfer; the applicant corrects its IBAN, a finance officer
			// approves the new account, and the tranche is paid in a new batch.
			reject := map[string]any{"outcomes": []map[string]any{{"tranche": tranche, "outcome": "REJECTED", "reason": "AC01 incorrect account number"}}}
			a.call(http.MethodPost, "/v1/"+batchName+":confirm", accountant, reject).must(t, http.StatusOK)
			const corrected = "FR1420041010050500013M02606"
			a.call(http.MethodPost, "/v1/"+name+":updateBankAccount", alice, map[string]any{
				"bankAccount": map[string]any{"iban": corrected, "holder": "DINUM"}}).must(t, http.StatusOK)
			eventually(t, 30*time.Second, "the corrected account to await approval", func() bool {
				c := a.call(http.MethodGet, "/v1/"+name+"/commitment", finance, nil).must(t, http.StatusOK)
				pending, _ := c.JSON["pendingAccount"].(map[string]any)
				return pending != nil && pending["iban"] == corrected
			})
			a.call(http.MethodPost, "/v1/payment-batches", accountant, map[string]any{"tranches": []string{tranche}}).problem(t, http.StatusConflict, "")
			a.call(http.MethodPost, "/v1/"+name+"/commitment:approveAccount", a.token(auth.FinanceOfficer, "finance-2", ""),
				map[string]any{"iban": corrected}).must(t, http.StatusOK)
			batchName = a.call(http.MethodPost, "/v1/payment-batches", accountant, map[string]any{"tranches": []string{tranche}}).must(t, http.StatusCreated).str("name")
			xml := a.call(http.MethodGet, "/v1/"+batchName+"/pain001.xml", accountant, nil).must(t, http.StatusOK)
			if !strings.Contains(string(xml.Body), corrected) {
				t.Fatalf("the new payment file does not pay the corrected account: %s", xml.Body)
			}
		}
		confirm := map[string]any{"outcomes": []map[string]any{{"tranche": tranche, "outcome": "PAID"}}}
		if i == 0 {
			for _, hook := range beforePayment {
				hook()
			}
		}
		a.call(http.MethodPost, "/v1/"+batchName+":confirm", accountant, confirm).must(t, http.StatusOK)
		if i == 0 {
			a.call(http.MethodPost, "/v1/"+batchName+":confirm", accountant, confirm).must(t, http.StatusOK) // twice changes nothing
		}
		paid += cents
	}
	if paid != 40_000_000 {
		t.Fatalf("the tranches pay %d cents, not the 40000000 requested", paid)
	}
	// A paid tranche's report is part of the record: filing it again is refused (the applications
	// service asks the payments service).
	again := a.call(http.MethodPost, "/v1/"+name+"/reports", alice, map[string]any{"sequence": 2,
		"summary": "A second version of the milestone report.", "deliverables": []string{"https://example.org/report-v2.pdf"}}).
		must(t, http.StatusConflict)
	if d, _ := again.JSON["detail"].(string); !strings.Contains(d, "tranche 2 is PAID") {
		t.Fatalf("a report for a paid tranche: %s", again.Body)
	}

	// The workflow ends with the application funded and its tranches paid.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var outcome struct {
		State     string `json:"state"`
		PaidCents int64  `json:"paidCents"`
	}
	if err := temporal.GetWorkflow(ctx, flow.ApplicationWorkflowID(name), "").Get(ctx, &outcome); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	if outcome.State != "FUNDED" || outcome.PaidCents != 40_000_000 {
		t.Fatalf("outcome %+v", outcome)
	}
	// The project was funded by its own FundingWorkflow, a child of the application's, which
	// ended with the same outcome.
	var funding struct {
		State     string `json:"state"`
		PaidCents int64  `json:"paidCents"`
	}
	if err := temporal.GetWorkflow(ctx, flow.FundingWorkflowID(name), "").Get(ctx, &funding); err != nil || funding != outcome {
		t.Fatalf("funding workflow: %+v, %v", funding, err)
	}
	if d, err := temporal.DescribeWorkflow(ctx, flow.FundingWorkflowID(name), ""); err != nil ||
		d.RawResponse.GetWorkflowExecutionInfo().GetType().GetName() != flow.FundingWorkflowType ||
		d.RawResponse.GetWorkflowExecutionInfo().GetParentExecution().GetWorkflowId() != flow.ApplicationWorkflowID(name) {
		t.Fatalf("funding workflow description: %v %v", d, err)
	}
	if s := a.call(http.MethodGet, "/v1/"+name, alice, nil).must(t, http.StatusOK).str("state"); s != "FUNDED" {
		t.Fatalf("final state %s", s)
	}
	budget := a.call(http.MethodGet, "/v1/"+callName+"/budget", finance, nil).must(t, http.StatusOK)
	for field, want := range map[string]string{"envelopeCents": "1000000000", "committedCents": "40000000", "paidCents": "40000000", "availableCents": "960000000"} {
		if got := fmt.Sprint(budget.JSON[field]); got != want {
			t.Fatalf("budget %s = %s, want %s: %s", field, got, want, budget.Body)
		}
	}
	a.call(http.MethodGet, "/v1/"+callName+"/budget", alice, nil).problem(t, http.StatusForbidden, "")

	// The award is published as open data (SCDL subventions 2.1.1), readable by anyone.
	awards := a.call(http.MethodGet, "/v1/"+callName+"/awards.csv", "", nil).must(t, http.StatusOK)
	records, err := paymentsdomain.CheckAwards(awards.Body)
	if err != nil {
		t.Fatalf("awards.csv: %v\n%s", err, awards.Body)
	}
	if len(records) != 2 || records[1][5] != dinum || records[1][8] != "400000.00" {
		t.Fatalf("awards.csv rows: %q", records)
	}
	return name
}

// receiptEmail checks that the acknowledgement of receipt reached the contact, in French then
// English, with the content digest and instant of the submission's response. The mailbox is shared
// by the whole test run: the application's name finds this run's message.
func receiptEmail(t *testing.T, mailbox *mailpit.Client, name string, receipt response) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m, err := mailbox.Await(ctx, `"`+name+`"`)
	if err != nil {
		t.Fatalf("receipt email: %v", err)
	}
	if len(m.To) != 1 || m.To[0].Address != "alice@example.org" || m.To[0].Name != "Alice Martin" {
		t.Fatalf("receipt sent to %+v", m.To)
	}
	if m.MessageID != "receipt."+strings.ReplaceAll(name, "/", ".")+"@guichet.localhost" {
		t.Errorf("receipt Message-ID %q", m.MessageID)
	}
	submitted, err := time.Parse(time.RFC3339Nano, receipt.str("submitTime"))
	if err != nil {
		t.Fatal(err)
	}
	// The receipt email shows the instant as stored: PostgreSQL keeps microseconds, while the
	// submission's response may carry the clock's nanoseconds.
	submitted = submitted.Truncate(time.Microsecond)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	sha := receipt.str("contentSha256")
	title := "Bankruptcy risk from tax data"
	if !strings.Contains(m.Subject, "Accusé de réception") || !strings.Contains(m.Subject, title) {
		t.Errorf("receipt subject %q", m.Subject)
	}
	fr := []string{"Bonjour Alice Martin,", "Nous accusons réception", "Projet : " + title, "Dossier : " + name,
		"Empreinte SHA-256 du contenu : " + sha, "Horodatage : " + submitted.In(paris).Format(time.RFC3339Nano), "La suite :"}
	en := []string{"Hello Alice Martin,", "We acknowledge receipt", "Project: " + title, "Application: " + name,
		"SHA-256 of the content: " + sha, "Timestamp: " + submitted.In(paris).Format(time.RFC3339Nano), "What happens next:"}
	for _, want := range append(fr, en...) {
		if !strings.Contains(m.Text, want) {
			t.Errorf("receipt text lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Index(m.Text, fr[len(fr)-1]) > strings.Index(m.Text, en[0]) {
		t.Errorf("receipt text is not French first:\n%s", m.Text)
	}
	for _, want := range []string{sha, title, "Nous accusons réception", "We acknowledge receipt"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("receipt HTML lacks %q", want)
		}
	}
}

// validatePain001 checks a payment file against the official ISO 20022 schema with xmllint.
func validatePain001(t *testing.T, doc []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pain001.xml")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", "../../../services/payments/testdata/pain.001.001.03.xsd", path).CombinedOutput()
	if err != nil {
		t.Fatalf("the payment file does not validate against pain.001.001.03.xsd: %v\n%s\n%s", err, out, doc)
	}
}
