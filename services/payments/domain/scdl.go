package domain

import (
	"encoding/csv"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// scdlColumns are the constraints of the SCDL "subventions" 2.1.1 schema on each column, in its
// order; optional columns may be empty.
var scdlColumns = []struct {
	column   string
	pattern  *regexp.Regexp
	optional bool
}{
	{"nomAttribuant", regexp.MustCompile(`^.+$`), false},
	{"idAttribuant", regexp.MustCompile(`^\d{14}$`), false},
	{"dateConvention", regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`), false},
	{"referenceDecision", regexp.MustCompile(`^.+$`), true},
	{"nomBeneficiaire", regexp.MustCompile(`^.+$`), false},
	{"idBeneficiaire", regexp.MustCompile(`^\d{14}$`), false},
	{"rnaBeneficiaire", regexp.MustCompile(`^W\d{9}$`), true},
	{"objet", regexp.MustCompile(`^.{1,255}$`), false},
	{"montant", regexp.MustCompile(`^\d+(\.\d{1,2})?$`), false},
	{"nature", regexp.MustCompile(`^(aide en numéraire|aide en nature)$`), false},
	{"conditionsVersement", regexp.MustCompile(`^(unique|échelonné)$`), false},
	{"datesPeriodeVersement", regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(_\d{4}-\d{2}-\d{2})?$`), true},
	{"idRAE", regexp.MustCompile(`^\d+$`), true},
	{"notificationUE", regexp.MustCompile(`^(oui|non)$`), false},
	{"pourcentageSubvention", regexp.MustCompile(`^(0(\.\d+)?|1(\.0+)?)$`), true},
	{"dispositifAide", regexp.MustCompile(`^.+$`), true},
}

// CheckAwards checks an awards file against the SCDL "subventions" 2.1.1 schema: UTF-8, the
// columns in their order, every value against its column's pattern, real dates, a percentage
// between 0.01 and 1, and only amounts above the publication threshold. It returns the records.
func CheckAwards(data []byte) ([][]string, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("the file is not UTF-8")
	}
	records, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("the file has no header")
	}
	var header []string
	for _, c := range scdlColumns {
		header = append(header, c.column)
	}
	if !slices.Equal(header, records[0]) {
		return nil, fmt.Errorf("columns %v, want %v", records[0], header)
	}
	for i, rec := range records[1:] {
		for j, c := range scdlColumns {
			v := rec[j]
			if v == "" && c.optional {
				continue
			}
			if !c.pattern.MatchString(v) {
				return nil, fmt.Errorf("row %d, column %s: %q does not match %s", i+1, c.column, v, c.pattern)
			}
			if err := checkAwardValue(c.column, v); err != nil {
				return nil, fmt.Errorf("row %d, column %s: %w", i+1, c.column, err)
			}
		}
	}
	return records, nil
}

func checkAwardValue(column, v string) error {
	switch column {
	case "dateConvention", "datesPeriodeVersement":
		for _, d := range strings.Split(v, "_") {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				return err
			}
		}
	case "pourcentageSubvention":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0.01 || f > 1 {
			return fmt.Errorf("%q is not between 0.01 and 1", v)
		}
	case "montant":
		cents, err := ParseEuros(v)
		if err != nil || cents <= PublicationThresholdCents {
			return fmt.Errorf("%q is not above the publication threshold", v)
		}
	}
	return nil
}
