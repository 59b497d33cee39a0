package applications

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

func TestBankAccountCorrectionOfAFundedProject(t *testing.T) {
	f := setup(t)
	name := f.funded(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	corrected := &appv1.BankAccount{Iban: "FR1420041010050500013M02606", Holder: "DINUM"}
	_, err := f.apps.UpdateBankAccount(alice, &appv1.UpdateBankAccountRequest{Name: name,
		BankAccount: &appv1.BankAccount{Iban: "FR7630006000011234567890188", Holder: "DINUM"}})
	violationOn(t, err, "bankAccount.iban")
	_, err = f.apps.UpdateBankAccount(f.as(auth.Applicant, "mallory", other), &appv1.UpdateBankAccountRequest{Name: name, BankAccount: corrected})
	code(t, err, codes.NotFound)
	_, err = f.apps.UpdateBankAccount(f.as(auth.FinanceOfficer, "finance-1", ""), &appv1.UpdateBankAccountRequest{Name: name, BankAccount: corrected})
	code(t, err, codes.PermissionDenied)

	before, err := f.apps.GetApplication(alice, &appv1.GetApplicationRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // a repeat changes nothing
		got, err := f.apps.UpdateBankAccount(alice, &appv1.UpdateBankAccountRequest{Name: name, BankAccount: corrected})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetBankAccount().GetIban() != "FR1420041010050500013M02606" {
			t.Fatalf("account = %v", got.GetBankAccount())
		}
	}
	after, err := f.apps.GetApplication(f.as(auth.FinanceOfficer, "finance-1", ""), &appv1.GetApplicationRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	// The receipt of the submitted content does not change: the correction is a new version.
	if after.GetContentSha256() != before.GetContentSha256() || after.GetBankAccount().GetIban() != "FR1420041010050500013M02606" {
		t.Fatalf("after = %v", after)
	}
	var signals int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE signal_name = 'bank-account-changed'`).Scan(&signals); err != nil || signals != 1 {
		t.Fatalf("signals = %d, %v", signals, err)
	}
	if brk, _, err := audit.Verify(context.Background(), f.pool); err != nil || brk != nil {
		t.Fatalf("audit: %v %v", brk, err)
	}
}

func TestBankAccountCorrectionNeedsASelectedProject(t *testing.T) {
	f := setup(t)
	c := f.createCall(t)
	alice := f.as(auth.Applicant, "alice", dinum)
	a, err := f.apps.CreateApplication(alice, &appv1.CreateApplicationRequest{Parent: c.GetName(), Application: completeApplication()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.apps.UpdateBankAccount(alice, &appv1.UpdateBankAccountRequest{Name: a.GetName(),
		BankAccount: &appv1.BankAccount{Iban: "FR1420041010050500013M02606", Holder: "DINUM"}})
	code(t, err, codes.FailedPrecondition)
}
