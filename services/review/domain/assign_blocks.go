package domain

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"
)

// Large calls (decision 0018). One network holding every (application, reviewer) pair grows as
// n·m: 100,000 applications and 1,000 reviewers would be 10^8 pairs, about a gigabyte, and
// successive shortest paths on it would take hours. Beyond denseLimit pairs, Solve decomposes:
//
//  1. the applications are dealt into blocks of about blockApplications, in the order of a hash
//     seeded by the call's seed (so the same seed gives the same blocks, whatever the input order);
//  2. each block receives its share of every reviewer's remaining capacity (cap − load), the shares
//     of one reviewer adding up to its remaining capacity exactly, so the caps hold globally;
//  3. each block is the same min-cost flow as a small call, on a sparse candidate set per
//     application: the reviewers closest by expertise (expertCandidates), plus a seeded sample of
//     the others (sampledCandidates) so that load can flow anywhere; a conflicted or excluded
//     reviewer is never a candidate. Blocks are independent and solved in parallel;
//  4. applications a block left short are solved again together, released from what they held,
//     on every reviewer (dense) with the capacity left over globally; what is still missing then
//     is reported in Result.Short.
//
// The result is optimal within each block, not globally: the loads stay within the cap and
// within one or two assignments of even inside each block.
const (
	// denseLimit is the largest number of pairs solved as one network: 1,000 × 100, the size
	// whose results are pinned since decision 0007 (a dense 2,000 × 200 takes seconds already).
	denseLimit = 100_000
	// blockApplications is the size of a block: time grows with it (BenchmarkSolveBlocks10kx1000).
	blockApplications = 250
	// expertCandidates and sampledCandidates make each application's candidate set.
	expertCandidates  = 48
	sampledCandidates = 16
)

// juryIndex is what the blocks share about the jury: read only once built.
type juryIndex struct {
	reviewers    []Reviewer
	expertise    []map[string]bool
	reviewerHash []uint64
	// byKeyword lists the reviewers declaring each keyword, in name order.
	byKeyword map[string][]int32
	// excluded lists each application's excluded reviewers.
	excluded map[string][]int32
}

func solveBlocks(p Problem, blockSize int) (Result, error) {
	apps, reviewers, cap, err := prepare(p)
	if err != nil {
		return Result{}, err
	}
	n, m := len(apps), len(reviewers)
	if m < p.PerApplication {
		return Result{}, fmt.Errorf("%w: %d needed, %d in the jury", ErrJuryTooSmall, p.PerApplication, m)
	}
	jury := juryIndex{reviewers: reviewers, expertise: make([]map[string]bool, m), reviewerHash: make([]uint64, m),
		byKeyword: map[string][]int32{}, excluded: map[string][]int32{}}
	position := make(map[string]int32, m)
	for j, r := range reviewers {
		position[r.Name] = int32(j)
		jury.expertise[j] = expertiseOf(r)
		jury.reviewerHash[j] = hashString(r.Name)
		for k := range jury.expertise[j] {
			jury.byKeyword[k] = append(jury.byKeyword[k], int32(j))
		}
	}
	for _, e := range p.Excluded {
		if j, ok := position[e.Reviewer]; ok {
			jury.excluded[e.Application] = append(jury.excluded[e.Application], j)
		}
	}

	// 1. Blocks, dealt in seeded-hash order; inside a block, name order as in a small call.
	order := make([]int, n)
	keys := make([]uint64, n)
	for i := range order {
		order[i] = i
		keys[i] = mix(uint64(p.Seed) ^ hashString(apps[i].Name))
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Or(cmp.Compare(keys[a], keys[b]), cmp.Compare(a, b)) })
	blocks := max(1, (n+blockSize-1)/blockSize)
	members := make([][]int, blocks)
	for b := range members {
		members[b] = slices.Clone(order[b*n/blocks : (b+1)*n/blocks])
		slices.Sort(members[b])
	}

	// 2. Shares: the remainder of each reviewer's division goes to consecutive blocks from a
	// seeded starting block, so no block is favoured.
	remaining := make([]int, m)
	for j, r := range reviewers {
		remaining[j] = max(cap-r.Load, 0)
	}
	share := func(b, j int) int {
		start := int(mix(uint64(p.Seed)^jury.reviewerHash[j]) % uint64(blocks))
		extra := 0
		if (b-start+blocks)%blocks < remaining[j]%blocks {
			extra = 1
		}
		return remaining[j]/blocks + extra
	}

	// 3. The blocks, on as many workers as there are processors.
	held := make([][]int32, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), blocks) {
		wg.Go(func() {
			for b := range next {
				shares := make([]int, m)
				for j := range shares {
					shares[j] = share(b, j)
				}
				g := jury.block(apps, members[b], shares, p.Seed)
				for i := range g.apps {
					for range p.PerApplication {
						if !g.augment(i) {
							break
						}
					}
				}
				for i, global := range members[b] {
					for j := range m {
						if g.assigned[i*m+j] {
							held[global] = append(held[global], int32(j))
						}
					}
				}
			}
		})
	}
	for b := range blocks {
		next <- b
	}
	close(next)
	wg.Wait()

	load := make([]int, m)
	for j, r := range reviewers {
		load[j] = r.Load
	}
	var short []int
	for i, rs := range held {
		for _, j := range rs {
			load[j]++
		}
		if len(rs) < p.PerApplication {
			short = append(short, i)
		}
	}

	// 4. Repair: the short applications, released, on every reviewer with what is left.
	chunk := max(1, denseLimit/m)
	for start := 0; start < len(short); start += chunk {
		part := short[start:min(start+chunk, len(short))]
		q := Problem{PerApplication: p.PerApplication, LoadCap: cap, Seed: p.Seed}
		for _, i := range part {
			for _, j := range held[i] {
				load[j]--
			}
			held[i] = nil
			q.Applications = append(q.Applications, apps[i])
			for _, j := range jury.excluded[apps[i].Name] {
				q.Excluded = append(q.Excluded, Pair{apps[i].Name, reviewers[j].Name})
			}
		}
		for j, r := range reviewers {
			q.Reviewers = append(q.Reviewers, Reviewer{Name: r.Name, Expertise: r.Expertise, Load: load[j]})
		}
		repaired, err := solveDense(q)
		if err != nil {
			return Result{}, err
		}
		for _, i := range part {
			for _, name := range repaired.Assigned[apps[i].Name] {
				j := position[name]
				held[i] = append(held[i], j)
				load[j]++
			}
			slices.Sort(held[i])
		}
	}

	res := Result{Assigned: map[string][]string{}, Short: map[string]int{}, Loads: make(map[string]int, m)}
	for i, rs := range held {
		if len(rs) < p.PerApplication {
			res.Short[apps[i].Name] = p.PerApplication - len(rs)
		}
		if len(rs) == 0 {
			continue
		}
		names := make([]string, len(rs))
		for t, j := range rs {
			names[t] = reviewers[j].Name
		}
		res.Assigned[apps[i].Name] = names
	}
	for j, r := range reviewers {
		res.Loads[r.Name] = load[j]
	}
	return res, nil
}

// block builds the network of one block: its applications (indices into apps, in name order),
// every reviewer with its share as cap and no load yet, and each application's candidates only.
func (jury *juryIndex) block(apps []Application, members []int, shares []int, seed int64) *network {
	m := len(jury.reviewers)
	g := &network{reviewers: jury.reviewers, capOf: shares, load: make([]int, m), byReviewer: make([][]int, m)}
	for _, s := range shares {
		g.cap = max(g.cap, s)
	}
	g.apps = make([]Application, len(members))
	g.cost = make([]int64, len(members)*m)
	g.assigned = make([]bool, len(members)*m)
	g.adj = make([][]int32, len(members))
	for t := range g.cost {
		g.cost[t] = -1
	}
	matches := make([]int, m)
	mark := make([]int, m) // the application (+1) that last marked the reviewer a candidate
	for i, global := range members {
		a := apps[global]
		g.apps[i] = a
		keywords := keywordsOf(a)
		appHash := mix(uint64(seed) ^ hashString(a.Name))
		stamp := i + 1
		for _, j := range jury.excluded[a.Name] {
			mark[j] = -stamp
		}
		// The experts: reviewers declaring at least one of the keywords, best matched first.
		var experts []int
		for k := range keywords {
			for _, j := range jury.byKeyword[k] {
				if matches[j] == 0 && mark[j] != -stamp {
					experts = append(experts, int(j))
				}
				matches[j]++
			}
		}
		for _, j := range experts {
			matches[j] = 0
			g.cost[i*m+j] = pairCost(keywords, jury.expertise[j], appHash, jury.reviewerHash[j])
		}
		for _, j := range jury.excluded[a.Name] {
			matches[j] = 0
		}
		slices.SortFunc(experts, func(x, y int) int { return cmp.Or(cmp.Compare(g.cost[i*m+x], g.cost[i*m+y]), cmp.Compare(x, y)) })
		for t, j := range experts {
			if t >= expertCandidates {
				g.cost[i*m+j] = -1
				continue
			}
			mark[j] = stamp
			g.adj[i] = append(g.adj[i], int32(j))
		}
		// The sample: seeded draws among the others, so that a block's load can flow anywhere.
		for t, added := uint64(0), 0; added < sampledCandidates && t < 8*sampledCandidates; t++ {
			j := int(mix(appHash+t*0x9e3779b97f4a7c15) % uint64(m))
			if mark[j] == stamp || mark[j] == -stamp {
				continue
			}
			mark[j] = stamp
			g.cost[i*m+j] = pairCost(keywords, jury.expertise[j], appHash, jury.reviewerHash[j])
			g.adj[i] = append(g.adj[i], int32(j))
			added++
		}
		// Ascending, like a dense row: equal distances then resolve in the same order.
		slices.Sort(g.adj[i])
	}
	g.scratch()
	return g
}
