package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

// The finance console: a call's budget and the work queues of its tranches, with the actions of
// each role. The console shows every action to whoever may see the queue and lets the payments
// service decide: roles, separation of duties (certifier, orderer and payer three different
// people) and states are enforced there, with the signed-in person's own token, and a refusal is
// announced on the page with the service's message while nothing changes.

// financeRole reports whether a role works in the finance console rather than the jury's.
func financeRole(role string) bool {
	return slices.Contains([]string{string(auth.ProgrammeOfficer), string(auth.FinanceOfficer), string(auth.Accountant), string(auth.Auditor)}, role)
}

// financeData is the finance page of a call.
type financeData struct {
	Call    *appv1.Call
	CallID  string
	Budget  *paymentsv1.CallBudget
	Chart   template.HTML
	Pending int64 // committed, not yet paid
	// The queues, by the state that puts a tranche in them.
	ToCertify, ToOrder, ToBatch, Exported, Done []*paymentsv1.CallTranche
	Batches                                     []*paymentsv1.PaymentBatch
	Accounts                                    []*paymentsv1.Commitment
	// Selected keeps the tranches ticked in a refused batch form.
	Selected map[string]bool
}

func (c *console) financePage(w http.ResponseWriter, r *http.Request, sess session) {
	c.showFinance(w, r, sess, http.StatusOK, "", nil)
}

func (c *console) showFinance(w http.ResponseWriter, r *http.Request, sess session, code int, formErr string, selected map[string]bool) {
	ctx := c.as(r, sess)
	callID := r.PathValue("call")
	call, err := c.calls.GetCall(ctx, &appv1.GetCallRequest{Name: "calls/" + callID})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	budget, err := c.payments.GetCallBudget(ctx, &paymentsv1.GetCallBudgetRequest{Name: "calls/" + callID + "/budget"})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	list, err := c.payments.ListCallTranches(ctx, &paymentsv1.ListCallTranchesRequest{Parent: "calls/" + callID})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	d := financeData{Call: call, CallID: callID, Budget: budget, Pending: budget.GetCommittedCents() - budget.GetPaidCents(),
		Chart: budgetChart(budget), Selected: selected}
	batchesOfCall := map[string]bool{}
	for _, ct := range list.GetTranches() {
		t := ct.GetTranche()
		switch t.GetState() {
		case "REPORT_SUBMITTED":
			d.ToCertify = append(d.ToCertify, ct)
		case "PLANNED":
			// The advance is certified on the signature of the agreement, without a report.
			if t.GetSequence() == 1 {
				d.ToCertify = append(d.ToCertify, ct)
			}
		case "CERTIFIED":
			d.ToOrder = append(d.ToOrder, ct)
		case "ORDERED":
			d.ToBatch = append(d.ToBatch, ct)
		case "EXPORTED":
			d.Exported = append(d.Exported, ct)
			batchesOfCall[t.GetBatch()] = true
		case "PAID":
			d.Done = append(d.Done, ct)
		}
	}
	// Each list is asked of the service only by the roles it serves.
	if sess.Role == string(auth.Accountant) || sess.Role == string(auth.Auditor) {
		batches, err := c.payments.ListPaymentBatches(ctx, &paymentsv1.ListPaymentBatchesRequest{Filter: `state="EXPORTED"`})
		if err != nil {
			c.grpcFail(w, r, sess, err)
			return
		}
		for _, b := range batches.GetPaymentBatches() {
			if batchesOfCall[b.GetName()] {
				d.Batches = append(d.Batches, b)
			}
		}
	}
	if sess.Role == string(auth.FinanceOfficer) {
		accounts, err := c.payments.ListPendingAccounts(ctx, &paymentsv1.ListPendingAccountsRequest{Parent: "calls/" + callID})
		if err != nil {
			c.grpcFail(w, r, sess, err)
			return
		}
		d.Accounts = accounts.GetCommitments()
	}
	c.render(w, r, code, "finance.html", view{Title: "Finances — " + call.GetTitle(), Session: &sess, Error: formErr, Data: d})
}

// refused shows the finance page again with the service's refusal announced, when err is one
// (role, separation of duties, state, input); ok is false when err is something else.
func (c *console) refused(w http.ResponseWriter, r *http.Request, sess session, err error, selected map[string]bool) bool {
	st := status.Convert(err)
	code := map[codes.Code]int{codes.PermissionDenied: http.StatusForbidden, codes.FailedPrecondition: http.StatusConflict,
		codes.InvalidArgument: http.StatusBadRequest}[st.Code()]
	if code == 0 {
		return false
	}
	c.showFinance(w, r, sess, code, "Refusé par le service des paiements : "+st.Message(), selected)
	return true
}

// afterAction shows the result of an action: the page again, or the refusal.
func (c *console) afterAction(w http.ResponseWriter, r *http.Request, sess session, err error, selected map[string]bool, next string) {
	if err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if !c.refused(w, r, sess, err, selected) {
		c.grpcFail(w, r, sess, err)
	}
}

func financeURL(r *http.Request) string { return "/calls/" + r.PathValue("call") + "/finance" }

func (c *console) certifyTranche(w http.ResponseWriter, r *http.Request, sess session) {
	_, err := c.payments.CertifyTranche(c.as(r, sess), &paymentsv1.CertifyTrancheRequest{Name: "tranches/" + r.PathValue("tranche")})
	c.afterAction(w, r, sess, err, nil, financeURL(r))
}

func (c *console) orderTranche(w http.ResponseWriter, r *http.Request, sess session) {
	_, err := c.payments.OrderTranche(c.as(r, sess), &paymentsv1.OrderTrancheRequest{Name: "tranches/" + r.PathValue("tranche")})
	c.afterAction(w, r, sess, err, nil, financeURL(r))
}

func (c *console) createBatch(w http.ResponseWriter, r *http.Request, sess session) {
	_ = r.ParseForm()
	selected := map[string]bool{}
	var names []string
	for _, id := range r.PostForm["tranche"] {
		selected[id] = true
		names = append(names, "tranches/"+id)
	}
	if len(names) == 0 {
		c.showFinance(w, r, sess, http.StatusBadRequest, "Cochez au moins une tranche à mettre dans le lot.", selected)
		return
	}
	b, err := c.payments.CreatePaymentBatch(c.as(r, sess), &paymentsv1.CreatePaymentBatchRequest{Tranches: names})
	c.afterAction(w, r, sess, err, selected, financeURL(r)+"/batches/"+lastSegment(b.GetName()))
}

func (c *console) approveAccount(w http.ResponseWriter, r *http.Request, sess session) {
	_, err := c.payments.ApproveBeneficiaryAccount(c.as(r, sess), &paymentsv1.ApproveBeneficiaryAccountRequest{
		Name: "calls/" + r.PathValue("call") + "/applications/" + r.PathValue("app") + "/commitment", Iban: r.PostFormValue("iban")})
	c.afterAction(w, r, sess, err, nil, financeURL(r))
}

// batchData is a payment batch's page: its file and the bank's outcome per tranche.
type batchData struct {
	CallID, BatchID string
	Batch           *paymentsv1.PaymentBatch
	Tranches        []*paymentsv1.CallTranche
	// Chosen keeps a refused confirmation form: outcome-<id> and reason-<id>.
	Chosen map[string]string
}

func (c *console) batchPage(w http.ResponseWriter, r *http.Request, sess session) {
	c.showBatch(w, r, sess, http.StatusOK, "", nil)
}

func (c *console) showBatch(w http.ResponseWriter, r *http.Request, sess session, code int, formErr string, chosen map[string]string) {
	ctx := c.as(r, sess)
	callID, batchID := r.PathValue("call"), r.PathValue("batch")
	batches, err := c.payments.ListPaymentBatches(ctx, &paymentsv1.ListPaymentBatchesRequest{})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	d := batchData{CallID: callID, BatchID: batchID, Chosen: chosen}
	for _, b := range batches.GetPaymentBatches() {
		if b.GetName() == "payment-batches/"+batchID {
			d.Batch = b
		}
	}
	if d.Batch == nil {
		c.fail(w, r, http.StatusNotFound, "Ce lot de paiement n'existe pas.", status.Error(codes.NotFound, batchID))
		return
	}
	list, err := c.payments.ListCallTranches(ctx, &paymentsv1.ListCallTranchesRequest{Parent: "calls/" + callID})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	byName := map[string]*paymentsv1.CallTranche{}
	for _, ct := range list.GetTranches() {
		byName[ct.GetTranche().GetName()] = ct
	}
	for _, name := range d.Batch.GetTranches() {
		if ct, ok := byName[name]; ok {
			d.Tranches = append(d.Tranches, ct)
		}
	}
	c.render(w, r, code, "finance_batch.html", view{Title: "Lot de paiement " + batchID, Session: &sess, Error: formErr, Data: d})
}

// pain001 serves the batch's SEPA file as a download, fetched with the person's own token (the
// service lets only accountants and auditors have it).
func (c *console) pain001(w http.ResponseWriter, r *http.Request, sess session) {
	batchID := r.PathValue("batch")
	body, err := c.payments.GetPain001(c.as(r, sess), &paymentsv1.GetPain001Request{Name: "payment-batches/" + batchID})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	w.Header().Set("Content-Type", body.GetContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="pain001-%s.xml"`, batchID))
	_, _ = w.Write(body.GetData())
}

func (c *console) confirmBatch(w http.ResponseWriter, r *http.Request, sess session) {
	callID, batchID := r.PathValue("call"), r.PathValue("batch")
	_ = r.ParseForm()
	chosen := map[string]string{}
	var outcomes []*paymentsv1.TrancheOutcome
	for _, id := range r.PostForm["tranche"] {
		outcome, reason := r.PostFormValue("outcome-"+id), strings.TrimSpace(r.PostFormValue("reason-"+id))
		chosen["outcome-"+id], chosen["reason-"+id] = outcome, reason
		if outcome == "" {
			continue // not settled yet by the bank
		}
		if outcome == "REJECTED" && reason == "" {
			c.showBatch(w, r, sess, http.StatusBadRequest, "Indiquez le motif du rejet donné par la banque.", chosen)
			return
		}
		outcomes = append(outcomes, &paymentsv1.TrancheOutcome{Tranche: "tranches/" + id, Outcome: outcome, Reason: reason})
	}
	if len(outcomes) == 0 {
		c.showBatch(w, r, sess, http.StatusBadRequest, "Indiquez le résultat d'au moins une tranche.", chosen)
		return
	}
	_, err := c.payments.ConfirmPaymentBatch(c.as(r, sess), &paymentsv1.ConfirmPaymentBatchRequest{Name: "payment-batches/" + batchID, Outcomes: outcomes})
	if err == nil {
		http.Redirect(w, r, "/calls/"+callID+"/finance", http.StatusSeeOther)
		return
	}
	st := status.Convert(err)
	switch st.Code() {
	case codes.PermissionDenied, codes.FailedPrecondition, codes.InvalidArgument:
		c.showBatch(w, r, sess, http.StatusConflict, "Refusé par le service des paiements : "+st.Message(), chosen)
	default:
		c.grpcFail(w, r, sess, err)
	}
}

// budgetChart draws the envelope as one horizontal bar split into paid, committed not yet paid,
// and available, server-side, with a title and a description; the table beside it says the same.
func budgetChart(b *paymentsv1.CallBudget) template.HTML {
	const width, height, left, barY, barH = 640, 120, 8, 16, 48
	envelope := b.GetEnvelopeCents()
	if envelope <= 0 {
		return ""
	}
	paid, pending, available := b.GetPaidCents(), b.GetCommittedCents()-b.GetPaidCents(), b.GetAvailableCents()
	scale := func(v int64) float64 { return float64(v) / float64(envelope) * float64(width-2*left) }
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="budget-title budget-desc" xmlns="http://www.w3.org/2000/svg">`, width, height)
	s.WriteString(`<title id="budget-title">Enveloppe de l'appel : payé, engagé, disponible</title>`)
	fmt.Fprintf(&s, `<desc id="budget-desc">Sur une enveloppe de %s : %s payés, %s engagés restant à payer, %s disponibles. Les mêmes données figurent dans le tableau qui suit.</desc>`,
		template.HTMLEscapeString(euros(envelope)), template.HTMLEscapeString(euros(paid)),
		template.HTMLEscapeString(euros(pending)), template.HTMLEscapeString(euros(available)))
	x := float64(left)
	for _, part := range []struct {
		cls   string
		cents int64
	}{{"paid", paid}, {"committed", pending}, {"available", available}} {
		w := scale(part.cents)
		if w > 0 {
			fmt.Fprintf(&s, `<rect class="budget %s" x="%.1f" y="%d" width="%.1f" height="%d"/>`, part.cls, x, barY, w, barH)
		}
		x += w
	}
	// The legend repeats the colours with words, so that colour is never the only cue.
	for i, l := range []struct{ cls, label string }{{"paid", "Payé"}, {"committed", "Engagé, à payer"}, {"available", "Disponible"}} {
		lx := left + i*210
		fmt.Fprintf(&s, `<rect class="budget %s" x="%d" y="%d" width="14" height="14"/>`, l.cls, lx, barY+barH+20)
		fmt.Fprintf(&s, `<text class="label" x="%d" y="%d">%s</text>`, lx+20, barY+barH+32, l.label)
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String()) // built from numbers and escaped text only
}

func (c *console) financeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /calls/{call}/finance", c.get(c.financePage))
	mux.HandleFunc("POST /calls/{call}/finance/tranches/{tranche}/certify", c.post(c.certifyTranche))
	mux.HandleFunc("POST /calls/{call}/finance/tranches/{tranche}/order", c.post(c.orderTranche))
	mux.HandleFunc("POST /calls/{call}/finance/batches", c.post(c.createBatch))
	mux.HandleFunc("GET /calls/{call}/finance/batches/{batch}", c.get(c.batchPage))
	mux.HandleFunc("GET /calls/{call}/finance/batches/{batch}/pain001.xml", c.get(c.pain001))
	mux.HandleFunc("POST /calls/{call}/finance/batches/{batch}/confirm", c.post(c.confirmBatch))
	mux.HandleFunc("POST /calls/{call}/finance/accounts/{app}/approve", c.post(c.approveAccount))
}

// trancheState names a tranche's state in French.
func trancheState(state string) string {
	if s, ok := map[string]string{"PLANNED": "prévue", "REPORT_SUBMITTED": "rapport déposé", "CERTIFIED": "certifiée",
		"ORDERED": "ordonnancée", "EXPORTED": "exportée", "PAID": "payée", "REJECTED": "rejetée", "CANCELLED": "annulée"}[state]; ok {
		return s
	}
	return state
}

// trimCommitment is the application of a commitment's name.
func trimCommitment(name string) string { return strings.TrimSuffix(name, "/commitment") }
