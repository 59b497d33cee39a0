package domain

import (
	"math"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

func schedule(requested int64, ms ...Milestone) Content {
	return Content{RequestedAmountCents: requested, Milestones: ms}
}

func fields(v []Violation) []string {
	out := make([]string, 0, len(v))
	for _, x := range v {
		out = append(out, x.Field)
	}
	return out
}

func TestValidateSchedule(t *testing.T) {
	const m0, m1, m2 = "application.milestones[0]", "application.milestones[1]", "application.milestones[2]"
	custom := terms
	custom.AdvanceMaxPercent, custom.InterimMaxPercent = 10, 50
	tests := []struct {
		name  string
		c     Content
		terms Terms
		want  []string // the fields violated, in order
	}{
		{"30/50/20 at the limits", schedule(1000, Milestone{"a", "2027-01-01", 300}, Milestone{"b", "2027-02-01", 500}, Milestone{"c", "2027-03-01", 200}), terms, nil},
		{"30/70 two tranches", schedule(1000, Milestone{"a", "2027-01-01", 300}, Milestone{"b", "2027-02-01", 700}), terms, nil},
		{"no milestone", schedule(1000), terms, []string{"application.milestones"}},
		{"one tranche of 100% is an advance of 100%", schedule(1000, Milestone{"a", "2027-01-01", 1000}), terms,
			[]string{m0 + ".trancheAmountCents"}},
		{"advance one cent over 30%", schedule(1000, Milestone{"a", "2027-01-01", 301}, Milestone{"b", "2027-02-01", 499}, Milestone{"c", "2027-03-01", 200}), terms,
			[]string{m0 + ".trancheAmountCents"}},
		{"advance and interim over 80%", schedule(1000, Milestone{"a", "2027-01-01", 300}, Milestone{"b", "2027-02-01", 501}, Milestone{"c", "2027-03-01", 199}), terms,
			[]string{m1 + ".trancheAmountCents", m2 + ".trancheAmountCents"}},
		{"balance under 20% with a wrong sum", schedule(1000, Milestone{"a", "2027-01-01", 300}, Milestone{"b", "2027-02-01", 500}, Milestone{"c", "2027-03-01", 199}), terms,
			[]string{"application.milestones", m2 + ".trancheAmountCents"}},
		{"sum over the request", schedule(1000, Milestone{"a", "2027-01-01", 300}, Milestone{"b", "2027-02-01", 500}, Milestone{"c", "2027-03-01", 201}), terms,
			[]string{"application.milestones"}},
		{"non-positive tranche", schedule(1000, Milestone{"a", "2027-01-01", 300}, Milestone{"b", "2027-02-01", 0}, Milestone{"c", "2027-03-01", 700}), terms,
			[]string{m1 + ".trancheAmountCents"}},
		{"non-positive tranche and a wrong sum", schedule(1000, Milestone{"a", "2027-01-01", 300}, Milestone{"b", "2027-02-01", -5}, Milestone{"c", "2027-03-01", 705}), terms,
			[]string{m1 + ".trancheAmountCents", "application.milestones"}},
		{"call's own limits", schedule(1000, Milestone{"a", "2027-01-01", 100}, Milestone{"b", "2027-02-01", 400}, Milestone{"c", "2027-03-01", 500}), custom, nil},
		{"call's own advance limit", schedule(1000, Milestone{"a", "2027-01-01", 101}, Milestone{"b", "2027-02-01", 399}, Milestone{"c", "2027-03-01", 500}), custom,
			[]string{m0 + ".trancheAmountCents"}},
		{"call's own interim limit", schedule(1000, Milestone{"a", "2027-01-01", 100}, Milestone{"b", "2027-02-01", 401}, Milestone{"c", "2027-03-01", 499}), custom,
			[]string{m1 + ".trancheAmountCents", m2 + ".trancheAmountCents"}},
		{"same due date twice", schedule(1000, Milestone{"a", "2027-01-01", 300}, Milestone{"b", "2027-01-01", 700}), terms,
			[]string{m1 + ".dueDate"}},
		{"due dates going back", schedule(1000, Milestone{"a", "2027-02-01", 300}, Milestone{"b", "2027-01-01", 700}), terms,
			[]string{m1 + ".dueDate"}},
		// The call closes on 15 December 2026 (Paris): a milestone that day is too early.
		{"due on the closing day", schedule(1000, Milestone{"a", "2026-12-15", 300}, Milestone{"b", "2027-01-01", 700}), terms,
			[]string{m0 + ".dueDate"}},
		{"due the day after the close", schedule(1000, Milestone{"a", "2026-12-16", 300}, Milestone{"b", "2027-01-01", 700}), terms, nil},
		{"unparsable date is left to ValidateFormats", schedule(1000, Milestone{"a", "2027-1-1", 300}, Milestone{"b", "2027-01-01", 700}), terms, nil},
		{"huge tranches do not overflow", schedule(1000, Milestone{"a", "2027-01-01", math.MaxInt64}, Milestone{"b", "2027-02-01", math.MaxInt64}), terms,
			[]string{"application.milestones", m0 + ".trancheAmountCents"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fields(ValidateSchedule(tt.c, tt.terms))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("violations on %v, want %v: %v", got, tt.want, ValidateSchedule(tt.c, tt.terms))
			}
		})
	}
}

func TestClosingDayIsTheParisDay(t *testing.T) {
	// 23:30 UTC on 15 December is 00:30 on 16 December in Paris: the 16th is the closing day.
	late := Terms{ClosesAt: time.Date(2026, 12, 15, 23, 30, 0, 0, time.UTC)}
	v := ValidateSchedule(schedule(1000, Milestone{"a", "2026-12-16", 300}, Milestone{"b", "2026-12-17", 700}), late)
	if got := fields(v); !slices.Equal(got, []string{"application.milestones[0].dueDate"}) || !strings.Contains(v[0].Description, "2026-12-16") {
		t.Fatalf("violations %v", v)
	}
}

func TestScheduleLimits(t *testing.T) {
	if a, i := ScheduleLimits(0, 0); a != 30 || i != 80 {
		t.Fatalf("defaults = %d, %d", a, i)
	}
	if a, i := ScheduleLimits(10, 90); a != 10 || i != 90 {
		t.Fatalf("given = %d, %d", a, i)
	}
	tests := []struct {
		advance, interim int32
		want             []string
	}{
		{30, 80, nil},
		{1, 100, nil},
		{80, 80, nil},
		{81, 80, []string{"call.advanceMaxPercent"}},
		{0, 80, []string{"call.advanceMaxPercent"}},
		{30, 101, []string{"call.interimMaxPercent"}},
		{-1, -1, []string{"call.advanceMaxPercent", "call.interimMaxPercent"}},
	}
	for _, tt := range tests {
		if got := fields(ValidateScheduleLimits(tt.advance, tt.interim)); !slices.Equal(got, tt.want) {
			t.Errorf("ValidateScheduleLimits(%d, %d) on %v, want %v", tt.advance, tt.interim, got, tt.want)
		}
	}
}

// FuzzValidateSchedule checks that an accepted schedule keeps every limit, computed here the slow
// way with floating point far from the boundaries and exactly near them.
func FuzzValidateSchedule(f *testing.F) {
	f.Add(int64(1000), int64(300), int64(500), int64(200), int32(0), int32(0), uint8(3), int16(1), int16(2), int16(3))
	f.Add(int64(1000), int64(1000), int64(0), int64(0), int32(30), int32(80), uint8(1), int16(0), int16(0), int16(0))
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MaxInt64), int64(1), int32(100), int32(100), uint8(3), int16(5), int16(4), int16(6))
	f.Add(int64(7), int64(2), int64(3), int64(2), int32(30), int32(80), uint8(3), int16(-3), int16(30), int16(31))
	// Once found: tranches whose sum saturates at the requested amount were accepted.
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64-41), int64(math.MaxInt64), int64(1), int32(100), int32(100), uint8(2), int16(1), int16(2), int16(3))
	f.Fuzz(func(t *testing.T, requested, a, b, c int64, advance, interim int32, n uint8, d0, d1, d2 int16) {
		amounts := []int64{a, b, c}[:int(n%3)+1]
		closes := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		days := []int16{d0, d1, d2}
		content := Content{RequestedAmountCents: requested}
		for i, x := range amounts {
			content.Milestones = append(content.Milestones, Milestone{"m", closes.AddDate(0, 0, int(days[i])).Format(time.DateOnly), x})
		}
		tm := Terms{AdvanceMaxPercent: advance, InterimMaxPercent: interim, ClosesAt: closes}
		v := ValidateSchedule(content, tm)
		for _, x := range v {
			if !strings.HasPrefix(x.Field, "application.milestones") || x.Description == "" {
				t.Fatalf("violation %+v", x)
			}
		}
		if len(v) > 0 {
			return
		}
		for i := range amounts {
			if days[i] <= 0 || (i > 0 && days[i] <= days[i-1]) {
				t.Fatalf("accepted due dates %v (days after the close) for %d milestones", days, len(amounts))
			}
		}
		adv, inter := ScheduleLimits(advance, interim)
		adv, inter = clampPercent(adv), clampPercent(inter)
		var sum, before int64
		for i, x := range amounts {
			if x <= 0 {
				t.Fatalf("accepted a tranche of %d", x)
			}
			if sum > math.MaxInt64-x {
				t.Fatalf("accepted tranches overflowing int64: %v", amounts)
			}
			sum += x
			if i < len(amounts)-1 {
				before += x
			}
		}
		if sum != requested {
			t.Fatalf("accepted tranches %v summing to %d, not %d", amounts, sum, requested)
		}
		// Exact checks with math/big, independent of the arithmetic under test.
		if !bigAtMost(amounts[0], requested, adv) {
			t.Fatalf("advance %d of %d above %d%%", amounts[0], requested, adv)
		}
		if !bigAtMost(before, requested, inter) {
			t.Fatalf("tranches before the balance %d of %d above %d%%", before, requested, inter)
		}
		if bigLess(amounts[len(amounts)-1], requested, 100-inter) {
			t.Fatalf("balance %d of %d below %d%%", amounts[len(amounts)-1], requested, 100-inter)
		}
	})
}

// bigAtMost reports part*100 <= pct*whole.
func bigAtMost(part, whole int64, pct int32) bool {
	l := new(big.Int).Mul(big.NewInt(part), big.NewInt(100))
	r := new(big.Int).Mul(big.NewInt(whole), big.NewInt(int64(pct)))
	return l.Cmp(r) <= 0
}

// bigLess reports part*100 < pct*whole.
func bigLess(part, whole int64, pct int32) bool {
	l := new(big.Int).Mul(big.NewInt(part), big.NewInt(100))
	r := new(big.Int).Mul(big.NewInt(whole), big.NewInt(int64(pct)))
	return l.Cmp(r) < 0
}
