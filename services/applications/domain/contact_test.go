package domain

import (
	"strings"
	"testing"
	"unicode"
)

func TestValidateEmail(t *testing.T) {
	tests := []struct {
		email string
		ok    bool
	}{
		{"alice@example.org", true},
		{"alice.martin+guichet@numerique.gouv.fr", true},
		{"o'brien@sub.example.co.uk", true},
		{"alice", false},
		{"alice@", false},
		{"@example.org", false},
		{"alice@localhost", false}, // no public domain
		{"alice@exa mple.org", false},
		{"Alice <alice@example.org>", false},
		{"alice@-example.org", false},
		{"alice@example..org", false},
		{"alice@@example.org", false},
		{"alice@" + strings.Repeat("a", 63) + ".org", true},
		{"alice@" + strings.Repeat("a", 64) + ".org", false},
		{strings.Repeat("a", 245) + "@example.org", false}, // over 254
		{"", false},
	}
	for _, tt := range tests {
		if err := ValidateEmail(tt.email); (err == nil) != tt.ok {
			t.Errorf("ValidateEmail(%q) = %v, want ok=%v", tt.email, err, tt.ok)
		}
	}
}

func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"alice@example.org", "a@b.c", "alice", "a@@b.c", "é@example.org", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateEmail(s) != nil {
			return
		}
		local, domain, _ := strings.Cut(s, "@")
		if len(s) > 254 || local == "" || strings.Count(s, "@") != 1 || !strings.Contains(domain, ".") ||
			strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if r > unicode.MaxASCII || unicode.IsSpace(r) || unicode.IsControl(r) {
				t.Fatalf("accepted %q with %q", s, r)
			}
		}
	})
}
