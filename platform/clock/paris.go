package clock

import (
	"time"
	_ "time/tzdata" // deadlines, dates and minutes are in Europe/Paris time on any machine
)

// Paris is the time zone of the French administration: the calls' deadlines, the milestones' due
// dates, the payment calendar, the jury minutes and the emails are in Europe/Paris time.
var Paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err) // cannot happen: time/tzdata is embedded
	}
	return loc
}()
