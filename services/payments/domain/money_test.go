package domain

import (
	"errors"
	"strings"
	"testing"

	"github.com/guichet/guichet/platform/money"
)

// The amount form and its edge cases are platform/money's (tested there); payments reports a
// refusal as ErrInvalid naming the amount.
func TestParseEurosReportsErrInvalid(t *testing.T) {
	for _, s := range []string{"1.0", "-0.00", "92233720368547758.08"} {
		_, err := ParseEuros(s)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"`+s+`"`) {
			t.Errorf("ParseEuros(%q) = %v, want ErrInvalid naming the amount", s, err)
		}
	}
	if cents, err := ParseEuros(money.Decimal(-123456)); err != nil || cents != -123456 {
		t.Errorf("ParseEuros(money.Decimal(-123456)) = %d, %v", cents, err)
	}
}
