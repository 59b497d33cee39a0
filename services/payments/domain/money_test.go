package domain

import (
	"math"
	"strings"
	"testing"
)

func TestFormatEuros(t *testing.T) {
	tests := []struct {
		cents int64
		want  string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{10, "0.10"},
		{100, "1.00"},
		{123456, "1234.56"},
		{100_000_000_000, "1000000000.00"},
		{-5, "-0.05"},
		{-123456, "-1234.56"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := FormatEuros(tt.cents); got != tt.want {
			t.Errorf("FormatEuros(%d) = %q, want %q", tt.cents, got, tt.want)
		}
		back, err := ParseEuros(tt.want)
		if err != nil || back != tt.cents {
			t.Errorf("ParseEuros(%q) = %d, %v, want %d", tt.want, back, err, tt.cents)
		}
	}
}

func TestParseEurosRefuses(t *testing.T) {
	for _, s := range []string{"", "1", "1.0", "1.000", ".50", "1,50", "01.00", "-0.00", "+1.00", "1e3.00", " 1.00",
		"92233720368547758.08", "-92233720368547758.09", "1.-5"} {
		if got, err := ParseEuros(s); err == nil {
			t.Errorf("ParseEuros(%q) = %d, want an error", s, got)
		}
	}
}

// FuzzEuros checks that formatting cents and reading them back gives the same cents, with two
// decimals and no exponent, whatever the amount; and that any string ParseEuros accepts is the
// canonical form of its value.
func FuzzEuros(f *testing.F) {
	for _, c := range []int64{0, 1, 99, 100, 123456, -1, math.MaxInt64, math.MinInt64} {
		f.Add(c, FormatEuros(c))
	}
	f.Add(int64(0), "1.5")
	f.Fuzz(func(t *testing.T, cents int64, s string) {
		text := FormatEuros(cents)
		if i := strings.IndexByte(text, '.'); i < 0 || len(text)-i != 3 {
			t.Fatalf("FormatEuros(%d) = %q has not two decimals", cents, text)
		}
		back, err := ParseEuros(text)
		if err != nil || back != cents {
			t.Fatalf("ParseEuros(FormatEuros(%d) = %q) = %d, %v", cents, text, back, err)
		}
		if v, err := ParseEuros(s); err == nil && FormatEuros(v) != s {
			t.Fatalf("ParseEuros(%q) = %d, which formats as %q", s, v, FormatEuros(v))
		}
	})
}
