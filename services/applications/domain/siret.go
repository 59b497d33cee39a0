package domain

import (
	"errors"
	"regexp"
)

// laPosteSIREN is La Poste's SIREN, whose establishments' SIRETs do not pass the Luhn check: they
// are valid when the sum of their digits is a multiple of 5 (INSEE's published exception).
const laPosteSIREN = "356000000"

var (
	// ErrSIRETFormat is returned for a SIRET that is not 14 digits.
	ErrSIRETFormat = errors.New("must be 14 digits")
	// ErrSIRETChecksum is returned for a SIRET whose check digit is wrong.
	ErrSIRETChecksum = errors.New("is not a valid SIRET (Luhn check failed)")
	rnaPattern       = regexp.MustCompile(`^W[0-9]{9}$`)
)

// ValidateSIRET checks a SIRET: 14 digits, Luhn, or La Poste's digit-sum rule.
func ValidateSIRET(siret string) error {
	if len(siret) != 14 || !allDigits(siret) {
		return ErrSIRETFormat
	}
	if siret[:9] == laPosteSIREN {
		if digitSum(siret)%5 == 0 {
			return nil
		}
		return ErrSIRETChecksum
	}
	if !luhn(siret) {
		return ErrSIRETChecksum
	}
	return nil
}

// SIREN returns the first nine digits of a SIRET: the legal entity.
func SIREN(siret string) string {
	if len(siret) < 9 {
		return ""
	}
	return siret[:9]
}

// ValidateRNA checks an association's RNA number: W followed by 9 digits.
func ValidateRNA(rna string) error {
	if !rnaPattern.MatchString(rna) {
		return errors.New("must be W followed by 9 digits")
	}
	return nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func digitSum(s string) int {
	sum := 0
	for _, r := range s {
		sum += int(r - '0')
	}
	return sum
}

// luhn reports whether the digits pass the Luhn check (doubling every second digit from the right).
func luhn(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
