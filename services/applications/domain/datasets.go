package domain

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

var (
	// datasetIDPattern is a data.gouv.fr dataset identifier: 24 hexadecimal characters.
	datasetIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	hostLabelPattern = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)
	// errDataset says what a dataset reference may be.
	errDataset = errors.New("must be a data.gouv.fr dataset identifier (24 hexadecimal characters) or an https:// URL")
)

// MaxDatasetLength is the longest dataset reference accepted (the proto says the same).
const MaxDatasetLength = 500

// ValidateDataset checks a public dataset reference: a data.gouv.fr dataset identifier, or an
// https URL (ASCII, as RFC 3986 has it, without credentials, with a host name that has a dot).
func ValidateDataset(ref string) error {
	if datasetIDPattern.MatchString(ref) {
		return nil
	}
	if !strings.HasPrefix(ref, "https://") {
		return errDataset
	}
	if len(ref) > MaxDatasetLength {
		return errors.New("must be at most 500 characters")
	}
	for i := 0; i < len(ref); i++ {
		if ref[i] <= ' ' || ref[i] >= 0x7f {
			return errors.New("must be a URL without spaces, control or non-ASCII characters (percent-encode them)")
		}
	}
	u, err := url.Parse(ref)
	if err != nil {
		return errors.New("is not a valid URL")
	}
	if u.User != nil {
		return errors.New("must not contain credentials")
	}
	if !validHost(u.Hostname()) {
		return errors.New("must name a host such as www.data.gouv.fr")
	}
	if p := u.Port(); p != "" && !allDigits(p) {
		return errors.New("has an invalid port")
	}
	return nil
}

// validHost reports whether host is a DNS name of at least two labels.
func validHost(host string) bool {
	labels := strings.Split(host, ".")
	if len(host) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !hostLabelPattern.MatchString(l) {
			return false
		}
	}
	return true
}
