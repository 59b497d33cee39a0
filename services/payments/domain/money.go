package domain

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FormatEuros writes cents as euros with exactly two decimals and a decimal point ("1234.05"),
// the form of SEPA amounts, using integer arithmetic only.
func FormatEuros(cents int64) string {
	sign := ""
	u := uint64(cents)
	if cents < 0 {
		sign, u = "-", uint64(-(cents+1))+1 // math.MinInt64 has no positive int64
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// ParseEuros reads an amount written by FormatEuros (an optional minus, digits, a point and exactly
// two decimals) back into cents.
func ParseEuros(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	whole, frac, ok := strings.Cut(body, ".")
	if !ok || len(frac) != 2 || whole == "" || !digits(whole) || !digits(frac) || (len(whole) > 1 && whole[0] == '0') {
		return 0, fmt.Errorf("%w: amount %q is not euros with two decimals", ErrInvalid, s)
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: amount %q: %v", ErrInvalid, s, err)
	}
	f, _ := strconv.ParseUint(frac, 10, 64)
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	if w > (limit-f)/100 {
		return 0, fmt.Errorf("%w: amount %q is out of range", ErrInvalid, s)
	}
	u := w*100 + f
	if neg {
		if u == 0 {
			return 0, fmt.Errorf("%w: amount %q is a negative zero", ErrInvalid, s)
		}
		return -int64(u-1) - 1, nil
	}
	return int64(u), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
