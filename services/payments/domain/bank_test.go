package domain

import (
	"errors"
	"testing"

	"github.com/guichet/guichet/platform/bank"
)

// The rules are platform/bank's (tested there); the payments service reports a refusal as ErrInvalid.
func TestBankChecksReportErrInvalid(t *testing.T) {
	if err := CheckIBAN(bank.NormalizeIBAN(" fr76 3000 6000 0112 3456 7890 189 ")); err != nil {
		t.Fatalf("CheckIBAN: %v", err)
	}
	if err := CheckBIC("BDFEFRPPCCT"); err != nil {
		t.Fatalf("CheckBIC: %v", err)
	}
	if err := CheckIBAN("FR7630006000011234567890188"); !errors.Is(err, ErrInvalid) {
		t.Errorf("CheckIBAN of wrong check digits = %v, want ErrInvalid", err)
	}
	if err := CheckBIC("BNPAFRPO"); !errors.Is(err, ErrInvalid) {
		t.Errorf("CheckBIC of a bad location code = %v, want ErrInvalid", err)
	}
}
