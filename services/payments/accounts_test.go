package payments

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/internal/paintest"
	"github.com/guichet/guichet/services/payments/sepa"
)

const (
	correctedIBAN = "FR7630006000011234567890189"
	correctedBIC  = "BDFEFRPPCCT"
)

func (f *fixture) updateAccount(application, iban, bic string) (*paymentsv1.Commitment, error) {
	return f.client.UpdateBeneficiaryAccount(f.system(), &paymentsv1.UpdateBeneficiaryAccountRequest{
		Name: application + "/commitment", Iban: iban, Bic: bic})
}

func (f *fixture) approveAccount(who, application, iban string) (*paymentsv1.Commitment, error) {
	return f.client.ApproveBeneficiaryAccount(f.as(auth.FinanceOfficer, who), &paymentsv1.ApproveBeneficiaryAccountRequest{
		Name: application + "/commitment", Iban: iban})
}

// creditorOf returns the IBAN and BIC a batch's payment file pays, after checking the file.
func (f *fixture) creditorOf(batch string) (iban, bic string) {
	f.t.Helper()
	body, err := f.client.GetPain001(f.as(auth.Accountant, accountant), &paymentsv1.GetPain001Request{Name: batch})
	require.NoError(f.t, err)
	paintest.Validate(f.t, body.GetData())
	doc, err := sepa.Read(body.GetData())
	require.NoError(f.t, err)
	paintest.CheckRules(f.t, doc)
	tx := doc.CstmrCdtTrfInitn.PmtInf.CdtTrfTxInf[0]
	if tx.CdtrAgt != nil {
		bic = tx.CdtrAgt.FinInstnID.BIC
	}
	return tx.CdtrAcct.ID.IBAN, bic
}

// TestCorrectedAccountNeedsApproval: the bank rejects a transfer, the applicant corrects its IBAN,
// and no payment file uses the new account before a finance officer approves it.
func TestCorrectedAccountNeedsApproval(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	tranche := f.commit(app, 100_000_00, 30_000_00, 70_000_00).GetTranches()[0].GetName()
	f.ordered(tranche)
	rejected := f.batch(tranche)
	_, err := f.confirm(rejected.GetName(), &paymentsv1.TrancheOutcome{Tranche: tranche, Outcome: "REJECTED", Reason: "AC04 compte clos"})
	require.NoError(t, err)

	// The correction waits for approval; the approved account is still the agreement's.
	c, err := f.updateAccount(app, " fr76 3000 6000 0112 3456 7890 189 ", "bdfefrppcct")
	require.NoError(t, err)
	require.Equal(t, goodIBAN, c.GetAccount().GetIban())
	require.Equal(t, "APPROVED", c.GetAccount().GetState())
	require.Equal(t, correctedIBAN, c.GetPendingAccount().GetIban())
	require.Equal(t, correctedBIC, c.GetPendingAccount().GetBic())
	require.Equal(t, "PENDING_APPROVAL", c.GetPendingAccount().GetState())
	require.Equal(t, workerSystem, c.GetPendingAccount().GetRequestedBy())
	require.Equal(t, 1, f.count(`SELECT count(*) FROM audit_log WHERE action = 'beneficiary.account.update' AND object = $1
		AND after->'pending'->>'iban' = $2 AND after->>'iban' = $3`, app+"/commitment", correctedIBAN, goodIBAN))
	before := f.rows()
	_, err = f.updateAccount(app, correctedIBAN, correctedBIC)
	require.NoError(t, err)
	require.Equal(t, before, f.rows(), "a repeated correction wrote something")

	// Batching the tranche is refused while the change awaits approval.
	_, err = f.client.CreatePaymentBatch(f.as(auth.Accountant, accountant), &paymentsv1.CreatePaymentBatchRequest{Tranches: []string{tranche}})
	st := requireCode(t, err, codes.FailedPrecondition)
	require.Contains(t, st.Message(), "approval")
	require.Equal(t, "ORDERED", f.tranches(app)[0].GetState())
	require.Equal(t, 1, f.count(`SELECT count(*) FROM payment_batches`))

	// An approval of an IBAN other than the pending one is refused; the right one is applied.
	_, err = f.approveAccount("finance-2", app, goodIBAN)
	requireCode(t, err, codes.FailedPrecondition)
	c, err = f.approveAccount("finance-2", app, correctedIBAN)
	require.NoError(t, err)
	require.Nil(t, c.GetPendingAccount())
	require.Equal(t, correctedIBAN, c.GetAccount().GetIban())
	require.Equal(t, correctedBIC, c.GetAccount().GetBic())
	require.Equal(t, "finance-2", c.GetAccount().GetApprovedBy())
	require.Equal(t, workerSystem, c.GetAccount().GetRequestedBy())
	require.NotNil(t, c.GetAccount().GetApproveTime())
	require.Equal(t, 1, f.count(`SELECT count(*) FROM audit_log WHERE action = 'beneficiary.account.approve' AND actor = 'finance-2'
		AND role = 'finance_officer' AND before->>'iban' = $1 AND after->>'iban' = $2`, goodIBAN, correctedIBAN))
	before = f.rows()
	_, err = f.approveAccount(finance, app, correctedIBAN)
	require.NoError(t, err, "a repeated approval is not an error")
	require.Equal(t, before, f.rows(), "a repeated approval wrote something")
	_, err = f.approveAccount(finance, app, goodIBAN)
	requireCode(t, err, codes.FailedPrecondition)

	// The new file pays the approved account; the rejected file still reads as it was sent.
	retried := f.batch(tranche)
	iban, bic := f.creditorOf(retried.GetName())
	require.Equal(t, correctedIBAN, iban)
	require.Equal(t, correctedBIC, bic)
	iban, _ = f.creditorOf(rejected.GetName())
	require.Equal(t, goodIBAN, iban)
	_, err = f.confirm(retried.GetName(), paid(tranche))
	require.NoError(t, err)
	require.Equal(t, "PAID", f.tranches(app)[0].GetState())

	// A correction back to the approved account withdraws a pending one.
	_, err = f.updateAccount(app, goodIBAN, "")
	require.NoError(t, err)
	c, err = f.updateAccount(app, correctedIBAN, correctedBIC)
	require.NoError(t, err)
	require.Nil(t, c.GetPendingAccount())
	f.verifyAudit()
}

func TestAccountRefusals(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	f.commit3(app, 100_000_00)

	_, err := f.updateAccount(app, "FR7630006000011234567890188", "")
	requireViolation(t, err, "iban")
	_, err = f.updateAccount(app, correctedIBAN, "BNPAFR1P")
	requireViolation(t, err, "bic")
	_, err = f.updateAccount(call+"/applications/ghost", correctedIBAN, "")
	requireCode(t, err, codes.NotFound)
	// The agreement's account came approved with the agreement: there is nothing to approve.
	_, err = f.approveAccount(finance, app, goodIBAN)
	requireCode(t, err, codes.FailedPrecondition)
	_, err = f.approveAccount(finance, call+"/applications/ghost", goodIBAN)
	requireCode(t, err, codes.NotFound)

	// The owner organisation reads its commitment; another organisation cannot tell it exists.
	name := &paymentsv1.GetCommitmentRequest{Name: app + "/commitment"}
	own, err := f.client.GetCommitment(f.applicant("alice", siretDINUM), name)
	require.NoError(t, err)
	require.Equal(t, goodIBAN, own.GetAccount().GetIban())
	_, err = f.client.GetCommitment(f.applicant("mallory", siretOther), name)
	requireCode(t, err, codes.NotFound)
	_, err = f.client.GetCommitment(f.as(auth.Auditor, auditor), &paymentsv1.GetCommitmentRequest{Name: call + "/applications/ghost/commitment"})
	requireCode(t, err, codes.NotFound)
}
