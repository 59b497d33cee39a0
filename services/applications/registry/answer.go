package registry

import "fmt"

// answer is the part of the API's search answer that the check reads.
type answer struct {
	// Results is a pointer so that an answer without the field is told apart from no match.
	Results *[]unit `json:"results"`
}

// unit is a legal entity ("unité légale").
type unit struct {
	Siren string `json:"siren"`
	Name  string `json:"nom_complet"`
	// State is "A" (active) or "C" (ceased).
	State         string          `json:"etat_administratif"`
	ClosingDate   string          `json:"date_fermeture"`
	HeadOffice    *establishment  `json:"siege"`
	Establishment []establishment `json:"matching_etablissements"`
}

// establishment is one establishment ("établissement") of a unit.
type establishment struct {
	Siret string `json:"siret"`
	// State is "A" (active) or "F" (closed; "C" is read the same way).
	State       string `json:"etat_administratif"`
	ClosingDate string `json:"date_fermeture"`
}

// interpret reads the search results for siret. The search is full text, so only a unit whose
// SIREN is the SIRET's first nine digits counts. The rule is the legal entity's (DOMAIN.md): an
// active unit is active unless the answer lists the establishment itself as closed.
func interpret(siret string, results []unit) Result {
	siren := ""
	if len(siret) >= 9 {
		siren = siret[:9]
	}
	for _, u := range results {
		if u.Siren != siren || siren == "" {
			continue
		}
		r := Result{Siret: siret, Siren: u.Siren, Name: u.Name}
		who := fmt.Sprintf("legal entity %s (SIREN %s)", quoteName(u.Name), u.Siren)
		if u.State != "A" {
			r.Status = Ceased
			r.Reason = fmt.Sprintf("the %s has ceased activity according to the company registry (administrative state %q%s)", who, u.State, since(u.ClosingDate))
			return r
		}
		if e := find(siret, u); e != nil && e.State != "A" {
			r.Status = Ceased
			r.Reason = fmt.Sprintf("establishment SIRET %s of the %s is closed according to the company registry (administrative state %q%s)", siret, who, e.State, since(e.ClosingDate))
			return r
		}
		r.Status = Active
		r.Reason = fmt.Sprintf("the %s is active in the company registry", who)
		return r
	}
	return Result{Siret: siret, Status: Unknown,
		Reason: fmt.Sprintf("SIRET %s is not in the company registry: no legal entity with SIREN %s", siret, siren)}
}

// find returns the establishment siret among the matches or as the head office, or nil.
func find(siret string, u unit) *establishment {
	for i := range u.Establishment {
		if u.Establishment[i].Siret == siret {
			return &u.Establishment[i]
		}
	}
	if u.HeadOffice != nil && u.HeadOffice.Siret == siret {
		return u.HeadOffice
	}
	return nil
}

func since(date string) string {
	if date == "" {
		return ""
	}
	return ", since " + date
}

func quoteName(name string) string {
	if name == "" {
		return "(no name)"
	}
	return name
}
