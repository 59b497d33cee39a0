package registry

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestInterpret(t *testing.T) {
	const siret = "13002526500013"
	open := func(s string) establishment { return establishment{Siret: s, State: "A"} }
	closed := func(s string) establishment { return establishment{Siret: s, State: "F", ClosingDate: "2020-01-31"} }
	tests := []struct {
		name    string
		results []unit
		status  Status
		says    string
	}{
		{"no result", nil, Unknown, "no legal entity with SIREN 130025265"},
		{"only another entity (full-text match)", []unit{{Siren: "999999999", Name: "OTHER", State: "A"}}, Unknown, "not in the company registry"},
		{"ours after another", []unit{{Siren: "999999999", State: "C"}, {Siren: "130025265", Name: "DINUM", State: "A", Establishment: []establishment{open(siret)}}}, Active, "DINUM"},
		{"ceased unit", []unit{{Siren: "130025265", Name: "DINUM", State: "C", ClosingDate: "2019-01-01"}}, Ceased, "ceased activity"},
		{"unit in an unexpected state", []unit{{Siren: "130025265", State: "X"}}, Ceased, `"X"`},
		{"closed establishment", []unit{{Siren: "130025265", State: "A", Establishment: []establishment{open("13002526500021"), closed(siret)}}}, Ceased, "2020-01-31"},
		{"closed head office found through siege", []unit{{Siren: "130025265", State: "A", HeadOffice: &establishment{Siret: siret, State: "F"}}}, Ceased, "is closed"},
		{"establishment read as C", []unit{{Siren: "130025265", State: "A", Establishment: []establishment{{Siret: siret, State: "C"}}}}, Ceased, "is closed"},
		{"establishment not listed: the legal entity decides", []unit{{Siren: "130025265", State: "A", HeadOffice: &establishment{Siret: "13002526500021", State: "A"}}}, Active, "is active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := interpret(siret, tt.results)
			if r.Status != tt.status || r.Siret != siret || !strings.Contains(r.Reason, tt.says) {
				t.Fatalf("interpret = %+v, want %s saying %q", r, tt.status, tt.says)
			}
		})
	}
}

// FuzzAnswer decodes arbitrary answers as the client does: never a panic, always one of the
// statuses, and a legal entity only from a result with the SIRET's SIREN.
func FuzzAnswer(f *testing.F) {
	for _, a := range answers {
		f.Add(a, activeSiret)
	}
	f.Add(`{"results":[{"siren":"130025265","etat_administratif":"A","matching_etablissements":null,"siege":null}]}`, activeSiret)
	f.Add(`{"results":null}`, "1")
	f.Fuzz(func(t *testing.T, body, siret string) {
		var a answer
		if json.Unmarshal([]byte(body), &a) != nil || a.Results == nil {
			return
		}
		r := interpret(siret, *a.Results)
		switch r.Status {
		case Active, Ceased:
			if len(siret) < 9 || r.Siren != siret[:9] {
				t.Fatalf("%s for %q from SIREN %q", r.Status, siret, r.Siren)
			}
		case Unknown:
			if r.Siren != "" {
				t.Fatalf("unknown with a SIREN: %+v", r)
			}
		default:
			t.Fatalf("status %q", r.Status)
		}
		if r.Reason == "" || r.Siret != siret {
			t.Fatalf("result %+v", r)
		}
	})
}
