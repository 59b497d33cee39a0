package domain

import (
	"fmt"
	"regexp"
	"strings"
)

// ibanLengths are the IBAN lengths of the countries of the SEPA scheme (EPC409-09).
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
	"ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
	"IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
	"PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}

var (
	ibanShape = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$`)
	bicShape  = regexp.MustCompile(`^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$`)
)

// NormalizeIBAN removes spaces and upper-cases an IBAN as people write it.
func NormalizeIBAN(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// CheckIBAN checks a normalised IBAN of a SEPA country: its shape, its country's length and its
// ISO 13616 check digits (mod 97 = 1). A payment file with a wrong IBAN sends public money astray.
func CheckIBAN(iban string) error {
	if !ibanShape.MatchString(iban) {
		return fmt.Errorf("%w: %q is not an IBAN", ErrInvalid, iban)
	}
	n, ok := ibanLengths[iban[:2]]
	if !ok {
		return fmt.Errorf("%w: %s is not a country of the SEPA scheme", ErrInvalid, iban[:2])
	}
	if len(iban) != n {
		return fmt.Errorf("%w: an IBAN of %s has %d characters, not %d", ErrInvalid, iban[:2], n, len(iban))
	}
	rem := 0
	for _, r := range iban[4:] + iban[:4] {
		if r >= 'A' && r <= 'Z' {
			rem = (rem*100 + int(r-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(r-'0')) % 97
		}
	}
	if rem != 1 {
		return fmt.Errorf("%w: the check digits of IBAN %s are wrong", ErrInvalid, iban)
	}
	return nil
}

// CheckBIC checks the shape of a BIC (ISO 9362), 8 or 11 characters, as the payment file's schema does.
func CheckBIC(bic string) error {
	if !bicShape.MatchString(bic) {
		return fmt.Errorf("%w: %q is not a BIC", ErrInvalid, bic)
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
