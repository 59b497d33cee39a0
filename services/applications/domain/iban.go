package domain

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ibanLengths is the IBAN length of each SEPA country (ISO 13616 registry).
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
	"ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
	"IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
	"PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}

var bicPattern = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)

// NormalizeIBAN removes spaces and upper-cases an IBAN as typed by a person.
func NormalizeIBAN(iban string) string {
	return strings.ToUpper(strings.ReplaceAll(iban, " ", ""))
}

// ValidateIBAN checks an IBAN: a SEPA country, its length, alphanumerics, and mod 97 = 1.
func ValidateIBAN(iban string) error {
	if len(iban) < 4 {
		return errors.New("is too short to be an IBAN")
	}
	want, ok := ibanLengths[iban[:2]]
	if !ok {
		return fmt.Errorf("country %q is not a SEPA country", iban[:2])
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

// ValidateBIC checks a BIC (ISO 9362): 8 or 11 characters.
func ValidateBIC(bic string) error {
	if !bicPattern.MatchString(bic) {
		return errors.New("must be a BIC of 8 or 11 characters")
	}
	return nil
}
