// Package money writes and reads amounts of euro cents in the one plain form guichet uses outside
// the French display: a point and exactly two decimals ("1234.05", "-0.05"), the form of SEPA
// amounts and of the services' messages. Amounts are int64 cents everywhere; the whole int64
// range, math.MinInt64 included, prints and reads back exactly.
package money

import (
	"fmt"
	"math"
	"strconv"
)

// maxLen is the longest amount Euros writes: "-92233720368547758.08 EUR".
const maxLen = 25

// Decimal writes cents as euros with a point and exactly two decimals ("1234.05", "-0.05").
func Decimal(cents int64) string {
	var buf [maxLen]byte
	return string(appendDecimal(buf[:0], cents))
}

// Euros writes cents as plain-text euros ("1234.05 EUR"), the form of the services' messages and
// of the jury's minutes.
func Euros(cents int64) string {
	var buf [maxLen]byte
	return string(append(appendDecimal(buf[:0], cents), " EUR"...))
}

// appendDecimal appends by hand rather than with fmt: a ranking of 100,000 applications writes
// two amounts per application, and this keeps each to the single allocation of its string.
func appendDecimal(b []byte, cents int64) []byte {
	u := uint64(cents)
	if cents < 0 {
		// Negated as unsigned: math.MinInt64 has no positive int64, its magnitude fits a uint64.
		b, u = append(b, '-'), -u
	}
	b = strconv.AppendUint(b, u/100, 10)
	return append(b, '.', byte('0'+u%100/10), byte('0'+u%10))
}

// ParseDecimal reads back an amount written by Decimal, and only that form: an optional minus,
// the euros in digits without a leading zero (but "0"), a point and exactly two decimals, within
// the int64 range of cents. Any other spelling of the same value ("+1.00", "01.00", "1.0",
// "-0.00") is refused, so that an accepted amount prints back identically.
func ParseDecimal(s string) (int64, error) {
	body, neg := s, false
	if len(body) > 0 && body[0] == '-' {
		body, neg = body[1:], true
	}
	point := len(body) - 3
	if point < 1 || body[point] != '.' || !digits(body[:point]) || !digits(body[point+1:]) ||
		(point > 1 && body[0] == '0') {
		return 0, fmt.Errorf("amount %q is not euros with two decimals "+
			"(an optional minus, digits without a leading zero, a point and two digits)", s)
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++ // math.MinInt64
	}
	var u uint64
	for i := 0; i < len(body); i++ {
		if i == point {
			continue
		}
		d := uint64(body[i] - '0')
		if u > (limit-d)/10 {
			return 0, fmt.Errorf("amount %q is out of range (%s to %s)", s, Decimal(math.MinInt64), Decimal(math.MaxInt64))
		}
		u = u*10 + d
	}
	if neg {
		if u == 0 {
			return 0, fmt.Errorf("amount %q is a negative zero", s)
		}
		return int64(-u), nil
	}
	return int64(u), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
