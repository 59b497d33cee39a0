// Package ids makes the identifiers of guichet's resources.
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// New returns a random identifier of 16 lowercase letters and digits (80 bits). It fits where
// identifiers are short, such as a SEPA EndToEndId (35 characters at most).
func New() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return strings.ToLower(encoding.EncodeToString(b))
}
