package domain

import (
	"fmt"
	"time"

	"github.com/guichet/guichet/platform/clock"
)

// CheckWindow refuses a submission before the call opens or from the instant it closes: a
// submission one second late is refused.
func CheckWindow(now time.Time, t Terms) error {
	if now.Before(t.OpensAt) {
		return fmt.Errorf("the call opens at %s (Europe/Paris); submissions are not accepted before", clock.ParisTime(t.OpensAt))
	}
	if !now.Before(t.ClosesAt) {
		return fmt.Errorf("the call closed at %s (Europe/Paris); submissions are no longer accepted", clock.ParisTime(t.ClosesAt))
	}
	return nil
}
