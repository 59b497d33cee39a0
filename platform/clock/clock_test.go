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
