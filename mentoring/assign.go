package mentoring

// The bulk proposal is a min-cost flow (docs/decisions.md, "Matching: an optimal assignment"):
//
//	source -> mentee (1 unit) -> mentor (1 unit per feasible pair) -> sink (places left)
//
// solved by successive shortest paths with Dijkstra on reduced costs (Johnson potentials).
// Every unit of flow is one proposed pair. The flow is maximal, so as many mentees as the
// places and the rules allow are placed, and among all such assignments its cost is the
// least. The cost of a pair is a constant minus its reward, where the reward puts mentees
// who have no mentor at all (of any type) strictly first and then adds the pair's score;
// the mentor -> sink arcs carry the capacity term as a convex cost (each place taken is worth
// less than the one before), which is what spreads load over equally good mentors.

// unit is the integer resolution of scores: points on the 0..100 scale times 100.
const unit = 100 * 100

// flowArc is a feasible (mentee, mentor) pair with its cost.
type flowArc struct {
	r    int32
	cost int64
}

// flowProblem is the compiled network.
type flowProblem struct {
	nE, nR int
	arcs   [][]flowArc // per mentee: feasible mentors
	left   []int       // places left per mentor
	// capCost(r, k) is the cost of giving mentor r its (k+1)-th proposed mentee.
	capCost func(r, k int) int64
}

// flowState is the solver's working state.
type flowState struct {
	*flowProblem
	match   []int32   // mentee -> mentor, -1 when free
	members [][]int32 // mentor -> its mentees
	used    []int
	pot     []int64 // potentials: mentees, then mentors, then source, then sink
	dist    []int64
	prev    []int32
	done    []bool
	heap    distHeap
}

const inf = int64(1) << 62

// solve returns each mentee's mentor (-1 when unplaced) in a maximum flow of least cost.
func (p *flowProblem) solve() []int32 {
	n := p.nE + p.nR + 2
	st := &flowState{flowProblem: p, match: make([]int32, p.nE), members: make([][]int32, p.nR), used: make([]int, p.nR),
		pot: make([]int64, n), dist: make([]int64, n), prev: make([]int32, n), done: make([]bool, n)}
	for e := range st.match {
		st.match[e] = -1
	}
	// Every cost is non-negative, so zero potentials are valid to start with.
	for st.augment() {
	}
	return st.match
}

func (st *flowState) source() int { return st.nE + st.nR }
func (st *flowState) sink() int   { return st.nE + st.nR + 1 }

// augment finds a shortest source-sink path in the residual network and pushes one unit
// along it; false when the sink cannot be reached (the flow is maximal).
func (st *flowState) augment() bool {
	src, snk := st.source(), st.sink()
	for i := range st.dist {
		st.dist[i], st.prev[i], st.done[i] = inf, -1, false
	}
	st.heap = st.heap[:0]
	st.dist[src] = 0
	st.done[src] = true
	for e := range st.nE {
		if st.match[e] < 0 && len(st.arcs[e]) > 0 {
			st.relax(src, e, st.pot[src]-st.pot[e])
		}
	}
	for len(st.heap) > 0 {
		x := st.heap.pop()
		u := int(x.node)
		if st.done[u] || x.d != st.dist[u] {
			continue
		}
		st.done[u] = true
		if u == snk {
			break
		}
		if u < st.nE {
			st.fromMentee(u)
		} else {
			st.fromMentor(u - st.nE)
		}
	}
	dT := st.dist[snk]
	if dT == inf {
		return false
	}
	// Potentials: settled nodes by their distance, the rest by the sink's, which keeps every
	// reduced cost non-negative for the next round.
	for v := range st.pot {
		if st.done[v] {
			st.pot[v] += st.dist[v]
		} else {
			st.pot[v] += dT
		}
	}
	// Push along every shortest path of this round, not just the one Dijkstra found: with
	// the new potentials they are the paths whose arcs all have reduced cost zero. Scores
	// tie often (equal mentees, equal mentors), so one Dijkstra serves many augmentations.
	for i := range st.done {
		st.done[i] = false // now: dead ends of this round
	}
	for st.admissiblePath(src) {
		st.push()
	}
	return true
}

// admissiblePath searches depth first from u for a path to the sink on arcs of reduced cost
// zero, recording it in prev. Nodes from which the sink cannot be reached are marked in
// done and not tried again this round (they stay unreachable: an augmentation only adds arcs
// out of the nodes on its path).
func (st *flowState) admissiblePath(u int) bool {
	snk := st.sink()
	if u == snk {
		return true
	}
	st.done[u] = true // also keeps the search from walking in circles
	try := func(v int, reduced int64) bool {
		if reduced != 0 || st.done[v] {
			return false
		}
		st.prev[v] = int32(u)
		return st.admissiblePath(v)
	}
	switch {
	case u == st.source():
		for e := range st.nE {
			if st.match[e] < 0 && try(e, st.pot[u]-st.pot[e]) {
				return true
			}
		}
	case u < st.nE:
		for _, a := range st.arcs[u] {
			if a.r != st.match[u] && try(st.nE+int(a.r), a.cost+st.pot[u]-st.pot[st.nE+int(a.r)]) {
				return true
			}
		}
	default:
		r := u - st.nE
		for _, e := range st.members[r] {
			if try(int(e), -st.arcCost(int(e), r)+st.pot[u]-st.pot[e]) {
				return true
			}
		}
		if st.used[r] < st.left[r] && try(snk, st.capCost(r, st.used[r])+st.pot[u]-st.pot[snk]) {
			return true
		}
	}
	return false
}

func (st *flowState) relax(from, to int, reduced int64) {
	d := st.dist[from] + reduced
	if d < st.dist[to] {
		st.dist[to], st.prev[to] = d, int32(from)
		st.heap.push(heapItem{d: d, node: int32(to)})
	}
}

func (st *flowState) fromMentee(e int) {
	for _, a := range st.arcs[e] {
		r := int(a.r)
		if st.match[e] == a.r || st.done[st.nE+r] {
			continue
		}
		st.relax(e, st.nE+r, a.cost+st.pot[e]-st.pot[st.nE+r])
	}
}

func (st *flowState) fromMentor(r int) {
	node := st.nE + r
	for _, e := range st.members[r] {
		if !st.done[e] {
			st.relax(node, int(e), -st.arcCost(int(e), r)+st.pot[node]-st.pot[e])
		}
	}
	if st.used[r] < st.left[r] {
		st.relax(node, st.sink(), st.capCost(r, st.used[r])+st.pot[node]-st.pot[st.sink()])
	}
}

func (st *flowState) arcCost(e, r int) int64 {
	for _, a := range st.arcs[e] {
		if int(a.r) == r {
			return a.cost
		}
	}
	panic("mentoring: assignment without an arc")
}

// push moves one unit along the path found, from the sink back to the source. The path's
// nodes were reachable, so they are no dead ends.
func (st *flowState) push() {
	v := st.sink()
	for v != st.source() {
		u := int(st.prev[v])
		st.done[u] = false
		switch {
		case v == st.sink():
			st.used[u-st.nE]++
		case u < st.nE: // mentee u takes mentor v
			r := int32(v - st.nE)
			st.match[u] = r
			st.members[r] = append(st.members[r], int32(u))
		case u != st.source(): // mentor u gives up mentee v (who moves on along the path)
			r := u - st.nE
			ms := st.members[r]
			for i, e := range ms {
				if int(e) == v {
					st.members[r] = append(ms[:i], ms[i+1:]...)
					break
				}
			}
		}
		v = u
	}
}

type heapItem struct {
	d    int64
	node int32
}

// distHeap is a binary min-heap on distance, ties by node index (deterministic).
type distHeap []heapItem

func (h distHeap) less(i, j int) bool {
	if h[i].d != h[j].d {
		return h[i].d < h[j].d
	}
	return h[i].node < h[j].node
}

func (h *distHeap) push(x heapItem) {
	*h = append(*h, x)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *distHeap) pop() heapItem {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && s.less(r, l) {
			c = r
		}
		if !s.less(c, i) {
			break
		}
		s[i], s[c] = s[c], s[i]
		i = c
	}
	*h = s
	return top
}
