package domain

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guichet/guichet/platform/money"
)

// AwardsColumns are the columns of the SCDL "subventions" schema 2.1.1, in its order.
var AwardsColumns = []string{
	"nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire", "idBeneficiaire",
	"rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement", "datesPeriodeVersement", "idRAE",
	"notificationUE", "pourcentageSubvention", "dispositifAide",
}

// PublicationThresholdCents is the amount above which an award must be published (décret
// 2017-779): 23 000 €.
const PublicationThresholdCents = 23_000_00

// Commitment is what the open data says of one grant commitment.
type Commitment struct {
	Application     string
	Title           string
	BeneficiaryName string
	Siret           string
	RNA             string
	AmountCents     int64
	// BudgetCents is the project's total budget, 0 when unknown.
	BudgetCents int64
	// ConventionDate is the day the agreement was committed (Europe/Paris).
	ConventionDate time.Time
	// DueDates are the due dates of the tranches still to be paid or paid (not cancelled).
	DueDates []time.Time
	// Tranches counts them, dated or not.
	Tranches int
}

// Awarder is the awarding body: its name and SIRET.
type Awarder struct {
	Name  string
	Siret string
}

// WriteAwards writes the awards of a call as SCDL subventions 2.1.1 CSV: one row per beneficiary
// (its commitments in the call added up) whose total is above the publication threshold, ordered
// by beneficiary SIRET then name.
func WriteAwards(w io.Writer, awarder Awarder, scheme string, commitments []Commitment) error {
	type row struct {
		key string
		Commitment
		apps, titles []string
		first, last  time.Time
		budgetKnown  bool
	}
	var rows []*row
	byKey := map[string]*row{}
	for _, c := range commitments {
		key := c.Siret
		if key == "" {
			key = "name:" + c.BeneficiaryName
		}
		r, ok := byKey[key]
		if !ok {
			r = &row{key: key, Commitment: Commitment{BeneficiaryName: c.BeneficiaryName, Siret: c.Siret, RNA: c.RNA, ConventionDate: c.ConventionDate}, budgetKnown: true}
			byKey[key] = r
			rows = append(rows, r)
		}
		r.apps = append(r.apps, c.Application)
		title := c.Title
		if title == "" {
			title = "Subvention " + c.Application
		}
		r.titles = append(r.titles, title)
		r.AmountCents += c.AmountCents
		r.BudgetCents += c.BudgetCents
		r.budgetKnown = r.budgetKnown && c.BudgetCents > 0
		r.Tranches += c.Tranches
		if c.ConventionDate.Before(r.ConventionDate) {
			r.ConventionDate = c.ConventionDate
		}
		if r.RNA == "" {
			r.RNA = c.RNA
		}
		for _, d := range c.DueDates {
			if r.first.IsZero() || d.Before(r.first) {
				r.first = d
			}
			if d.After(r.last) {
				r.last = d
			}
		}
	}
	slices.SortFunc(rows, func(a, b *row) int { return strings.Compare(a.key, b.key) })

	out := csv.NewWriter(w)
	if err := out.Write(AwardsColumns); err != nil {
		return err
	}
	for _, r := range rows {
		if r.AmountCents <= PublicationThresholdCents {
			continue
		}
		slices.Sort(r.apps)
		conditions := "unique"
		if r.Tranches > 1 {
			conditions = "échelonné"
		}
		period := ""
		if !r.first.IsZero() {
			period = r.first.Format(time.DateOnly) + "_" + r.last.Format(time.DateOnly)
		}
		percent := ""
		if r.budgetKnown && r.BudgetCents > 0 {
			percent = Percentage(r.AmountCents, r.BudgetCents)
		}
		if err := out.Write([]string{
			awarder.Name, awarder.Siret, r.ConventionDate.Format(time.DateOnly), strings.Join(r.apps, " "),
			r.BeneficiaryName, r.Siret, r.RNA, Objet(r.titles), money.Decimal(r.AmountCents), "aide en numéraire",
			conditions, period, "", "non", percent, scheme,
		}); err != nil {
			return err
		}
	}
	out.Flush()
	return out.Error()
}

// Objet is the purpose of the award: the projects' titles, shortened to fewer than 256 characters
// as the schema requires.
func Objet(titles []string) string {
	s := strings.Join(titles, " ; ")
	if utf8.RuneCountInString(s) < 256 {
		return s
	}
	runes := []rune(s)
	return string(runes[:254]) + "…"
}

// Percentage is amount / budget with two decimals ("0.50"), within the schema's 0.01–1; "" when
// the ratio falls outside it (a grant above the budget is a data error, not a rate to publish).
func Percentage(amount, budget int64) string {
	// Hundredths rounded half up, in integers.
	h := (amount*200 + budget) / (2 * budget)
	if h < 1 || h > 100 {
		return ""
	}
	return fmt.Sprintf("%d.%02d", h/100, h%100)
}
