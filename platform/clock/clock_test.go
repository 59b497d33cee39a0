package clock

import (
	"testing"
	"time"
)

func TestFixedClockAdvances(t *testing.T) {
	start := time.Date(2026, 11, 29, 23, 59, 59, 0, time.UTC)
	c := NewFixed(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now() = %v, want %v", c.Now(), start)
	}
	c.Advance(time.Second)
	if got, want := c.Now(), start.Add(time.Second); !got.Equal(want) {
		t.Fatalf("after Advance: %v, want %v", got, want)
	}
}

func TestParisKeepsFrenchTime(t *testing.T) {
	for at, want := range map[time.Time]string{
		time.Date(2027, 1, 31, 11, 0, 0, 0, time.UTC): "12:00 CET",
		time.Date(2027, 6, 30, 11, 0, 0, 0, time.UTC): "13:00 CEST",
	} {
		if got := at.In(Paris).Format("15:04 MST"); got != want {
			t.Errorf("%s in Paris = %s, want %s", at, got, want)
		}
		if got := ParisTime(at); got != at.Format("2006-01-02 ")+want[:5]+":00 "+want[6:] {
			t.Errorf("ParisTime(%s) = %s", at, got)
		}
	}
}
