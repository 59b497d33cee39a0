package bench

import (
	"testing"
	"time"
)

func TestSummaryPercentiles(t *testing.T) {
	var l Latencies
	for i := 1; i <= 100; i++ {
		l.Add(time.Duration(i) * time.Millisecond)
	}
	s := l.Summary()
	if s.Count != 100 || s.P50 != 50 || s.P95 != 95 || s.P99 != 99 || s.Max != 100 {
		t.Fatalf("summary = %+v", s)
	}
	var empty Latencies
	if (empty.Summary() != Summary{}) {
		t.Fatal("empty summary")
	}
}
