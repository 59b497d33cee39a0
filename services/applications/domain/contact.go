package domain

import (
	"errors"
	"regexp"
	"strings"
)

// emailPattern is the HTML "valid e-mail address" grammar, which protovalidate's isEmail also
// follows, so the proto and the domain agree on what an address looks like.
var emailPattern = regexp.MustCompile(`^[a-zA-Z0-9.!#$%&'*+/=?^_` + "`" + `{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$`)

// ValidateEmail checks a contact's email address: the HTML grammar, at most 254 characters (RFC
// 5321's path limit) and a domain with a dot, since the administration writes to it (receipts,
// decisions) and a host without a domain cannot receive public mail.
func ValidateEmail(email string) error {
	if len(email) > 254 || !emailPattern.MatchString(email) {
		return errors.New("must be an email address such as name@example.org")
	}
	if !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		return errors.New("must be an email address whose domain has a dot, such as name@example.org")
	}
	return nil
}
