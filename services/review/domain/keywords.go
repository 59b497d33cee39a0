package domain

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// Limits of a list of keywords (a reviewer's expertise, an application's subjects).
const (
	MaxKeywords      = 50
	MaxKeywordLength = 64
)

// NormaliseKeywords returns keywords in their comparable form (trimmed, lower case, inner spaces
// collapsed), sorted and without repeats, so that "Tax data" declared by a reviewer matches
// "tax  DATA" on an application. field names the list in the errors (expertise, keywords).
func NormaliseKeywords(field string, keywords []string) ([]string, error) {
	var bad Invalid
	if len(keywords) > MaxKeywords {
		bad = append(bad, FieldError{field, fmt.Sprintf("at most %d keywords", MaxKeywords)})
	}
	out := make([]string, 0, len(keywords))
	for i, k := range keywords {
		switch n := keyword(k); {
		case !utf8.ValidString(k):
			bad = append(bad, FieldError{fmt.Sprintf("%s[%d]", field, i), "must be valid UTF-8"})
		case n == "":
			bad = append(bad, FieldError{fmt.Sprintf("%s[%d]", field, i), "must not be blank"})
		case utf8.RuneCountInString(n) > MaxKeywordLength:
			bad = append(bad, FieldError{fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("at most %d characters", MaxKeywordLength)})
		default:
			out = append(out, n)
		}
	}
	if len(bad) > 0 {
		return nil, bad
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
