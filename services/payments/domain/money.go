package domain

import (
	"fmt"

	"github.com/guichet/guichet/platform/money"
)

// ParseEuros reads an amount written by money.Decimal (the form of SEPA amounts) back into
// cents, a refusal reported as ErrInvalid naming the amount and the rule it breaks (platform/money).
func ParseEuros(s string) (int64, error) {
	cents, err := money.ParseDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return cents, nil
}
