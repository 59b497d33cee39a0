package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormaliseKeywords(t *testing.T) {
	tests := []struct {
		name       string
		in         []string
		want       []string
		wantFields []string
	}{
		{name: "none", in: nil, want: []string{}},
		{name: "case, spaces, repeats, order", in: []string{" Tax  Data", "health", "tax data", "HEALTH"}, want: []string{"health", "tax data"}},
		{name: "accents kept", in: []string{"Santé"}, want: []string{"santé"}},
		{name: "blank", in: []string{"tax", "  "}, wantFields: []string{"expertise[1]"}},
		{name: "too long", in: []string{strings.Repeat("é", 65)}, wantFields: []string{"expertise[0]"}},
		{name: "64 characters is fine", in: []string{strings.Repeat("é", 64)}, want: []string{strings.Repeat("é", 64)}},
		{name: "invalid UTF-8", in: []string{"a\xff"}, wantFields: []string{"expertise[0]"}},
		{name: "too many", in: slices.Repeat([]string{"x"}, 51), wantFields: []string{"expertise"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormaliseKeywords("expertise", tc.in)
			if tc.wantFields != nil {
				var bad Invalid
				if !errors.As(err, &bad) {
					t.Fatalf("err = %v, want Invalid", err)
				}
				var fields []string
				for _, f := range bad {
					fields = append(fields, f.Field)
				}
				if !slices.Equal(fields, tc.wantFields) {
					t.Fatalf("fields %v, want %v", fields, tc.wantFields)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}

func FuzzNormaliseKeywords(f *testing.F) {
	f.Add("Tax Data", " tax  data ")
	f.Add("", "é")
	f.Fuzz(func(t *testing.T, a, b string) {
		got, err := NormaliseKeywords("k", []string{a, b})
		if err != nil {
			return
		}
		// Normalising is idempotent and gives sorted, distinct, valid keywords.
		again, err := NormaliseKeywords("k", got)
		if err != nil || !slices.Equal(got, again) {
			t.Fatalf("%q normalised again to %q (%v)", got, again, err)
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("%q not sorted and distinct", got)
		}
		for _, k := range got {
			if k == "" || !utf8.ValidString(k) || strings.TrimSpace(k) != k || strings.ToLower(k) != k {
				t.Fatalf("keyword %q", k)
			}
		}
	})
}
