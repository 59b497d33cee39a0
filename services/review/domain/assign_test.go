package domain

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i+1)
	}
	return out
}

func apps(names ...string) []Application {
	out := make([]Application, len(names))
	for i, n := range names {
		out[i] = Application{Name: n}
	}
	return out
}

func TestAssignAll(t *testing.T) {
	jury := names("r", 6)
	tests := []struct {
		name      string
		apps      []Application
		reviewers []string
		k, cap    int
		conflicts []Pair
		expertise map[string][]string
		want      map[string][]string // exact assignment, when the case pins it
		short     map[string]int
		loads     []int // sorted loads, when the case pins them
		wantErr   error
	}{
		{name: "an even split", apps: apps("a", "b"), reviewers: jury, k: 3, loads: []int{1, 1, 1, 1, 1, 1}},
		{name: "whole jury on each", apps: apps("a", "b"), reviewers: jury[:3], k: 3,
			want: map[string][]string{"a": jury[:3], "b": jury[:3]}},
		{name: "ten applications over six: loads 5 each", apps: apps(names("a", 10)...), reviewers: jury, k: 3,
			loads: []int{5, 5, 5, 5, 5, 5}},
		{name: "expertise decides among equal loads",
			apps: []Application{{Name: "a", Keywords: []string{"Tax"}}, {Name: "b", Keywords: []string{"health"}}}, reviewers: jury, k: 3,
			expertise: map[string][]string{"r01": {"tax"}, "r02": {" TAX "}, "r03": {"tax", "health"}, "r04": {"health"}, "r05": {"health"}, "r06": {"Health", "energy"}},
			// r03 would suit b too, but a has no other third expert and the loads must stay even.
			want: map[string][]string{"a": {"r01", "r02", "r03"}, "b": {"r04", "r05", "r06"}}},
		{name: "partial expertise counts: more keywords matched is better",
			apps: []Application{{Name: "a", Keywords: []string{"tax", "risk", "companies"}}}, reviewers: jury[:4], k: 3,
			expertise: map[string][]string{"r01": {"tax"}, "r02": {"tax", "risk"}, "r03": {"tax", "risk", "companies"}, "r04": {}},
			want:      map[string][]string{"a": {"r01", "r02", "r03"}}},
		{name: "expertise yields to the load balance",
			// Six applications all on tax, one tax expert: it gets its even share (3), not all six.
			apps:      []Application{{"a1", []string{"tax"}}, {"a2", []string{"tax"}}, {"a3", []string{"tax"}}, {"a4", []string{"tax"}}, {"a5", []string{"tax"}}, {"a6", []string{"tax"}}},
			reviewers: jury, k: 3, expertise: map[string][]string{"r01": {"tax"}}, loads: []int{3, 3, 3, 3, 3, 3}},
		{name: "a conflicted pair is never assigned", apps: apps("a"), reviewers: jury[:4], k: 3,
			conflicts: []Pair{{"a", "r02"}}, want: map[string][]string{"a": {"r01", "r03", "r04"}}},
		{name: "conflicts leave too few: the application is short", apps: apps("a"), reviewers: jury[:4], k: 3,
			conflicts: []Pair{{"a", "r02"}, {"a", "r04"}}, want: map[string][]string{"a": {"r01", "r03"}}, short: map[string]int{"a": 1}},
		{name: "the cap binds: work moves to others", apps: apps("a", "b", "c"), reviewers: jury[:4], k: 3, cap: 3,
			conflicts: []Pair{{"c", "r01"}}, loads: []int{2, 2, 2, 3}},
		{name: "the cap leaves some short", apps: apps("a", "b", "c"), reviewers: jury[:3], k: 3, cap: 2,
			loads: []int{2, 2, 2}, short: map[string]int{"c": 3}},
		{name: "conflicts force an uneven but capped split", apps: apps("a", "b", "c", "d"), reviewers: jury[:4], k: 3, cap: 4,
			conflicts: []Pair{{"a", "r01"}, {"b", "r01"}, {"c", "r01"}}, loads: []int{1, 4, 4, 3}},
		{name: "no application", reviewers: jury, k: 3, loads: []int{0, 0, 0, 0, 0, 0}},
		{name: "jury too small", apps: apps("a"), reviewers: jury[:2], k: 3, wantErr: ErrJuryTooSmall},
		{name: "zero needed", apps: apps("a"), reviewers: jury, k: 0, wantErr: errAny},
		{name: "an application twice", apps: apps("a", "a"), reviewers: jury, k: 3, wantErr: errAny},
		{name: "a reviewer twice", apps: apps("a"), reviewers: []string{"r", "r", "s", "t"}, k: 3, wantErr: errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AssignAll(tc.apps, tc.reviewers, tc.k, tc.cap, tc.conflicts, tc.expertise, 42)
			if tc.wantErr != nil {
				if err == nil || (tc.wantErr != errAny && !errors.Is(err, tc.wantErr)) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cap := tc.cap
			if cap == 0 {
				cap = DefaultLoadCap(len(tc.apps), tc.k, len(tc.reviewers))
			}
			checkAssignment(t, Problem{Applications: tc.apps, Reviewers: reviewersOf(tc.reviewers), PerApplication: tc.k, LoadCap: cap, Excluded: tc.conflicts}, got)
			if tc.want != nil && !reflect.DeepEqual(got.Assigned, tc.want) {
				t.Errorf("assigned %v, want %v", got.Assigned, tc.want)
			}
			if tc.short == nil {
				tc.short = map[string]int{}
			}
			if !maps.Equal(got.Short, tc.short) {
				t.Errorf("short %v, want %v", got.Short, tc.short)
			}
			if tc.loads != nil {
				loads := slices.Collect(maps.Values(got.Loads))
				slices.Sort(loads)
				want := slices.Clone(tc.loads)
				slices.Sort(want)
				if !slices.Equal(loads, want) {
					t.Errorf("loads %v, want %v", got.Loads, tc.loads)
				}
			}
		})
	}
}

// errAny stands for "some error" in the tables.
var errAny = errors.New("any error")

func reviewersOf(names []string) []Reviewer {
	out := make([]Reviewer, len(names))
	for i, n := range names {
		out[i] = Reviewer{Name: n}
	}
	return out
}

// checkAssignment asserts the constraints every assignment must meet: k distinct reviewers per
// application or a shortfall that says how many are missing, loads that add up and stay within
// the cap, never an excluded pair.
func checkAssignment(t *testing.T, p Problem, r Result) {
	t.Helper()
	excluded := map[Pair]bool{}
	for _, e := range p.Excluded {
		excluded[e] = true
	}
	load := map[string]int{}
	for _, rv := range p.Reviewers {
		load[rv.Name] = rv.Load
	}
	for _, a := range p.Applications {
		rs := r.Assigned[a.Name]
		if len(rs)+r.Short[a.Name] != p.PerApplication {
			t.Fatalf("%s: %d reviewers and %d short, want %d", a.Name, len(rs), r.Short[a.Name], p.PerApplication)
		}
		if !slices.IsSorted(rs) || len(slices.Compact(slices.Clone(rs))) != len(rs) {
			t.Fatalf("%s: reviewers %v not distinct and sorted", a.Name, rs)
		}
		for _, rv := range rs {
			if excluded[Pair{a.Name, rv}] {
				t.Fatalf("%s assigned to %s despite the exclusion", rv, a.Name)
			}
			if _, ok := load[rv]; !ok {
				t.Fatalf("%s assigned to %s is not in the jury", rv, a.Name)
			}
			load[rv]++
		}
	}
	if len(r.Assigned) > len(p.Applications) {
		t.Fatalf("assignments for unknown applications: %v", r.Assigned)
	}
	for name, l := range load {
		if r.Loads[name] != l {
			t.Fatalf("%s: load %d reported, %d counted", name, r.Loads[name], l)
		}
		start := 0
		for _, rv := range p.Reviewers {
			if rv.Name == name {
				start = rv.Load
			}
		}
		if l > max(p.LoadCap, start) {
			t.Fatalf("%s: load %d above the cap %d", name, l, p.LoadCap)
		}
	}
}

// randomProblem draws an instance: a jury with some expertise and existing loads, applications
// with keywords, conflicts, a cap that sometimes binds.
func randomProblem(rnd *rand.Rand) Problem {
	pool := []string{"tax", "health", "transport", "energy", "education", "justice"}
	some := func() []string {
		var ks []string
		for _, k := range pool {
			if rnd.IntN(4) == 0 {
				ks = append(ks, k)
			}
		}
		return ks
	}
	p := Problem{PerApplication: 1 + rnd.IntN(4), Seed: rnd.Int64()}
	for _, n := range names("r", 1+rnd.IntN(12)) {
		p.Reviewers = append(p.Reviewers, Reviewer{Name: n, Expertise: some(), Load: rnd.IntN(3) * rnd.IntN(2)})
	}
	for _, n := range names("a", rnd.IntN(25)) {
		p.Applications = append(p.Applications, Application{Name: n, Keywords: some()})
		for _, r := range p.Reviewers {
			if rnd.IntN(8) == 0 {
				p.Excluded = append(p.Excluded, Pair{n, r.Name})
			}
		}
	}
	p.LoadCap = DefaultLoadCap(len(p.Applications), p.PerApplication, len(p.Reviewers)) + rnd.IntN(3) - 1
	p.LoadCap = max(p.LoadCap, 1)
	return p
}

func shuffledProblem(rnd *rand.Rand, p Problem) Problem {
	q := p
	q.Applications = slices.Clone(p.Applications)
	q.Reviewers = slices.Clone(p.Reviewers)
	q.Excluded = slices.Clone(p.Excluded)
	rnd.Shuffle(len(q.Applications), func(a, b int) { q.Applications[a], q.Applications[b] = q.Applications[b], q.Applications[a] })
	rnd.Shuffle(len(q.Reviewers), func(a, b int) { q.Reviewers[a], q.Reviewers[b] = q.Reviewers[b], q.Reviewers[a] })
	rnd.Shuffle(len(q.Excluded), func(a, b int) { q.Excluded[a], q.Excluded[b] = q.Excluded[b], q.Excluded[a] })
	return q
}

func TestSolveProperties(t *testing.T) {
	rnd := rand.New(rand.NewPCG(4, 2))
	differ := 0
	for i := range 1500 {
		p := randomProblem(rnd)
		got, err := Solve(p)
		if len(p.Reviewers) < p.PerApplication {
			if !errors.Is(err, ErrJuryTooSmall) {
				t.Fatalf("case %d: err = %v with %d reviewers for %d", i, err, len(p.Reviewers), p.PerApplication)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkAssignment(t, p, got)
		// The same seed gives the same assignment, whatever the order of the inputs.
		again, err := Solve(shuffledProblem(rnd, p))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("case %d: the assignment depends on the input order:\n%v\n%v", i, got, again)
		}
		// Another seed may break the ties another way, never the constraints.
		other := p
		other.Seed = p.Seed + 1
		o, err := Solve(other)
		if err != nil {
			t.Fatal(err)
		}
		checkAssignment(t, other, o)
		if !reflect.DeepEqual(got.Assigned, o.Assigned) {
			differ++
		}
		// The seed changes which reviewers, never how many: the flow value is the same.
		if total(got.Short) != total(o.Short) {
			t.Fatalf("case %d: seeds %d and %d staffed differently: %v and %v", i, p.Seed, other.Seed, got.Short, o.Short)
		}
	}
	if differ == 0 {
		t.Fatal("changing the seed never changed an assignment")
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// With nothing in the way (no conflict, no binding cap, no load yet), the loads end within one
// of each other, whatever the expertise: the balance comes first.
func TestSolveBalancesLoads(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	for i := range 300 {
		p := randomProblem(rnd)
		p.Excluded = nil
		p.LoadCap = MaxLoadCap
		for j := range p.Reviewers {
			p.Reviewers[j].Load = 0
		}
		if len(p.Reviewers) < p.PerApplication {
			continue
		}
		got, err := Solve(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Short) != 0 {
			t.Fatalf("case %d: short %v without conflicts or cap", i, got.Short)
		}
		lo, hi := MaxLoadCap, 0
		for _, l := range got.Loads {
			lo, hi = min(lo, l), max(hi, l)
		}
		if hi-lo > 1 {
			t.Fatalf("case %d: loads %v", i, got.Loads)
		}
	}
}

// The service assigns one application at a time with the loads so far: that too keeps the loads
// within one of each other, and among the least loaded the experts come first.
func TestSolveIncrementally(t *testing.T) {
	jury := names("r", 7)
	load := map[string]int{}
	expertise := map[string][]string{"r03": {"tax"}, "r05": {"tax", "health"}}
	for i := range 70 {
		p := Problem{Applications: []Application{{Name: fmt.Sprintf("a%02d", i), Keywords: []string{"tax"}}}, PerApplication: 3,
			LoadCap: DefaultLoadCap(i+1, 3, len(jury)), Seed: 9}
		for _, r := range jury {
			p.Reviewers = append(p.Reviewers, Reviewer{Name: r, Expertise: expertise[r], Load: load[r]})
		}
		got, err := Solve(p)
		if err != nil {
			t.Fatal(err)
		}
		checkAssignment(t, p, got)
		// Every chosen reviewer comes before every other on (load, not an expert).
		chosen := got.Assigned[p.Applications[0].Name]
		rank := func(r string) int {
			if len(expertise[r]) > 0 {
				return 2 * load[r]
			}
			return 2*load[r] + 1
		}
		for _, x := range chosen {
			for _, y := range jury {
				if !slices.Contains(chosen, y) && rank(y) < rank(x) {
					t.Fatalf("application %d: %s (load %d) chosen over %s (load %d, expertise %v)", i, x, load[x], y, load[y], expertise[y])
				}
			}
		}
		load = got.Loads
		lo, hi := 1<<30, 0
		for _, l := range load {
			lo, hi = min(lo, l), max(hi, l)
		}
		if hi-lo > 1 {
			t.Fatalf("after %d applications the loads are %v", i+1, load)
		}
	}
	for _, r := range jury {
		if load[r] != 30 {
			t.Fatalf("loads %v, want 30 each", load)
		}
	}
}

// An expert is preferred only while its load allows: one ahead of the others, it is passed over.
func TestSolveExpertiseWhenLoadsAllow(t *testing.T) {
	p := Problem{Applications: []Application{{Name: "a", Keywords: []string{"tax"}}}, PerApplication: 3, LoadCap: 10,
		Reviewers: []Reviewer{{Name: "expert", Expertise: []string{"tax"}, Load: 2}, {Name: "r1", Load: 1}, {Name: "r2", Load: 1}, {Name: "r3", Load: 1}, {Name: "r4", Load: 2}}}
	got, err := Solve(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"r1", "r2", "r3"}; !slices.Equal(got.Assigned["a"], want) {
		t.Fatalf("assigned %v, want %v", got.Assigned["a"], want)
	}
	// At equal loads the expert wins over r4 whatever the seed.
	p.Reviewers[1].Load = 2
	for seed := range int64(20) {
		p.Seed = seed
		got, err := Solve(p)
		if err != nil {
			t.Fatal(err)
		}
		if a := got.Assigned["a"]; !slices.Contains(a, "expert") || len(a) != 3 {
			t.Fatalf("seed %d: assigned %v without the expert", seed, a)
		}
	}
}

// On instances small enough to enumerate, the optimiser finds the best assignment: as many
// reviewers as the constraints allow, and the lowest cost (balance, expertise, seeded ties) for
// the number of reviewers each application got. When not every application can be staffed,
// the earlier names are served first: the counts are the greatest in lexicographic order.
func TestSolveIsOptimal(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 3))
	for i := range 400 {
		p := randomProblem(rnd)
		p.Applications = p.Applications[:min(len(p.Applications), 3)]
		p.Reviewers = p.Reviewers[:min(len(p.Reviewers), 5)]
		p.PerApplication = min(p.PerApplication, 2)
		if len(p.Reviewers) < p.PerApplication {
			continue
		}
		got, err := Solve(p)
		if err != nil {
			t.Fatal(err)
		}
		g, err := newNetwork(p)
		if err != nil {
			t.Fatal(err)
		}
		counts := make([]int, len(g.apps))
		flow, cost := 0, costOf(g, got.Assigned)
		for i, a := range g.apps {
			counts[i] = len(got.Assigned[a.Name])
			flow += counts[i]
		}
		maxFlow, _, first := bruteForce(g, p.PerApplication, nil)
		_, bestCost, _ := bruteForce(g, p.PerApplication, counts)
		if flow != maxFlow || cost != bestCost || !slices.Equal(counts, first) {
			t.Fatalf("case %d: %d reviewers %v at cost %d; the best is %d, %v first, and cost %d for these counts\n%+v\n%v",
				i, flow, counts, cost, maxFlow, first, bestCost, p, got.Assigned)
		}
	}
}

// costOf is the objective of an assignment on g's costs.
func costOf(g *network, assigned map[string][]string) int64 {
	m := len(g.reviewers)
	index := map[string]int{}
	for j, r := range g.reviewers {
		index[r.Name] = j
	}
	load := make([]int, m)
	for j, r := range g.reviewers {
		load[j] = r.Load
	}
	var c int64
	for i, a := range g.apps {
		for _, r := range assigned[a.Name] {
			j := index[r]
			c += g.cost[i*m+j] + loadWeight*int64(load[j])
			load[j]++
		}
	}
	return c
}

// bruteForce enumerates every choice of at most k reviewers per application (exactly counts[i]
// when counts is given) and returns the largest number of assignments the constraints allow and
// the lowest cost among those, and the greatest vector of counts in lexicographic order.
func bruteForce(g *network, k int, counts []int) (int, int64, []int) {
	m := len(g.reviewers)
	var subsets []int
	for mask := range 1 << m {
		if bitCount(mask) <= k {
			subsets = append(subsets, mask)
		}
	}
	bestFlow, bestCost := -1, int64(0)
	var first []int
	choice := make([]int, len(g.apps))
	var rec func(i int)
	rec = func(i int) {
		if i == len(g.apps) {
			load := make([]int, m)
			for j, r := range g.reviewers {
				load[j] = r.Load
			}
			flow := 0
			var c int64
			for a, mask := range choice {
				for j := range m {
					if mask&(1<<j) == 0 {
						continue
					}
					if g.cost[a*m+j] < 0 || load[j] >= g.cap {
						return
					}
					c += g.cost[a*m+j] + loadWeight*int64(load[j])
					load[j]++
					flow++
				}
			}
			if flow > bestFlow || (flow == bestFlow && c < bestCost) {
				bestFlow, bestCost = flow, c
			}
			got := make([]int, len(choice))
			for a, mask := range choice {
				got[a] = bitCount(mask)
			}
			if first == nil || slices.Compare(got, first) > 0 {
				first = got
			}
			return
		}
		for _, s := range subsets {
			if counts != nil && bitCount(s) != counts[i] {
				continue
			}
			choice[i] = s
			rec(i + 1)
		}
	}
	rec(0)
	return bestFlow, bestCost, first
}

func bitCount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

func TestDefaultLoadCap(t *testing.T) {
	tests := []struct{ n, k, jury, want int }{
		{1, 3, 6, 2}, {2, 3, 6, 2}, {3, 3, 6, 3}, {300, 3, 40, 24}, {1000, 3, 100, 31}, {0, 3, 6, 1}, {5, 3, 0, 1},
	}
	for _, tc := range tests {
		if got := DefaultLoadCap(tc.n, tc.k, tc.jury); got != tc.want {
			t.Errorf("DefaultLoadCap(%d, %d, %d) = %d, want %d", tc.n, tc.k, tc.jury, got, tc.want)
		}
	}
}

func TestJury(t *testing.T) {
	if got, want := Jury([]string{"b", " a ", "", "b", "  ", "c"}), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("Jury = %v, want %v", got, want)
	}
}

// The seeds and the assignment are pinned: a change of hash or of cost would change every call's
// assignment, and anyone recomputing a published one must get the same answer with any version.
func TestAssignmentIsPinned(t *testing.T) {
	if a, b := SeedFor("calls/c1"), SeedFor("calls/c2"); a != 6133734185362723388 || b != 2869026212454232677 {
		t.Fatalf("seeds %d %d", a, b)
	}
	got, err := AssignAll(apps("a1", "a2", "a3", "a4"), names("r", 6), 3, 0, []Pair{{"a2", "r03"}}, map[string][]string{"r01": {"tax"}}, 2026)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"a1": {"r03", "r04", "r05"}, "a2": {"r01", "r02", "r04"}, "a3": {"r02", "r03", "r06"}, "a4": {"r01", "r05", "r06"}}
	if !reflect.DeepEqual(got.Assigned, want) {
		t.Fatalf("assigned %#v", got.Assigned)
	}
}

func FuzzSolve(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(0), uint64(0))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		rnd := rand.New(rand.NewPCG(a, b))
		p := randomProblem(rnd)
		got, err := Solve(p)
		if len(p.Reviewers) < p.PerApplication {
			if !errors.Is(err, ErrJuryTooSmall) {
				t.Fatalf("err = %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		checkAssignment(t, p, got)
		again, err := Solve(shuffledProblem(rnd, p))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatal("the assignment depends on the input order")
		}
	})
}

// benchInstance is a call of n applications and m reviewers, three per application, keywords
// from a pool of 30 (two per application, three declared per reviewer) and about 2% of the
// pairs in conflict.
func benchInstance(n, m int) ([]Application, []string, []Pair, map[string][]string) {
	rnd := rand.New(rand.NewPCG(uint64(n), uint64(m)))
	pool := names("topic", 30)
	reviewers := names("reviewer-", m)
	expertise := map[string][]string{}
	for _, r := range reviewers {
		expertise[r] = []string{pool[rnd.IntN(30)], pool[rnd.IntN(30)], pool[rnd.IntN(30)]}
	}
	var as []Application
	var conflicts []Pair
	for _, a := range names("calls/bench/applications/a", n) {
		as = append(as, Application{Name: a, Keywords: []string{pool[rnd.IntN(30)], pool[rnd.IntN(30)]}})
		for _, r := range reviewers {
			if rnd.IntN(50) == 0 {
				conflicts = append(conflicts, Pair{a, r})
			}
		}
	}
	return as, reviewers, conflicts, expertise
}

func benchmarkAssignAll(b *testing.B, n, m int) {
	as, reviewers, conflicts, expertise := benchInstance(n, m)
	b.ReportAllocs()
	for b.Loop() {
		r, err := AssignAll(as, reviewers, 3, 0, conflicts, expertise, 1)
		if err != nil || len(r.Short) != 0 {
			b.Fatalf("%v, short %v", err, r.Short)
		}
	}
}

// BenchmarkAssignAll is the batch assignment of 1,000 applications to 100 reviewers.
func BenchmarkAssignAll(b *testing.B) { benchmarkAssignAll(b, 1000, 100) }

// BenchmarkAssignAll300x40 is the size issue 4 requires under a second.
func BenchmarkAssignAll300x40(b *testing.B) { benchmarkAssignAll(b, 300, 40) }
