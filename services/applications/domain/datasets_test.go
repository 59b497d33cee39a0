package domain

import (
	"net/url"
	"strings"
	"testing"
)

func TestValidateDataset(t *testing.T) {
	tests := []struct {
		ref string
		ok  bool
	}{
		{"5b7ffc618b4c4169d30727e0", true}, // base Sirene on data.gouv.fr
		{"5B7FFC618B4C4169D30727E0", true},
		{"5b7ffc618b4c4169d30727e", false},   // 23 characters
		{"5b7ffc618b4c4169d30727e0a", false}, // 25
		{"5b7ffc618b4c4169d30727g0", false},  // not hexadecimal
		{"https://www.data.gouv.fr/fr/datasets/base-sirene-des-entreprises-et-de-leurs-etablissements-siren-siret/", true},
		{"https://www.insee.fr:443/fr/statistiques?debut=0#x", true},
		{"https://data.example.org/a%20b", true},
		{"http://www.data.gouv.fr/fr/datasets/base-sirene/", false}, // https only
		{"ftp://example.org/data.csv", false},
		{"www.data.gouv.fr/fr/datasets/base-sirene/", false},
		{"https://", false},
		{"https://localhost/data.csv", false},
		{"https://user:secret@example.org/data.csv", false},
		{"https://example.org/a b", false},
		{"https://example.org/données", false},
		{"https://exa_mple.org/", false},
		{"https://-example.org/", false},
		{"https://example.org:http/", false},
		{"https://example.org/" + strings.Repeat("a", 500), false},
		{"base-sirene", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := ValidateDataset(tt.ref); (err == nil) != tt.ok {
			t.Errorf("ValidateDataset(%q) = %v, want ok=%v", tt.ref, err, tt.ok)
		}
	}
}

func FuzzValidateDataset(f *testing.F) {
	for _, s := range []string{"5b7ffc618b4c4169d30727e0", "https://www.data.gouv.fr/fr/datasets/x/", "https://a.b", "https://a@b.c/", "http://a.b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateDataset(s) != nil {
			return
		}
		if len(s) == 24 && datasetIDPattern.MatchString(s) {
			return
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "https" || u.User != nil || !strings.Contains(u.Hostname(), ".") || len(s) > MaxDatasetLength {
			t.Fatalf("accepted %q (%v)", s, err)
		}
		for i := 0; i < len(s); i++ {
			if s[i] <= ' ' || s[i] >= 0x7f {
				t.Fatalf("accepted %q with byte %#x", s, s[i])
			}
		}
	})
}
