package money

import (
	"math"
	"strings"
	"testing"
)

func TestDecimal(t *testing.T) {
	tests := []struct {
		cents int64
		want  string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{5, "0.05"},
		{10, "0.10"},
		{100, "1.00"},
		{123456, "1234.56"},
		{1234567, "12345.67"},
		{123456789, "1234567.89"},
		{1_000_000_000, "10000000.00"},
		{100_000_000_000, "1000000000.00"},
		{-1, "-0.01"},
		{-5, "-0.05"},
		{-100, "-1.00"},
		{-150, "-1.50"},
		{-123456, "-1234.56"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64 + 1, "-92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := Decimal(tt.cents); got != tt.want {
			t.Errorf("Decimal(%d) = %q, want %q", tt.cents, got, tt.want)
		}
		if got := Euros(tt.cents); got != tt.want+" EUR" {
			t.Errorf("Euros(%d) = %q, want %q", tt.cents, got, tt.want+" EUR")
		}
		if back, err := ParseDecimal(tt.want); err != nil || back != tt.cents {
			t.Errorf("ParseDecimal(%q) = %d, %v, want %d", tt.want, back, err, tt.cents)
		}
	}
}

func TestParseDecimalRefuses(t *testing.T) {
	tests := []struct {
		s, rule string
	}{
		{"", "two decimals"},
		{"-", "two decimals"},
		{"1", "two decimals"},
		{"1.0", "two decimals"},
		{"1.000", "two decimals"},
		{".50", "two decimals"},
		{"-.50", "two decimals"},
		{"1,50", "two decimals"},
		{"01.00", "leading zero"},
		{"-01.00", "leading zero"},
		{"+1.00", "two decimals"},
		{"--1.00", "two decimals"},
		{"1e3.00", "two decimals"},
		{" 1.00", "two decimals"},
		{"1.00 ", "two decimals"},
		{"1.-5", "two decimals"},
		{"1.00 EUR", "two decimals"},
		{"-0.00", "negative zero"},
		{"92233720368547758.08", "out of range"},
		{"-92233720368547758.09", "out of range"},
		{"100000000000000000.00", "out of range"},
		{"18446744073709551616.00", "out of range"}, // beyond uint64 too
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.s)
		if err == nil {
			t.Errorf("ParseDecimal(%q) = %d, want an error", tt.s, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.rule) || !strings.Contains(err.Error(), tt.s) {
			t.Errorf("ParseDecimal(%q) error %q does not name the amount and %q", tt.s, err, tt.rule)
		}
	}
}

// FuzzDecimalRoundTrip checks that any int64 of cents prints with a point and two decimals and
// reads back to the same cents, and that any string ParseDecimal accepts is the one way Decimal
// prints its value.
func FuzzDecimalRoundTrip(f *testing.F) {
	for _, c := range []int64{0, 1, 99, 100, 123456, -1, -100, math.MaxInt64, math.MinInt64} {
		f.Add(c, Decimal(c))
	}
	for _, s := range []string{"1.5", "01.00", "-0.00", "+1.00", "92233720368547758.08", "-92233720368547758.08"} {
		f.Add(int64(0), s)
	}
	f.Fuzz(func(t *testing.T, cents int64, s string) {
		text := Decimal(cents)
		if i := strings.IndexByte(text, '.'); i < 1 || len(text)-i != 3 {
			t.Fatalf("Decimal(%d) = %q has not two decimals", cents, text)
		}
		if back, err := ParseDecimal(text); err != nil || back != cents {
			t.Fatalf("ParseDecimal(Decimal(%d) = %q) = %d, %v", cents, text, back, err)
		}
		if Euros(cents) != text+" EUR" {
			t.Fatalf("Euros(%d) = %q, want %q", cents, Euros(cents), text+" EUR")
		}
		if v, err := ParseDecimal(s); err == nil && Decimal(v) != s {
			t.Fatalf("ParseDecimal(%q) = %d, which prints as %q", s, v, Decimal(v))
		}
	})
}

// sink keeps the benchmark's strings alive, as a ranking's reasons are, so that each is allocated.
var sink string

// BenchmarkEuros measures the cost a ranking pays per amount: one allocation, the string's.
func BenchmarkEuros(b *testing.B) {
	b.ReportAllocs()
	amounts := []int64{0, 5, 123456, 10_000_000_00, -150, math.MinInt64}
	for i := 0; b.Loop(); i++ {
		sink = Euros(amounts[i%len(amounts)])
	}
}
