// Package bank checks the bank details a grant is paid to: the IBAN (ISO 13616) of a country of
// the SEPA scheme and the BIC (ISO 9362) as the SEPA payment file's schema accepts it. The
// applications service checks them when the applicant enters them, the payments service again
// before it writes a payment file: one rule for both.
package bank

import (
	"errors"
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

// bicShape is the BICIdentifier pattern of the pain.001.001.03 schema.
var bicShape = regexp.MustCompile(`^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$`)

// NormalizeIBAN removes white space and upper-cases an IBAN as people write it.
func NormalizeIBAN(iban string) string {
	return strings.ToUpper(strings.Join(strings.Fields(iban), ""))
}

// CheckIBAN checks a normalised IBAN: a country of the SEPA scheme, that country's length, letters
// and digits only, and the ISO 13616 check digits (mod 97 = 1). The error says what is wrong, in
// words that follow the field's name ("iban must be ...").
func CheckIBAN(iban string) error {
	if len(iban) < 4 {
		return errors.New("is too short to be an IBAN")
	}
	want, ok := ibanLengths[iban[:2]]
	if !ok {
		return fmt.Errorf("country %q is not a country of the SEPA scheme", iban[:2])
	}
	if len(iban) != want {
		return fmt.Errorf("must be %d characters for country %s", want, iban[:2])
	}
	rem := 0
	for _, r := range iban[4:] + iban[:4] {
		switch {
		case r >= '0' && r <= '9':
			rem = (rem*10 + int(r-'0')) % 97
		case r >= 'A' && r <= 'Z':
			rem = (rem*100 + int(r-'A'+10)) % 97
		default:
			return errors.New("must contain only letters A-Z and digits")
		}
	}
	if rem != 1 {
		return errors.New("is not a valid IBAN (mod 97 check failed)")
	}
	return nil
}

// CheckBIC checks a BIC: 8 or 11 characters, in the shape the SEPA payment file's schema accepts.
func CheckBIC(bic string) error {
	if !bicShape.MatchString(bic) {
		return errors.New("must be a BIC of 8 or 11 characters (ISO 9362)")
	}
	return nil
}
