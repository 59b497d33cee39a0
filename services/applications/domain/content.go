package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/guichet/guichet/platform/bank"
	"github.com/guichet/guichet/platform/grant"
	"github.com/guichet/guichet/platform/money"
)

// Content is what an applicant writes; submission freezes it.
type Content struct {
	Title                string      `json:"title"`
	Summary              string      `json:"summary"`
	LegalName            string      `json:"legalName"`
	Siret                string      `json:"siret"`
	RNA                  string      `json:"rna"`
	ContactName          string      `json:"contactName"`
	ContactEmail         string      `json:"contactEmail"`
	Datasets             []string    `json:"datasets"`
	ProjectBudgetCents   int64       `json:"projectBudgetCents"`
	RequestedAmountCents int64       `json:"requestedAmountCents"`
	Milestones           []Milestone `json:"milestones"`
	IBAN                 string      `json:"iban"`
	BIC                  string      `json:"bic"`
	AccountHolder        string      `json:"accountHolder"`
}

// Milestone is a step of the project and the tranche paid when it is reached.
type Milestone struct {
	Title              string `json:"title"`
	DueDate            string `json:"dueDate"`
	TrancheAmountCents int64  `json:"trancheAmountCents"`
}

// SHA256 is the hash of the content returned in the acknowledgement of receipt: SHA-256 of the
// content's JSON encoding with the fields in the order of Content, so anyone holding the frozen
// content can recompute it.
func (c Content) SHA256() string {
	b, err := json.Marshal(c)
	if err != nil {
		// Content holds only strings and integers: encoding cannot fail.
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Terms are the rules of a call that an application must respect.
type Terms struct {
	FloorCents     int64
	CeilingCents   int64
	MaxRatePercent int32
	OpensAt        time.Time
	ClosesAt       time.Time
	// AdvanceMaxPercent and InterimMaxPercent limit the tranche schedule (0: the defaults, see
	// ScheduleLimits).
	AdvanceMaxPercent int32
	InterimMaxPercent int32
}

// Violation is a broken rule on one field (its JSON path under "application").
type Violation struct {
	Field       string
	Description string
}

// ValidateFormats checks the fields that are filled in, as a draft may be incomplete.
func ValidateFormats(c Content) []Violation {
	var v []Violation
	if c.Siret != "" {
		if err := ValidateSIRET(c.Siret); err != nil {
			v = append(v, Violation{"application.applicant.siret", err.Error()})
		}
	}
	if c.RNA != "" {
		if err := ValidateRNA(c.RNA); err != nil {
			v = append(v, Violation{"application.applicant.rna", err.Error()})
		}
	}
	if c.IBAN != "" {
		if err := bank.CheckIBAN(c.IBAN); err != nil {
			v = append(v, Violation{"application.bankAccount.iban", err.Error()})
		}
	}
	if c.BIC != "" {
		if err := bank.CheckBIC(c.BIC); err != nil {
			v = append(v, Violation{"application.bankAccount.bic", err.Error()})
		}
	}
	if c.ContactEmail != "" {
		if err := ValidateEmail(c.ContactEmail); err != nil {
			v = append(v, Violation{"application.contact.email", err.Error()})
		}
	}
	for i, d := range c.Datasets {
		if err := ValidateDataset(d); err != nil {
			v = append(v, Violation{fmt.Sprintf("application.datasets[%d]", i), err.Error()})
		}
	}
	for i, m := range c.Milestones {
		if _, err := time.Parse(time.DateOnly, m.DueDate); err != nil {
			v = append(v, Violation{fmt.Sprintf("application.milestones[%d].dueDate", i), "must be a date YYYY-MM-DD"})
		}
	}
	return v
}

// ValidateComplete checks that a submitted application is complete and respects the call's terms.
func ValidateComplete(c Content, t Terms) []Violation {
	v := ValidateFormats(c)
	required := []struct {
		field string
		empty bool
	}{
		{"application.title", c.Title == ""},
		{"application.summary", c.Summary == ""},
		{"application.applicant.legalName", c.LegalName == ""},
		{"application.applicant.siret", c.Siret == ""},
		{"application.contact.name", c.ContactName == ""},
		{"application.contact.email", c.ContactEmail == ""},
		{"application.datasets", len(c.Datasets) == 0},
		{"application.bankAccount.iban", c.IBAN == ""},
		{"application.bankAccount.holder", c.AccountHolder == ""},
	}
	for _, r := range required {
		if r.empty {
			v = append(v, Violation{r.field, "is required to submit"})
		}
	}
	v = append(v, ValidateAmounts(c, t)...)
	v = append(v, ValidateSchedule(c, t)...)
	return v
}

// ValidateAmounts checks the requested amount against the call's floor, ceiling and maximum
// co-financing rate (ValidateSchedule checks the tranches).
func ValidateAmounts(c Content, t Terms) []Violation {
	var v []Violation
	if c.ProjectBudgetCents <= 0 {
		v = append(v, Violation{"application.projectBudgetCents", "must be positive"})
	}
	switch {
	case c.RequestedAmountCents < t.FloorCents:
		v = append(v, Violation{"application.requestedAmountCents", fmt.Sprintf("must be at least the call's floor of %s", money.Euros(t.FloorCents))})
	case c.RequestedAmountCents > t.CeilingCents:
		v = append(v, Violation{"application.requestedAmountCents", fmt.Sprintf("must not exceed the call's ceiling of %s", money.Euros(t.CeilingCents))})
	case c.ProjectBudgetCents > 0 && c.RequestedAmountCents > 0 && !grant.AtMostPercent(c.RequestedAmountCents, c.ProjectBudgetCents, clampPercent(t.MaxRatePercent)):
		v = append(v, Violation{"application.requestedAmountCents", fmt.Sprintf("must not exceed %d%% of the project budget", t.MaxRatePercent)})
	}
	return v
}
