package domain

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
)

// The assignment is a minimum-cost flow, as in the paper-assignment systems of peer review:
// source → application (capacity k) → reviewer (capacity 1 per pair, absent for a conflict or an
// existing assignment) → sink (capacity cap − current load). Its cost ranks the solutions
// lexicographically, each weight larger than anything the lower ones can add up to along a cycle
// of the residual graph (at most 2·(reviewers+1) pair arcs):
//
//  1. load balance: the u-th assignment of a reviewer costs loadWeight·u, a convex cost, so the
//     optimum spreads the work evenly (it minimises Σ load²);
//  2. expertise: each pair costs expertiseWeight per level of mismatch between the application's
//     keywords and the reviewer's declared expertise (0 = all matched, expertiseLevels = none);
//  3. a seeded hash of (application, reviewer) below 2^tieBits, so that the remaining ties fall
//     differently from one seed to another and the same way for the same seed.
//
// Load cap, conflicts and distinct reviewers are constraints of the network, never costs.
const (
	tieBits         = 8
	expertiseLevels = 64
	expertiseWeight = int64(1) << 19 // > 2·(MaxJury+1) · 2^tieBits
	loadWeight      = int64(1) << 36 // > 2·(MaxJury+1) · (expertiseLevels·expertiseWeight + 2^tieBits)
	// MaxJury and MaxLoadCap keep every path cost below 2^50, far from int64 overflow.
	// A reviewer's load is bounded by MaxLoadCap only when the cap matters: no reviewer can exceed
	// its current load plus the applications of the run.
	MaxJury    = 1000
	MaxLoadCap = 4096
)

// MinReviewersPerApplication is the floor of the call's reviewers per application.
const MinReviewersPerApplication = 3

// ErrJuryTooSmall means the jury has fewer distinct reviewers than an application needs.
var ErrJuryTooSmall = errors.New("the jury has fewer reviewers than each application needs")

// Application is an application to assign, with its keywords.
type Application struct {
	Name     string
	Keywords []string
}

// Reviewer is a jury member with its declared expertise and the active assignments it already
// holds in the call.
type Reviewer struct {
	Name      string
	Expertise []string
	Load      int
}

// Pair names an (application, reviewer) pair: a declared conflict or an existing assignment.
type Pair struct {
	Application string
	Reviewer    string
}

// Problem is one run of the optimiser.
type Problem struct {
	Applications []Application
	Reviewers    []Reviewer
	// PerApplication is the number of reviewers each application still needs.
	PerApplication int
	// LoadCap bounds each reviewer's load, its existing Load included.
	LoadCap int
	// Excluded pairs are never assigned: conflicts, and reviewers already on the application.
	Excluded []Pair
	Seed     int64
}

// Result is an assignment.
type Result struct {
	// Assigned lists each application's new reviewers, sorted by name.
	Assigned map[string][]string
	// Short counts, for each application that could not be fully staffed, the reviewers missing.
	Short map[string]int
	// Loads is every reviewer's load afterwards.
	Loads map[string]int
}

// DefaultLoadCap is the load cap when the call sets none: ceil(n·k / jury) + 1, one assignment of
// slack over a perfectly even split, so that conflicts still leave room.
func DefaultLoadCap(applications, perApplication, jury int) int {
	if jury <= 0 {
		return 1
	}
	return (applications*perApplication+jury-1)/jury + 1
}

// SeedFor derives a call's assignment seed from its name when the call sets none.
func SeedFor(call string) int64 {
	h := fnv.New64a()
	h.Write([]byte(call))
	return int64(mix(h.Sum64()) >> 1)
}

// Jury returns the distinct non-blank names of a call's reviewer list, sorted.
func Jury(names []string) []string {
	var out []string
	for _, r := range names {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// AssignAll assigns k reviewers to every application from scratch (no reviewer holds anything
// yet): exactly k distinct reviewers each, no reviewer above loadCap (0: DefaultLoadCap), never a
// conflicted pair, expertise preferred where the loads allow, ties broken by seed. Applications
// that cannot be fully staffed are reported in Result.Short.
func AssignAll(apps []Application, reviewers []string, k, loadCap int, conflicts []Pair, expertise map[string][]string, seed int64) (Result, error) {
	if loadCap <= 0 {
		loadCap = DefaultLoadCap(len(apps), k, len(reviewers))
	}
	p := Problem{Applications: apps, PerApplication: k, LoadCap: loadCap, Excluded: conflicts, Seed: seed}
	for _, r := range reviewers {
		p.Reviewers = append(p.Reviewers, Reviewer{Name: r, Expertise: expertise[r]})
	}
	return Solve(p)
}

// Solve computes a minimum-cost assignment by successive shortest paths: each application in
// name order pushes its k units one at a time along a shortest path of the residual graph
// (Dijkstra on reduced costs, Johnson potentials), which may move other applications' reviewers
// to free the right one. Every intermediate flow is of minimum cost for what each application
// holds, so the result is optimal; it depends on the inputs and the seed only, not on their
// order. When the constraints cannot staff every application, as many reviewers as possible are
// assigned and the earlier names are served first: a later application never takes the last
// reviewer an earlier one could have had.
func Solve(p Problem) (Result, error) {
	if p.PerApplication < 1 {
		return Result{}, fmt.Errorf("reviewers per application must be at least 1, got %d", p.PerApplication)
	}
	if p.LoadCap < 1 {
		return Result{}, fmt.Errorf("the load cap must be at least 1, got %d", p.LoadCap)
	}
	if len(p.Reviewers) > MaxJury {
		return Result{}, fmt.Errorf("at most %d reviewers, got %d", MaxJury, len(p.Reviewers))
	}
	if len(p.Applications)*len(p.Reviewers) > denseLimit {
		return solveBlocks(p, blockApplications)
	}
	return solveDense(p)
}

// solveDense is Solve on one network holding every pair.
func solveDense(p Problem) (Result, error) {
	g, err := newNetwork(p)
	if err != nil {
		return Result{}, err
	}
	if len(g.reviewers) < p.PerApplication {
		return Result{}, fmt.Errorf("%w: %d needed, %d in the jury", ErrJuryTooSmall, p.PerApplication, len(g.reviewers))
	}
	res := Result{Assigned: map[string][]string{}, Short: map[string]int{}, Loads: map[string]int{}}
	for i := range g.apps {
		for u := range p.PerApplication {
			if !g.augment(i) {
				res.Short[g.apps[i].Name] = p.PerApplication - u
				break
			}
		}
	}
	for i, a := range g.apps {
		var rs []string
		for j, r := range g.reviewers {
			if g.assigned[i*len(g.reviewers)+j] {
				rs = append(rs, r.Name)
			}
		}
		if len(rs) > 0 {
			res.Assigned[a.Name] = rs
		}
	}
	for j, r := range g.reviewers {
		res.Loads[r.Name] = g.load[j]
	}
	return res, nil
}

// network is the residual graph. Nodes: applications 0..n-1, reviewers n..n+m-1, sink n+m.
type network struct {
	apps      []Application
	reviewers []Reviewer
	cap       int
	// capOf is each reviewer's cap in this network: cap, or its share of it in a block.
	capOf []int
	// cost of the pair arc i→j at i·m+j, -1 when the pair is excluded.
	cost     []int64
	assigned []bool
	// adj, when set, lists each application's candidate reviewers (ascending): the arcs of a
	// sparse block, so that Dijkstra does not scan every reviewer.
	adj [][]int32
	// byReviewer lists the applications assigned to each reviewer: the reverse arcs.
	byReviewer [][]int
	load       []int
	potential  []int64
	// Dijkstra's scratch space, reused across augmentations.
	dist  []int64
	prev  []int
	done  []bool
	queue nodeHeap
}

// prepare sorts a problem's applications and reviewers by name, refuses duplicates and negative
// loads, and returns the cap that matters.
func prepare(p Problem) ([]Application, []Reviewer, int, error) {
	apps, reviewers := slices.Clone(p.Applications), slices.Clone(p.Reviewers)
	slices.SortFunc(apps, func(a, b Application) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(reviewers, func(a, b Reviewer) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(apps); i++ {
		if apps[i].Name == apps[i-1].Name {
			return nil, nil, 0, fmt.Errorf("application %s appears twice", apps[i].Name)
		}
	}
	for i := 1; i < len(reviewers); i++ {
		if reviewers[i].Name == reviewers[i-1].Name {
			return nil, nil, 0, fmt.Errorf("reviewer %s appears twice", reviewers[i].Name)
		}
	}
	// No reviewer can take more than every application, so a higher cap changes nothing; the
	// bound that remains keeps the costs far from overflowing.
	highest := 0
	for _, r := range reviewers {
		if r.Load < 0 {
			return nil, nil, 0, fmt.Errorf("reviewer %s has a negative load", r.Name)
		}
		highest = max(highest, r.Load)
	}
	cap := min(p.LoadCap, highest+len(apps))
	if cap > MaxLoadCap {
		return nil, nil, 0, fmt.Errorf("loads up to %d are beyond the optimiser's bound of %d", cap, MaxLoadCap)
	}
	return apps, reviewers, cap, nil
}

func newNetwork(p Problem) (*network, error) {
	apps, reviewers, cap, err := prepare(p)
	if err != nil {
		return nil, err
	}
	g := &network{apps: apps, reviewers: reviewers, cap: cap}
	n, m := len(g.apps), len(g.reviewers)
	excluded := make(map[Pair]bool, len(p.Excluded))
	for _, e := range p.Excluded {
		excluded[e] = true
	}
	expertise := make([]map[string]bool, m)
	reviewerHash := make([]uint64, m)
	g.load = make([]int, m)
	g.byReviewer = make([][]int, m)
	g.capOf = make([]int, m)
	for j, r := range g.reviewers {
		g.load[j] = r.Load
		g.capOf[j] = g.cap
		expertise[j] = expertiseOf(r)
		reviewerHash[j] = hashString(r.Name)
	}
	g.cost = make([]int64, n*m)
	g.assigned = make([]bool, n*m)
	for i, a := range g.apps {
		keywords := keywordsOf(a)
		appHash := mix(uint64(p.Seed) ^ hashString(a.Name))
		for j, r := range g.reviewers {
			if excluded[Pair{a.Name, r.Name}] {
				g.cost[i*m+j] = -1
				continue
			}
			g.cost[i*m+j] = pairCost(keywords, expertise[j], appHash, reviewerHash[j])
		}
	}
	g.scratch()
	return g, nil
}

// scratch allocates the potentials and Dijkstra's space.
func (g *network) scratch() {
	nodes := len(g.apps) + len(g.reviewers) + 1
	g.potential = make([]int64, nodes)
	g.dist = make([]int64, nodes)
	g.prev = make([]int, nodes)
	g.done = make([]bool, nodes)
}

// keywordsOf is an application's set of comparable keywords.
func keywordsOf(a Application) map[string]bool {
	keywords := map[string]bool{}
	for _, k := range a.Keywords {
		if k = keyword(k); k != "" {
			keywords[k] = true
		}
	}
	return keywords
}

// expertiseOf is a reviewer's set of comparable declared keywords.
func expertiseOf(r Reviewer) map[string]bool {
	expertise := map[string]bool{}
	for _, e := range r.Expertise {
		expertise[keyword(e)] = true
	}
	return expertise
}

// pairCost is the cost of an (application, reviewer) pair: its expertise mismatch level, then
// the seeded tie-break.
func pairCost(keywords, expertise map[string]bool, appHash, reviewerHash uint64) int64 {
	return mismatch(keywords, expertise)*expertiseWeight + int64(mix(appHash^reviewerHash)>>(64-tieBits))
}

// mismatch is the share of the application's keywords the reviewer has not declared, in
// expertiseLevels steps rounded up: 0 when all match (or there are none), expertiseLevels when
// none does.
func mismatch(keywords, expertise map[string]bool) int64 {
	if len(keywords) == 0 {
		return 0
	}
	missing := 0
	for k := range keywords {
		if !expertise[k] {
			missing++
		}
	}
	return int64((missing*expertiseLevels + len(keywords) - 1) / len(keywords))
}

// augment pushes one unit from application s to the sink along a shortest residual path, and
// reports false when no path is left (the application cannot get another reviewer).
func (g *network) augment(s int) bool {
	n, m := len(g.apps), len(g.reviewers)
	sink := n + m
	for v := range g.dist {
		g.dist[v] = math.MaxInt64
		g.done[v] = false
		g.prev[v] = -1
	}
	g.queue.reset(g.dist)
	g.dist[s] = 0
	g.queue.update(s)
	for g.queue.len() > 0 {
		u := g.queue.pop()
		g.done[u] = true
		if u == sink {
			break
		}
		du, pu := g.dist[u], g.potential[u]
		if u < n && g.adj != nil {
			for _, j := range g.adj[u] {
				c := g.cost[u*m+int(j)]
				if g.assigned[u*m+int(j)] {
					continue
				}
				v := n + int(j)
				if d := du + c + pu - g.potential[v]; d < g.dist[v] {
					g.dist[v], g.prev[v] = d, u
					g.queue.update(v)
				}
			}
			continue
		}
		if u < n {
			row, taken := g.cost[u*m:(u+1)*m], g.assigned[u*m:(u+1)*m]
			pot, dist := g.potential[n:n+m], g.dist[n:n+m]
			taken, pot, dist = taken[:len(row)], pot[:len(row)], dist[:len(row)]
			for j, c := range row {
				if c < 0 || taken[j] {
					continue
				}
				if d := du + c + pu - pot[j]; d < dist[j] {
					dist[j], g.prev[n+j] = d, u
					g.queue.update(n + j)
				}
			}
			continue
		}
		j := u - n
		if g.load[j] < g.capOf[j] {
			if d := du + loadWeight*int64(g.load[j]) + pu - g.potential[sink]; d < g.dist[sink] {
				g.dist[sink], g.prev[sink] = d, u
				g.queue.update(sink)
			}
		}
		for _, i := range g.byReviewer[j] {
			if d := du - g.cost[i*m+j] + pu - g.potential[i]; d < g.dist[i] && !g.done[i] {
				g.dist[i], g.prev[i] = d, u
				g.queue.update(i)
			}
		}
	}
	if !g.done[sink] {
		return false
	}
	// Johnson's update, stopped at the sink: nodes beyond it move by its distance, which keeps
	// every residual arc's reduced cost non-negative. Normalising on the sink keeps them bounded.
	reach := g.dist[sink]
	for v := range g.potential {
		if g.done[v] {
			g.potential[v] += g.dist[v]
		} else {
			g.potential[v] += reach
		}
	}
	base := g.potential[sink]
	for v := range g.potential {
		g.potential[v] -= base
	}
	// The path alternates application → reviewer (assign) and reviewer → application (the
	// application gives that reviewer up to the one before), ending reviewer → sink.
	last := g.prev[sink] - n
	g.load[last]++
	for v := g.prev[sink]; ; {
		j := v - n
		i := g.prev[v]
		g.assigned[i*m+j] = true
		g.byReviewer[j] = append(g.byReviewer[j], i)
		if i == s {
			break
		}
		from := g.prev[i] - n
		g.assigned[i*m+from] = false
		g.byReviewer[from] = slices.DeleteFunc(g.byReviewer[from], func(x int) bool { return x == i })
		v = g.prev[i]
	}
	return true
}

// nodeHeap is an indexed binary min-heap of nodes ordered by distance, then node number (so that
// equal distances pop in a fixed order), with decrease-key: a node is in it at most once.
type nodeHeap struct {
	dist  []int64
	nodes []int
	// pos is each node's index in nodes, -1 when absent.
	pos []int
}

func (h *nodeHeap) reset(dist []int64) {
	h.dist = dist
	h.nodes = h.nodes[:0]
	if len(h.pos) != len(dist) {
		h.pos = make([]int, len(dist))
	}
	for i := range h.pos {
		h.pos[i] = -1
	}
}

func (h *nodeHeap) len() int { return len(h.nodes) }

// update inserts v, or moves it up after its distance decreased.
func (h *nodeHeap) update(v int) {
	i := h.pos[v]
	if i < 0 {
		i = len(h.nodes)
		h.nodes = append(h.nodes, v)
		h.pos[v] = i
	}
	h.up(i)
}

func (h *nodeHeap) pop() int {
	top := h.nodes[0]
	last := len(h.nodes) - 1
	h.swap(0, last)
	h.nodes = h.nodes[:last]
	h.pos[top] = -1
	for i := 0; ; {
		l, r, best := 2*i+1, 2*i+2, i
		if l < last && h.less(l, best) {
			best = l
		}
		if r < last && h.less(r, best) {
			best = r
		}
		if best == i {
			break
		}
		h.swap(i, best)
		i = best
	}
	return top
}

func (h *nodeHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.swap(i, p)
		i = p
	}
}

func (h *nodeHeap) swap(a, b int) {
	h.nodes[a], h.nodes[b] = h.nodes[b], h.nodes[a]
	h.pos[h.nodes[a]], h.pos[h.nodes[b]] = a, b
}

func (h *nodeHeap) less(a, b int) bool {
	va, vb := h.nodes[a], h.nodes[b]
	if h.dist[va] != h.dist[vb] {
		return h.dist[va] < h.dist[vb]
	}
	return va < vb
}

// keyword is the comparable form of a keyword: trimmed, lower case, inner spaces collapsed.
func keyword(k string) string {
	return strings.ToLower(strings.Join(strings.Fields(k), " "))
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return mix(h.Sum64())
}

// mix is splitmix64's finaliser: it spreads every input bit over the output.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
