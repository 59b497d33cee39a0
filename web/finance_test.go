package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

func TestBudgetChart(t *testing.T) {
	got := string(budgetChart(&paymentsv1.CallBudget{EnvelopeCents: 1_000_00, CommittedCents: 500_00, PaidCents: 250_00, AvailableCents: 500_00}))
	for _, want := range []string{
		`role="img" aria-labelledby="budget-title budget-desc"`,
		`<title id="budget-title">`,
		"Sur une enveloppe de 1\u202f000,00\u00a0€ : 250,00\u00a0€ payés, 250,00\u00a0€ engagés restant à payer, 500,00\u00a0€ disponibles.",
		// 624 units of width: a quarter paid, a quarter committed, half available, end to end.
		`<rect class="budget paid" x="8.0" y="16" width="156.0"`,
		`<rect class="budget committed" x="164.0" y="16" width="156.0"`,
		`<rect class="budget available" x="320.0" y="16" width="312.0"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("chart lacks %q:\n%s", want, got)
		}
	}
	// Nothing paid nor committed yet: no zero-width segment.
	if empty := string(budgetChart(&paymentsv1.CallBudget{EnvelopeCents: 100, AvailableCents: 100})); strings.Contains(empty, `width="0.0"`) {
		t.Errorf("a zero-width segment is drawn:\n%s", empty)
	}
	if budgetChart(&paymentsv1.CallBudget{}) != "" {
		t.Error("a chart without an envelope")
	}
}

func TestFinanceHelpers(t *testing.T) {
	for role, want := range map[string]bool{"programme_officer": true, "finance_officer": true, "accountant": true, "auditor": true,
		"reviewer": false, "jury_chair": false, "applicant": false, "": false} {
		if financeRole(role) != want {
			t.Errorf("financeRole(%q) = %v", role, !want)
		}
	}
	if trancheState("REPORT_SUBMITTED") != "rapport déposé" || trancheState("NEW") != "NEW" {
		t.Error("trancheState")
	}
	if trimCommitment("calls/c/applications/a/commitment") != "calls/c/applications/a" {
		t.Error("trimCommitment")
	}
}

// TestFinanceFormsNeedTheSession checks that every finance action refuses a POST without the
// session's synchroniser token, before any call to the payments service.
func TestFinanceFormsNeedTheSession(t *testing.T) {
	h := newHarness(t)
	c, _ := h.signIn(t, "finance-1")
	for _, path := range []string{"/calls/demo/finance/tranches/t1/certify", "/calls/demo/finance/tranches/t1/order",
		"/calls/demo/finance/batches", "/calls/demo/finance/batches/b1/confirm", "/calls/demo/finance/accounts/a1/approve"} {
		res, err := c.PostForm(h.web.URL+path, url.Values{"csrf": {"forged"}, "tranche": {"t1"}})
		if err != nil || res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with a forged token: %v %v", path, res, err)
		}
	}
	// Pages need a session, the file download too.
	res, err := noFollow(nil).Get(h.web.URL + "/calls/demo/finance/batches/b1/pain001.xml")
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("anonymous download: %v %v", res, err)
	}
}

func TestFinanceTemplatesRender(t *testing.T) {
	sess := &session{Subject: "finance-1", Role: "finance_officer", CSRF: "TOKEN"}
	ct := func(id, state string, seq int32) *paymentsv1.CallTranche {
		return &paymentsv1.CallTranche{ProjectTitle: "Projet " + id, BeneficiaryName: "Bénéficiaire", Tranche: &paymentsv1.Tranche{
			Name: "tranches/" + id, Application: "calls/demo/applications/a1", Sequence: seq, Title: "Avance", AmountCents: 120_000_00, State: state,
			CertifiedBy: "officer-1"}}
	}
	budget := &paymentsv1.CallBudget{EnvelopeCents: 1_000_000_00, CommittedCents: 400_000_00, PaidCents: 120_000_00, AvailableCents: 600_000_00}
	for name, v := range map[string]view{
		"finance.html": {Title: "Finances", Session: sess, Error: "Refusé par le service des paiements : non", Data: financeData{
			Call: &appv1.Call{Title: "Démo"}, CallID: "demo", Budget: budget, Chart: budgetChart(budget), Pending: 280_000_00,
			ToCertify: []*paymentsv1.CallTranche{ct("t1", "PLANNED", 1)}, ToOrder: []*paymentsv1.CallTranche{ct("t2", "CERTIFIED", 2)},
			ToBatch: []*paymentsv1.CallTranche{ct("t3", "ORDERED", 1), ct("t4", "ORDERED", 2)}, Done: []*paymentsv1.CallTranche{ct("t5", "PAID", 1)},
			Batches:  []*paymentsv1.PaymentBatch{{Name: "payment-batches/b1", Tranches: []string{"tranches/t6"}, TotalCents: 1}},
			Accounts: []*paymentsv1.Commitment{{Name: "calls/demo/applications/a1/commitment", Account: &paymentsv1.BeneficiaryAccount{Iban: "FR76"}, PendingAccount: &paymentsv1.BeneficiaryAccount{Iban: "FR14"}}},
			Selected: map[string]bool{"t4": true}}},
		"finance_batch.html": {Title: "Lot", Session: sess, Error: "Indiquez le motif", Data: batchData{CallID: "demo", BatchID: "b1",
			Batch:    &paymentsv1.PaymentBatch{Name: "payment-batches/b1", Tranches: []string{"tranches/t6"}, TotalCents: 120_000_00, State: "EXPORTED"},
			Tranches: []*paymentsv1.CallTranche{ct("t6", "EXPORTED", 1)}, Chosen: map[string]string{"outcome-t6": "REJECTED", "reason-t6": "AC01"}}},
	} {
		var b strings.Builder
		if err := pages[name].ExecuteTemplate(&b, "layout", v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := b.String()
		if !strings.Contains(out, `role="alert"`) || strings.Contains(out, "<script") || strings.Contains(out, "style=") {
			t.Errorf("%s: no announced error, or inline script or style", name)
		}
		for _, id := range regexp.MustCompile(`<input type="(?:text|checkbox|radio)" id="([^"]+)"`).FindAllStringSubmatch(out, -1) {
			if !strings.Contains(out, `for="`+id[1]+`"`) {
				t.Errorf("%s: field %s has no label", name, id[1])
			}
		}
		if name == "finance.html" && !strings.Contains(out, `action="/calls/demo/finance/accounts/a1/approve"`+"><input type=\"hidden\" name=\"csrf\" value=\"TOKEN\">\n<input type=\"hidden\" name=\"iban\" value=\"FR14\">") {
			t.Errorf("finance.html: no approval form for the pending account:\n%s", out)
		}
		if n := strings.Count(out, `name="csrf" value="TOKEN"`); n < strings.Count(out, `method="post"`) {
			t.Errorf("%s: %d forms for %d synchroniser tokens", name, strings.Count(out, `method="post"`), n)
		}
	}
	var b strings.Builder
	_ = pages["finance.html"].ExecuteTemplate(&b, "layout", view{Session: sess, Data: financeData{CallID: "demo", Budget: budget,
		Call: &appv1.Call{}, ToBatch: []*paymentsv1.CallTranche{ct("t3", "ORDERED", 1), ct("t4", "ORDERED", 2)}, Selected: map[string]bool{"t4": true}}})
	for _, want := range []string{`value="t4" checked>`, `value="t3">`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the batch form lacks %s", want)
		}
	}
}
