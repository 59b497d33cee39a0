package domain

import (
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"slices"
	"strconv"
	"testing"

	"github.com/guichet/guichet/platform/grant"
)

func TestCheckSchedule(t *testing.T) {
	def := DefaultScheduleLimits
	tests := []struct {
		name     string
		amount   int64
		tranches []int64
		limits   ScheduleLimits
		// fields the violations name, in order; none when the schedule is valid.
		fields []string
	}{
		{"30 50 20", 100_000_00, []int64{30_000_00, 50_000_00, 20_000_00}, def, nil},
		// A single tranche is the advance: the whole grant paid on signature, without any report.
		{"single tranche is an advance of 100%", 100_000_00, []int64{100_000_00}, def, []string{"tranches[0].amountCents"}},
		{"one cent in one tranche is an advance of 100%", 1, []int64{1}, def, []string{"tranches[0].amountCents"}},
		{"a call with a 100% advance pays a whole grant in one tranche", 100_000_00, []int64{100_000_00}, ScheduleLimits{100, 100}, nil},
		{"a call with a 100% advance pays one cent in one tranche", 1, []int64{1}, ScheduleLimits{100, 100}, nil},
		{"a call with a 99% advance refuses one tranche", 100_000_00, []int64{100_000_00}, ScheduleLimits{99, 100}, []string{"tranches[0].amountCents"}},
		{"advance at 30% exactly", 100_000_00, []int64{30_000_00, 70_000_00}, def, nil},
		{"advance one cent above 30%", 100_000_00, []int64{30_000_01, 69_999_99}, def, []string{"tranches[0].amountCents"}},
		// 30% of 333.33 EUR is 99.999 EUR: 99.99 EUR fits, 100.00 does not.
		{"advance rounds down", 333_33, []int64{99_99, 233_34}, def, nil},
		{"advance above the rounded ceiling", 333_33, []int64{100_00, 233_33}, def, []string{"tranches[0].amountCents"}},
		{"80% before the final report exactly", 100_000_00, []int64{30_000_00, 25_000_00, 25_000_00, 20_000_00}, def, nil},
		{"one cent above 80% before the final report", 100_000_00, []int64{30_000_00, 25_000_00, 25_000_01, 19_999_99}, def,
			[]string{"tranches[2].amountCents"}},
		{"the interim crossing is named once", 100_000_00, []int64{10_000_00, 75_000_00, 10_000_00, 5_000_00}, def,
			[]string{"tranches[1].amountCents"}},
		{"advance and interim both above", 100_000_00, []int64{40_000_00, 45_000_00, 15_000_00}, def,
			[]string{"tranches[0].amountCents", "tranches[1].amountCents"}},
		{"advance above both ceilings is named once", 100_000_00, []int64{90_000_00, 10_000_00}, def,
			[]string{"tranches[0].amountCents"}},
		{"a call with a 50% advance", 100_000_00, []int64{50_000_00, 50_000_00}, ScheduleLimits{50, 90}, nil},
		{"a call with a 10% advance", 100_000_00, []int64{20_000_00, 80_000_00}, ScheduleLimits{10, 90}, []string{"tranches[0].amountCents"}},
		{"a call paying everything before the final report but a cent", 100, []int64{30, 69, 1}, ScheduleLimits{30, 100}, nil},
		{"one cent short", 100_000_00, []int64{30_000_00, 49_999_99, 20_000_00}, def, []string{"tranches"}},
		{"one cent over", 100_000_00, []int64{30_000_00, 40_000_01, 30_000_00}, def, []string{"tranches"}},
		{"short and advance above", 100_000_00, []int64{40_000_00, 20_000_00}, def, []string{"tranches", "tranches[0].amountCents"}},
		{"none", 100, nil, def, []string{"tranches"}},
		{"zero tranche", 100, []int64{100, 0}, def, []string{"tranches[1].amountCents"}},
		{"negative tranche balanced", 100, []int64{150, -50}, def, []string{"tranches[1].amountCents"}},
		{"zero amount", 0, []int64{0}, def, []string{"amountCents", "tranches[0].amountCents"}},
		{"overflow", math.MaxInt64, []int64{math.MaxInt64, 1, 1}, def, []string{"tranches"}},
		{"largest amount", math.MaxInt64, []int64{grant.PercentOf(math.MaxInt64, 30), math.MaxInt64 - grant.PercentOf(math.MaxInt64, 30)}, def, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSchedule(tt.amount, tt.tranches, tt.limits)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("CheckSchedule(%d, %v, %v) = %v, want no error", tt.amount, tt.tranches, tt.limits, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			var vs Violations
			if !errors.As(err, &vs) {
				t.Fatalf("error %v is not Violations", err)
			}
			var fields []string
			for _, v := range vs {
				if v.Description == "" {
					t.Fatalf("violation of %s without a description", v.Field)
				}
				fields = append(fields, v.Field)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Fatalf("violations %v, want fields %v", vs, tt.fields)
			}
		})
	}
}

func TestResolveScheduleLimits(t *testing.T) {
	tests := []struct {
		advance, interim int32
		want             ScheduleLimits
		field            string
	}{
		{0, 0, ScheduleLimits{30, 80}, ""},
		{25, 0, ScheduleLimits{25, 80}, ""},
		{0, 60, ScheduleLimits{30, 60}, ""},
		{100, 100, ScheduleLimits{100, 100}, ""},
		{1, 1, ScheduleLimits{1, 1}, ""},
		{90, 0, ScheduleLimits{}, "advanceMaxPercent"}, // above the default 80
		{50, 40, ScheduleLimits{}, "advanceMaxPercent"},
		{101, 0, ScheduleLimits{}, "advanceMaxPercent"},
		{-1, 0, ScheduleLimits{}, "advanceMaxPercent"},
		{0, 101, ScheduleLimits{}, "interimMaxPercent"},
		{0, -5, ScheduleLimits{}, "interimMaxPercent"},
	}
	for _, tt := range tests {
		got, err := ResolveScheduleLimits(tt.advance, tt.interim)
		if tt.field == "" {
			if err != nil || got != tt.want {
				t.Errorf("ResolveScheduleLimits(%d, %d) = %v, %v, want %v", tt.advance, tt.interim, got, err, tt.want)
			}
			continue
		}
		var vs Violations
		if !errors.As(err, &vs) || vs[0].Field != tt.field || !errors.Is(err, ErrInvalid) {
			t.Errorf("ResolveScheduleLimits(%d, %d) = %v, want a violation of %s", tt.advance, tt.interim, err, tt.field)
		}
	}
}

// FuzzCheckSchedule compares CheckSchedule with the rules computed again on big integers, for
// any amount, tranches and limits: it accepts a schedule exactly when the tranches are positive and
// sum to the amount, the advance (the first tranche, even when it is the only one) is within its
// share and all but the last are within theirs; and every violation names a field of the request.
func FuzzCheckSchedule(f *testing.F) {
	f.Add(int64(100_000_00), int32(30), int32(80), []byte{})
	f.Add(int64(100_000_00), int32(0), int32(0), enc(30_000_00, 50_000_00, 20_000_00))
	f.Add(int64(100_000_00), int32(30), int32(80), enc(30_000_01, 49_999_99, 20_000_00))
	f.Add(int64(100_000_00), int32(30), int32(80), enc(30_000_00, 50_000_01, 19_999_99))
	f.Add(int64(math.MaxInt64), int32(100), int32(100), enc(math.MaxInt64, 1))
	f.Add(int64(1), int32(1), int32(1), enc(1))
	f.Fuzz(func(t *testing.T, amount int64, advance, interim int32, raw []byte) {
		limits, err := ResolveScheduleLimits(advance, interim)
		if err != nil {
			return
		}
		var tranches []int64
		for len(raw) >= 8 && len(tranches) < 50 {
			tranches = append(tranches, int64(binary.LittleEndian.Uint64(raw)))
			raw = raw[8:]
		}
		err = CheckSchedule(amount, tranches, limits)
		if want := scheduleOracle(amount, tranches, limits); (err == nil) != want {
			t.Fatalf("CheckSchedule(%d, %v, %v) = %v, the rules say valid=%v", amount, tranches, limits, err, want)
		}
		var vs Violations
		if err != nil && (!errors.As(err, &vs) || len(vs) == 0) {
			t.Fatalf("error %v is not a non-empty Violations", err)
		}
		for _, v := range vs {
			if !validField(v.Field, len(tranches)) {
				t.Fatalf("violation names %q, not a field of the request", v.Field)
			}
		}
	})
}

func enc(cents ...int64) []byte {
	var b []byte
	for _, c := range cents {
		b = binary.LittleEndian.AppendUint64(b, uint64(c))
	}
	return b
}

// scheduleOracle states the rules of DOMAIN.md on unbounded integers: part ≤ p% of the amount is
// 100·part ≤ p·amount.
func scheduleOracle(amount int64, tranches []int64, l ScheduleLimits) bool {
	if amount <= 0 || len(tranches) == 0 {
		return false
	}
	sum := new(big.Int)
	for _, c := range tranches {
		if c <= 0 {
			return false
		}
		sum.Add(sum, big.NewInt(c))
	}
	if sum.Cmp(big.NewInt(amount)) != 0 {
		return false
	}
	within := func(part *big.Int, percent int32) bool {
		lhs := new(big.Int).Mul(part, big.NewInt(100))
		rhs := new(big.Int).Mul(big.NewInt(amount), big.NewInt(int64(percent)))
		return lhs.Cmp(rhs) <= 0
	}
	before := new(big.Int)
	for _, c := range tranches[:len(tranches)-1] {
		before.Add(before, big.NewInt(c))
	}
	return within(big.NewInt(tranches[0]), l.AdvanceMaxPercent) && within(before, l.InterimMaxPercent)
}

func validField(field string, n int) bool {
	if field == "amountCents" || field == "tranches" {
		return true
	}
	for i := range n {
		if field == "tranches["+strconv.Itoa(i)+"].amountCents" {
			return true
		}
	}
	return false
}
