package domain

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"testing"
)

func syntheticProblem(n, m, k int, seed uint64) Problem {
	as, reviewers, conflicts, expertise := SyntheticJury(n, m, seed)
	p := Problem{Applications: as, PerApplication: k, LoadCap: DefaultLoadCap(n, k, m), Excluded: conflicts, Seed: int64(seed)}
	for _, r := range reviewers {
		p.Reviewers = append(p.Reviewers, Reviewer{Name: r, Expertise: expertise[r]})
	}
	return p
}

// The decomposition keeps every constraint of a small call: k distinct reviewers each, the cap
// over all blocks together, never an excluded pair; and the same seed gives the same assignment
// whatever the order of the inputs.
func TestSolveBlocks(t *testing.T) {
	p := syntheticProblem(3000, 150, 3, 5)
	got, err := solveBlocks(p, 300)
	if err != nil {
		t.Fatal(err)
	}
	checkAssignment(t, p, got)
	if len(got.Short) != 0 {
		t.Fatalf("short %v with room for everyone", got.Short)
	}
	again, err := solveBlocks(shuffledProblem(rand.New(rand.NewPCG(1, 2)), p), 300)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, again) {
		t.Fatal("the same seed gave another assignment")
	}
	other := p
	other.Seed++
	o, err := solveBlocks(other, 300)
	if err != nil {
		t.Fatal(err)
	}
	checkAssignment(t, other, o)
	if reflect.DeepEqual(got.Assigned, o.Assigned) {
		t.Fatal("another seed gave the same assignment")
	}
	// Expertise is preferred: most pairs share a keyword, far more than at random.
	matched, pairs := 0, 0
	expertise := map[string]map[string]bool{}
	for _, r := range p.Reviewers {
		expertise[r.Name] = expertiseOf(r)
	}
	for _, a := range p.Applications {
		for _, r := range got.Assigned[a.Name] {
			pairs++
			if mismatch(keywordsOf(a), expertise[r]) < expertiseLevels {
				matched++
			}
		}
	}
	if matched*10 < pairs*9 {
		t.Fatalf("%d of %d pairs share a keyword", matched, pairs)
	}
}

// When the caps leave fewer places than the applications need, every place is used and what is
// missing is reported, never a cap exceeded.
func TestSolveBlocksShortfall(t *testing.T) {
	for _, tc := range []struct{ cap, wantShort int }{{60, 0}, {55, 500}, {40, 2000}} {
		t.Run(fmt.Sprint(tc.cap), func(t *testing.T) {
			p := syntheticProblem(2000, 100, 3, 9)
			p.LoadCap = tc.cap
			got, err := solveBlocks(p, 250)
			if err != nil {
				t.Fatal(err)
			}
			checkAssignment(t, p, got)
			if short := total(got.Short); short != tc.wantShort {
				t.Fatalf("%d reviewers short, want %d", short, tc.wantShort)
			}
		})
	}
}

// An application conflicted with all but two reviewers cannot get a third, whatever the blocks.
func TestSolveBlocksConflicts(t *testing.T) {
	p := syntheticProblem(1200, 40, 3, 3)
	victim := p.Applications[17].Name
	for _, r := range p.Reviewers[2:] {
		p.Excluded = append(p.Excluded, Pair{victim, r.Name})
	}
	got, err := solveBlocks(p, 200)
	if err != nil {
		t.Fatal(err)
	}
	checkAssignment(t, p, got)
	if want := map[string]int{victim: 1}; !maps.Equal(got.Short, want) {
		t.Fatalf("short %v, want %v", got.Short, want)
	}
}

// Solve decomposes beyond denseLimit pairs only: below it, the assignment is the dense one.
func TestSolveDecomposesLargeCallsOnly(t *testing.T) {
	p := syntheticProblem(900, 100, 3, 1)
	dense, err := solveDense(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Solve(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, dense) {
		t.Fatal("a small call was decomposed")
	}
}

func benchmarkSolve(b *testing.B, p Problem, solve func(Problem) (Result, error)) {
	b.ReportAllocs()
	for b.Loop() {
		r, err := solve(p)
		if err != nil || len(r.Short) != 0 {
			b.Fatalf("%v, short %d", err, len(r.Short))
		}
	}
}

// The dense network as calls grow, to see where it stops being practical.
func BenchmarkSolveDense(b *testing.B) {
	for _, size := range [][2]int{{1000, 100}, {2000, 200}, {5000, 500}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			if testing.Short() && size[0] > 2000 {
				b.Skip("minutes")
			}
			benchmarkSolve(b, syntheticProblem(size[0], size[1], 3, 1), solveDense)
		})
	}
}

// BenchmarkAssignAll100kx1000 is issue 7's assignment at scale: 100,000 applications, 1,000
// reviewers, three each, decomposed into blocks.
func BenchmarkAssignAll100kx1000(b *testing.B) {
	if testing.Short() {
		b.Skip("a long benchmark")
	}
	as, reviewers, conflicts, expertise := SyntheticJury(100_000, 1000, 1)
	b.ReportAllocs()
	for b.Loop() {
		r, err := AssignAll(as, reviewers, 3, 0, conflicts, expertise, 1)
		if err != nil || len(r.Short) != 0 {
			b.Fatalf("%v, short %d", err, len(r.Short))
		}
	}
}

// The block size against time, at 10,000 × 1,000.
func BenchmarkSolveBlocks10kx1000(b *testing.B) {
	p := syntheticProblem(10_000, 1000, 3, 1)
	for _, size := range []int{100, 250, 500} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			benchmarkSolve(b, p, func(p Problem) (Result, error) { return solveBlocks(p, size) })
		})
	}
}
