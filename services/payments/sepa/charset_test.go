package sepa_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	. "github.com/guichet/guichet/services/payments/sepa"
)

func TestText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"Société Générale", 70, "Societe Generale"},
		{"Ça coûte cher", 70, "Ca coute cher"},
		{"Œuvre d'art & cœur", 70, "OEuvre d'art + coeur"},
		{"Straße", 70, "Strasse"},
		{"Ørsted Æble", 70, "Orsted AEble"},
		{"Łódź", 70, "Lodz"},
		{"L’Économie « sociale »", 70, "L'Economie ' sociale '"},
		{"Jean–Pierre_Dupont", 70, "Jean-Pierre-Dupont"},
		{"ﬁnance", 70, "finance"},
		{"Name@example.com #1", 70, "Name example.com 1"},
		{"tabs\tand\nnewlines", 70, "tabs and newlines"},
		{"  spaces   everywhere  ", 70, "spaces everywhere"},
		{"数据", 70, ""},
		{"abcdefghij", 5, "abcde"},
		{"abcd efghij", 5, "abcd"},
		{"allowed /-?:().,'+ set", 70, "allowed /-?:().,'+ set"},
		{"Crédit Coopératif", 0, ""},
	}
	for _, tt := range tests {
		if got := Text(tt.in, tt.max); got != tt.want {
			t.Errorf("Text(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestInCharset(t *testing.T) {
	if !InCharset("Abc 09/-?:().,'+") {
		t.Error("the SEPA set refused")
	}
	for _, s := range []string{"é", "&", "_", "@", "\n", "€", "\"", "<"} {
		if InCharset(s) {
			t.Errorf("InCharset(%q) = true", s)
		}
	}
}

// FuzzText checks that transliteration always yields the SEPA character set within the length,
// without leading, trailing or double spaces, and that it is stable: a transliterated text passes
// through unchanged.
func FuzzText(f *testing.F) {
	for _, s := range []string{"Société Générale", "Œuvre & cœur", "ß", "数据 data", "\x00\xff", "a  b", strings.Repeat("é", 100)} {
		f.Add(s, 70)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = max % 200
		if max < 0 {
			max = -max
		}
		got := Text(s, max)
		if !InCharset(got) {
			t.Fatalf("Text(%q) = %q is outside the SEPA set", s, got)
		}
		if len(got) > max || utf8.RuneCountInString(got) > max {
			t.Fatalf("Text(%q, %d) = %q is too long", s, max, got)
		}
		if strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
			t.Fatalf("Text(%q) = %q has stray spaces", s, got)
		}
		if again := Text(got, max); again != got {
			t.Fatalf("Text is not stable: %q then %q", got, again)
		}
	})
}
