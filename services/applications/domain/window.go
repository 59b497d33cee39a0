package domain

import (
	"fmt"
	"time"

	"github.com/guichet/guichet/platform/clock"
)

var paris = clock.Paris

// ParisTime formats an instant as the call's applicants read it.
func ParisTime(t time.Time) string { return t.In(paris).Format("2006-01-02 15:04:05 MST") }

// CheckWindow refuses a submission before the call opens or from the instant it closes: a
// submission one second late is refused.
func CheckWindow(now time.Time, t Terms) error {
	if now.Before(t.OpensAt) {
		return fmt.Errorf("the call opens at %s (Europe/Paris); submissions are not accepted before", ParisTime(t.OpensAt))
	}
	if !now.Before(t.ClosesAt) {
		return fmt.Errorf("the call closed at %s (Europe/Paris); submissions are no longer accepted", ParisTime(t.ClosesAt))
	}
	return nil
}
