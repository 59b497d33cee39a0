package domain

import (
	"fmt"

	"github.com/guichet/guichet/platform/bank"
)

// CheckIBAN checks a normalised IBAN (platform/bank: the rule the applications service applies
// when it is entered), reported as ErrInvalid: a payment file with a wrong IBAN sends public money
// astray.
func CheckIBAN(iban string) error {
	if err := bank.CheckIBAN(iban); err != nil {
		return fmt.Errorf("%w: IBAN %q %v", ErrInvalid, iban, err)
	}
	return nil
}

// CheckBIC checks a BIC as the payment file's schema accepts it (platform/bank), reported as ErrInvalid.
func CheckBIC(bic string) error {
	if err := bank.CheckBIC(bic); err != nil {
		return fmt.Errorf("%w: BIC %q %v", ErrInvalid, bic, err)
	}
	return nil
}

// Beneficiary is the organisation a grant is paid to.
type Beneficiary struct {
	Name  string `json:"name"`
	Siret string `json:"siret,omitempty"`
	IBAN  string `json:"iban"`
	BIC   string `json:"bic,omitempty"`
}
