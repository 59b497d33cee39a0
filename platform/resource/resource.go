// Package resource parses and formats the resource names of guichet's API (aip.dev/122).
package resource

import (
	"fmt"
	"strings"
)

// CallName returns calls/{call}.
func CallName(call string) string { return "calls/" + call }

// ApplicationName returns calls/{call}/applications/{application}.
func ApplicationName(call, application string) string {
	return "calls/" + call + "/applications/" + application
}

// TrancheName returns tranches/{tranche}.
func TrancheName(tranche string) string { return "tranches/" + tranche }

// BatchName returns payment-batches/{batch}.
func BatchName(batch string) string { return "payment-batches/" + batch }

// Parse matches name against a pattern such as "calls/*/applications/*" and returns the ids in
// place of the stars.
func Parse(name, pattern string) ([]string, error) {
	parts := strings.Split(name, "/")
	want := strings.Split(pattern, "/")
	if len(parts) != len(want) {
		return nil, fmt.Errorf("resource name %q does not match %s", name, pattern)
	}
	var ids []string
	for i, w := range want {
		switch {
		case w == "*":
			if parts[i] == "" {
				return nil, fmt.Errorf("resource name %q has an empty id", name)
			}
			ids = append(ids, parts[i])
		case parts[i] != w:
			return nil, fmt.Errorf("resource name %q does not match %s", name, pattern)
		}
	}
	return ids, nil
}

// ParseCall returns the call id of calls/{call}.
func ParseCall(name string) (string, error) {
	ids, err := Parse(name, "calls/*")
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// ParseApplication returns the ids of calls/{call}/applications/{application}.
func ParseApplication(name string) (call, application string, err error) {
	ids, err := Parse(name, "calls/*/applications/*")
	if err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

// ParseTranche returns the id of tranches/{tranche}.
func ParseTranche(name string) (string, error) {
	ids, err := Parse(name, "tranches/*")
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// ParseBatch returns the id of payment-batches/{batch}.
func ParseBatch(name string) (string, error) {
	ids, err := Parse(name, "payment-batches/*")
	if err != nil {
		return "", err
	}
	return ids[0], nil
}
