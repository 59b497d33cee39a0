package domain

import (
	"testing"
)

func TestValidateSIRET(t *testing.T) {
	tests := []struct {
		siret string
		ok    bool
	}{
		{"13002526500013", true},  // DINUM
		{"23350001600040", true},  // DOMAIN.md vector
		{"35600000000001", true},  // La Poste: digit sum 10
		{"35600000000049", false}, // La Poste: digit sum 22
		{"12345678901234", false}, // Luhn fails
		{"1300252650001", false},  // 13 digits
		{"1300252650001A", false}, // not digits
		{"", false},
	}
	for _, tt := range tests {
		if err := ValidateSIRET(tt.siret); (err == nil) != tt.ok {
			t.Errorf("ValidateSIRET(%q) = %v, want ok=%v", tt.siret, err, tt.ok)
		}
	}
	if SIREN("13002526500013") != "130025265" {
		t.Errorf("SIREN = %q", SIREN("13002526500013"))
	}
}

func TestValidateRNA(t *testing.T) {
	for rna, ok := range map[string]bool{"W751234567": true, "W75123456": false, "X751234567": false, "": false} {
		if err := ValidateRNA(rna); (err == nil) != ok {
			t.Errorf("ValidateRNA(%q) = %v, want ok=%v", rna, err, ok)
		}
	}
}

func FuzzValidateSIRET(f *testing.F) {
	for _, s := range []string{"13002526500013", "35600000000001", "12345678901234", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateSIRET(s)
		if err == nil && (len(s) != 14 || !allDigits(s)) {
			t.Fatalf("accepted %q", s)
		}
		if err == nil {
			// Changing one digit of a valid SIRET (outside La Poste) must break the Luhn check.
			if s[:9] != laPosteSIREN {
				b := []byte(s)
				b[13] = '0' + (b[13]-'0'+1)%10
				if ValidateSIRET(string(b)) == nil {
					t.Fatalf("%q and %q both valid", s, b)
				}
			}
		}
	})
}

func FuzzValidateRNA(f *testing.F) {
	for _, s := range []string{"W751234567", "W75123456", "X751234567", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateRNA(s) == nil && (len(s) != 10 || s[0] != 'W' || !allDigits(s[1:])) {
			t.Fatalf("accepted %q", s)
		}
	})
}
