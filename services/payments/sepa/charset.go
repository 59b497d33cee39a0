// Package sepa writes SEPA Credit Transfer initiation files (ISO 20022 pain.001.001.03) and keeps
// their text within the SEPA character set (EPC guidelines on the character set).
package sepa

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// replacements are the letters and signs that have no decomposition into a basic Latin letter but
// a customary spelling in it, and the punctuation that has a close sign in the set.
var replacements = map[rune]string{
	'œ': "oe", 'Œ': "OE", 'æ': "ae", 'Æ': "AE", 'ß': "ss", 'ẞ': "SS", 'ø': "o", 'Ø': "O",
	'đ': "d", 'Đ': "D", 'ð': "d", 'Ð': "D", 'ł': "l", 'Ł': "L", 'þ': "th", 'Þ': "TH", 'ı': "i",
	'ħ': "h", 'Ħ': "H", 'ŋ': "n", 'Ŋ': "N", 'ĸ': "k", 'ſ': "s",
	'&': "+", '_': "-", '"': "'", '`': "'", '´': "'", '‘': "'", '’': "'", 'ʼ': "'", '«': "'", '»': "'",
	'“': "'", '”': "'", '„': "'", '‹': "'", '›': "'", '–': "-", '—': "-", '‐': "-", '‑': "-", '−': "-",
	'[': "(", ']': ")", '{': "(", '}': ")", ';': ",", '!': ".", '°': "o", '€': "EUR",
}

// Allowed reports whether r is in the SEPA character set:
// a-z A-Z 0-9 / - ? : ( ) . , ' + and space.
func Allowed(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("/-?:().,'+ ", r)
}

// InCharset reports whether every character of s is in the SEPA character set.
func InCharset(s string) bool {
	for _, r := range s {
		if !Allowed(r) {
			return false
		}
	}
	return true
}

// Text transliterates s into the SEPA character set (é→e, ç→c, œ→oe, ß→ss, &→+), turns what has no
// equivalent into a space, collapses spaces and cuts the result to max characters. Banks reject or
// garble a file with other characters, so every free text of a payment file goes through here.
func Text(s string, max int) string {
	var b strings.Builder
	// Compatibility decomposition splits accented letters into letter + combining mark and
	// ligatures and wide forms into their basic letters.
	for _, r := range norm.NFKD.String(s) {
		switch {
		case Allowed(r):
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r):
			// The accent of a decomposed letter.
		default:
			if rep, ok := replacements[r]; ok {
				b.WriteString(rep)
			} else {
				b.WriteByte(' ')
			}
		}
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	if max < 0 {
		max = 0
	}
	if len(out) > max {
		out = strings.TrimRight(out[:max], " ")
	}
	return out
}
