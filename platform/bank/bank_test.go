package bank

import (
	"strings"
	"testing"
)

func TestCheckIBAN(t *testing.T) {
	tests := []struct {
		iban string
		ok   bool
	}{
		{"FR7630006000011234567890189", true},
		{"FR1420041010050500013M02606", true},
		{"DE89370400440532013000", true},
		{"FR7630006000011234567890188", false}, // wrong check digits
		{"FR763000600001123456789018", false},  // FR is 27 characters
		{"XX7630006000011234567890189", false}, // not a SEPA country
		{"US12345678901234567890", false},      // not a SEPA country
		{"FR76300060000112345678901#9", false}, // not alphanumeric
		{"fr7630006000011234567890189", false}, // not normalised
		{"FR76 3000 6000 0112 3456 7890 189", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := CheckIBAN(tt.iban); (err == nil) != tt.ok {
			t.Errorf("CheckIBAN(%q) = %v, want ok=%v", tt.iban, err, tt.ok)
		}
	}
	if got := NormalizeIBAN(" fr76 3000 6000\t0112 3456 7890 189 "); got != "FR7630006000011234567890189" {
		t.Errorf("NormalizeIBAN = %q", got)
	}
}

func TestCheckBIC(t *testing.T) {
	for bic, ok := range map[string]bool{
		"BDFEFRPPCCT": true, "BNPAFRPP": true, "BNPAFRPPXXX": true,
		"BNPAFRP": false, "bnpafrpp": false, "BNPAFR1P": false, "BNPAFRPPXX": false, "BNPAFRPO": false,
	} {
		if err := CheckBIC(bic); (err == nil) != ok {
			t.Errorf("CheckBIC(%q) = %v, want ok=%v", bic, err, ok)
		}
	}
}

func FuzzCheckIBAN(f *testing.F) {
	for _, s := range []string{"FR7630006000011234567890189", "DE89370400440532013000", "FR", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckIBAN(s) != nil {
			return
		}
		if len(s) != ibanLengths[s[:2]] || strings.ToUpper(s) != s {
			t.Fatalf("accepted %q", s)
		}
	})
}
