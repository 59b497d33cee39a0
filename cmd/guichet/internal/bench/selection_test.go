package bench

import (
	"strings"
	"testing"
)

func TestSelection(t *testing.T) {
	r, err := Selection(2000, 100)
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Selection; s.Selected == 0 || s.Selected+s.Reserve+s.Rejected != 2000 || s.Seconds <= 0 || s.PeakHeapMB <= 0 {
		t.Fatalf("selection %+v", s)
	}
	if h := r.SelectionHalf; h.Selected <= r.Selection.Selected || h.Reserve == 0 {
		t.Fatalf("half envelope %+v", h)
	}
	a := r.Assignment
	if a.Short != 0 || a.MaxLoad > a.LoadCap || a.MaxLoad-a.MinLoad > 4 || a.ExpertShare < 0.5 {
		t.Fatalf("assignment %+v", a)
	}
	var b strings.Builder
	r.rows(func(format string, args ...any) { b.WriteString(format) })
	if !strings.Contains(b.String(), "assignment of") {
		t.Fatal(b.String())
	}
}
