package domain

import (
	"time"

	"github.com/guichet/guichet/platform/clock"
)

// NextBusinessDay returns the first SEPA business day strictly after the day of now in Paris: the
// date a payment file made now asks the bank to execute it. SEPA credit transfers settle on TARGET
// days: not Saturdays, Sundays, 1 January, Good Friday, Easter Monday, 1 May, 25 or 26 December.
func NextBusinessDay(now time.Time) time.Time {
	y, m, d := now.In(clock.Paris).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for {
		day = day.AddDate(0, 0, 1)
		if IsBusinessDay(day) {
			return day
		}
	}
}

// IsBusinessDay reports whether the date of day (its year, month and day, whatever the zone) is a
// TARGET business day.
func IsBusinessDay(day time.Time) bool {
	y, m, d := day.Date()
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch date.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	switch {
	case m == time.January && d == 1, m == time.May && d == 1, m == time.December && (d == 25 || d == 26):
		return false
	}
	easter := Easter(y)
	return !date.Equal(easter.AddDate(0, 0, -2)) && !date.Equal(easter.AddDate(0, 0, 1))
}

// Easter returns the date of Easter Sunday of year y in the Gregorian calendar (the anonymous
// Gregorian algorithm, "Meeus/Jones/Butcher").
func Easter(y int) time.Time {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}
