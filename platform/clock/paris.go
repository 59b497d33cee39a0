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

// ParisTime writes an instant in Paris time as the platform shows it to people (deadlines in
// errors, the jury minutes): "2027-01-31 12:00:00 CET".
func ParisTime(t time.Time) string { return t.In(Paris).Format("2006-01-02 15:04:05 MST") }
