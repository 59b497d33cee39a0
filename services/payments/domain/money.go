package domain

import (
	"fmt"

	"github.com/guichet/guichet/platform/money"
)

// FormatEuros writes cents as euros with exactly two decimals and a decimal point ("1234.05"),
// the form of SEPA amounts (platform/money).
func FormatEuros(cents int64) string { return money.Decimal(cents) }

// ParseEuros reads an amount written by FormatEuros back into cents, a refusal reported as
// ErrInvalid naming the amount and the rule it breaks (platform/money).
func ParseEuros(s string) (int64, error) {
	cents, err := money.ParseDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return cents, nil
}
