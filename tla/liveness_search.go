package tla

import (
	"container/heap"
	"math"
	"slices"
)

// The search for a counterexample to F => P on the state graph: the product of the
// graph with the tableau of F' /\ ~P (F' the non-fairness assumptions) is explored from
// its initial nodes; a behaviour violating the property is an infinite path of the
// product that visits every acceptance set of the tableau infinitely often and is fair.
// On a finite graph such a path exists iff some strongly connected set of product nodes
// satisfies all of them:
//   - tableau acceptance (for every <>F, a node where F holds or is not pending) and
//     WF_v(A) (an <<A>>_v step inside the set, or a node where it is disabled) only get
//     easier in larger sets, so maximal SCCs decide them;
//   - SF_v(A) asks for an <<A>>_v step inside the set or no node where it is enabled.
//     When an SCC has enabled nodes but no such step, a fair path cannot visit those
//     nodes infinitely often: they are removed and the rest decomposed again (the
//     classic emptiness check for Streett automata).
// The answer is exact for finite graphs: no shape of formula is special-cased.

type pnode struct {
	s int32 // graph state
	q int32 // tableau node
}

type pedge struct {
	to   int32 // product node
	edge int32 // graph edge
}

type product struct {
	lb    *liveBuilder
	g     *sgraph
	tab   *tableau
	nodes []pnode
	// The edges leaving node v are adj[adjFirst[v]:adjFirst[v+1]] (see out): nodes
	// are expanded in order, each once, so their edges are appended together.
	adj      []pedge
	adjFirst []int32
	parent   []int32 // BFS tree: shortest paths from the initial nodes
	// The id+1 of node (s, q) is dense[s*len(tab.nodes)+q], 0 for none: memory
	// outside the heap, of which only the pages of states reached are ever touched.
	// Where the product is too large for that, or the system has no such memory,
	// index holds the ids instead.
	dense bigSlice[int32]
	index map[int64]int32
	// SCC search scratch space
	tIndex, tLow []int32
	tOn          []bool
	alive        []bool
	stamp        []int32
	cur          int32
}

// lasso is a counterexample: states[0..back-1] lead to a cycle states[back..] that
// returns to states[back]; with stutter the cycle is the last state repeating.
type lasso struct {
	g       *sgraph
	states  []int32
	back    int
	stutter bool
	// badPrefix: states is a finite prefix every continuation of which violates the
	// property (no cycle).
	badPrefix bool
}

func (p *product) stateOK(q int32, s int32) bool {
	for _, l := range p.tab.nodes[q].lits {
		if p.lb.atoms[l.atom].action {
			continue
		}
		if p.lb.holdsState(l.atom, s) == l.neg {
			return false
		}
	}
	return true
}

func (p *product) edgeOK(q int32, e int32) bool {
	for _, l := range p.tab.nodes[q].lits {
		if !p.lb.atoms[l.atom].action {
			continue
		}
		if p.lb.holdsEdge(l.atom, e) == l.neg {
			return false
		}
	}
	return true
}

func (p *product) add(s, q, parent int32) int32 {
	k := int64(s)*int64(len(p.tab.nodes)) + int64(q)
	id := int32(len(p.nodes))
	if p.index == nil {
		if d := p.dense.s[k]; d > 0 {
			return d - 1
		}
		p.dense.s[k] = id + 1
	} else {
		if id, ok := p.index[k]; ok {
			return id
		}
		p.index[k] = id
	}
	p.nodes = append(p.nodes, pnode{s, q})
	p.parent = append(p.parent, parent)
	return id
}

// out returns the edges leaving product node v.
func (p *product) out(v int32) []pedge { return p.adj[p.adjFirst[v]:p.adjFirst[v+1]] }

// maxDenseProduct bounds the product nodes (states times tableau nodes) that are
// indexed by address (product.dense): 16 GiB of address space at most, of which a
// search touches the pages of the states it reaches.
const maxDenseProduct = 1 << 32

// free returns the memory of the product's index.
func (p *product) free() { p.dense.free() }

// buildProduct explores the product of the state graph with the tableau from its
// initial nodes, breadth first.
func buildProduct(lb *liveBuilder, tab *tableau) *product {
	p := &product{lb: lb, g: lb.g, tab: tab}
	if n := int64(lb.g.n) * int64(len(tab.nodes)); lb.productMap || n > maxDenseProduct || !p.dense.reserve(int(max(n, 1))) {
		p.index = map[int64]int32{}
	}
	for _, s := range p.g.initial {
		for _, q := range tab.initial {
			if p.stateOK(int32(q), s) {
				p.add(s, int32(q), -1)
			}
		}
	}
	for i := 0; i < len(p.nodes); i++ {
		p.adjFirst = append(p.adjFirst, int32(len(p.adj)))
		n := p.nodes[i]
		tn := tab.nodes[n.q]
		for e, hi := p.g.outEdges(n.s); e < hi; e++ {
			if !p.edgeOK(n.q, e) {
				continue
			}
			to := p.g.edges[e].to
			for _, q2 := range tn.succ {
				if p.stateOK(int32(q2), to) {
					j := p.add(to, int32(q2), int32(i))
					p.adj = append(p.adj, pedge{j, e})
				}
			}
		}
	}
	p.adjFirst = append(p.adjFirst, int32(len(p.adj)))
	return p
}

// badPrefix returns a finite behaviour after which the tableau asks nothing more: every
// continuation violates the property, so (fairness being machine closed) the prefix
// alone is a counterexample. TLC reports these during its search, as a violation of
// the property's safety part with exit code 12, when it expands the prefix's last
// state; nil if there is none. at is the id of that state (the search expands states
// in id order), for reporting TLC's counts at that moment.
//
// A product node is known once the state of a predecessor node has been expanded, so
// the time a bad prefix is noticed is the largest state id along it; the prefix
// returned minimizes that (a bottleneck shortest path, Dijkstra's algorithm).
func (p *product) badPrefix() (l *lasso, at int32) {
	universal := func(v int32) bool {
		tn := p.tab.nodes[p.nodes[v].q]
		return len(tn.next) == 0 && !slices.ContainsFunc(tn.lits, func(l tlit) bool { return p.lb.atoms[l.atom].action })
	}
	n := len(p.nodes)
	found := false
	for v := 0; v < n && !found; v++ {
		found = universal(int32(v))
	}
	if !found {
		return nil, -1
	}
	// key[v]: when the search expands v's state, having already expanded the states
	// before it on the path (the prefix is noticed then)
	key := make([]int32, n)
	prev := make([]int32, n)
	done := make([]bool, n)
	for i := range key {
		key[i], prev[i] = math.MaxInt32, -1
	}
	h := &timeHeap{}
	for i := 0; i < n && p.parent[i] < 0; i++ {
		key[i] = p.nodes[i].s
		heap.Push(h, timed{int32(i), key[i]})
	}
	for h.Len() > 0 {
		x := heap.Pop(h).(timed)
		v := x.v
		if done[v] || x.t != key[v] {
			continue
		}
		done[v] = true
		if universal(v) {
			l = &lasso{g: p.g, badPrefix: true}
			for u := v; u >= 0; u = prev[u] {
				s := p.nodes[u].s
				if len(l.states) == 0 || l.states[len(l.states)-1] != s {
					l.states = append(l.states, s)
				}
			}
			slices.Reverse(l.states)
			return l, key[v]
		}
		for _, e := range p.out(v) {
			if t := max(key[v], p.nodes[e.to].s); !done[e.to] && t < key[e.to] {
				key[e.to], prev[e.to] = t, v
				heap.Push(h, timed{e.to, t})
			}
		}
	}
	return nil, -1
}

type timed struct{ v, t int32 }

// timeHeap orders product nodes by the time they are known, then the order in which
// the product was explored.
type timeHeap []timed

func (h timeHeap) Len() int { return len(h) }
func (h timeHeap) Less(i, j int) bool {
	if h[i].t != h[j].t {
		return h[i].t < h[j].t
	}
	return h[i].v < h[j].v
}
func (h timeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timeHeap) Push(x any)   { *h = append(*h, x.(timed)) }
func (h *timeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// fairCycle returns a fair accepting lasso of the product, or nil if none exists.
func (p *product) fairCycle() *lasso {
	p.alive = make([]bool, len(p.nodes))
	p.stamp = make([]int32, len(p.nodes))
	all := make([]int32, len(p.nodes))
	for i := range all {
		all[i] = int32(i)
		p.alive[i] = true
	}
	// the counterexample goes to the fair set closest to an initial state (nodes are
	// numbered in breadth-first order)
	var best []int32
	bestMin := int32(-1)
	for _, comp := range p.fairSets(all) {
		m := slices.Min(comp)
		if best == nil || m < bestMin {
			best, bestMin = comp, m
		}
	}
	if best == nil {
		return nil
	}
	return p.lasso(best)
}

// sccs returns the strongly connected components of the alive nodes among members
// (Tarjan's algorithm, iterative so deep graphs do not exhaust the stack).
func (p *product) sccs(members []int32) [][]int32 {
	if p.tIndex == nil {
		p.tIndex = make([]int32, len(p.nodes))
		p.tLow = make([]int32, len(p.nodes))
		p.tOn = make([]bool, len(p.nodes))
		for i := range p.tIndex {
			p.tIndex[i] = -1
		}
	}
	index, low, onStack := p.tIndex, p.tLow, p.tOn
	defer func() {
		for _, v := range members {
			index[v] = -1 // members are searched again in sub-components
		}
	}()
	var stack []int32
	var out [][]int32
	next := int32(0)
	type frame struct {
		v int32
		i int
	}
	for _, root := range members {
		if index[root] >= 0 || !p.alive[root] {
			continue
		}
		call := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			v := f.v
			if f.i < len(p.out(v)) {
				w := p.out(v)[f.i].to
				f.i++
				if !p.alive[w] {
					continue
				}
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] && index[w] < low[v] {
					low[v] = index[w]
				}
				continue
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				u := call[len(call)-1].v
				if low[v] < low[u] {
					low[u] = low[v]
				}
			}
			if low[v] == index[v] {
				var comp []int32
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				out = append(out, comp)
			}
		}
	}
	return out
}

// mark stamps the nodes of comp so membership tests are O(1).
func (p *product) mark(comp []int32) int32 {
	p.cur++
	for _, v := range comp {
		p.stamp[v] = p.cur
	}
	return p.cur
}

func (p *product) inside(v int32, st int32) bool { return p.stamp[v] == st }

// fairSets returns the strongly connected sets of nodes among members on which a fair
// accepting cycle exists (none if there is no counterexample).
func (p *product) fairSets(members []int32) [][]int32 {
	var found [][]int32
	for _, comp := range p.sccs(members) {
		st := p.mark(comp)
		if !p.nontrivial(comp, st) || !p.acceptsAll(comp) || !p.weaklyFair(comp, st) {
			continue
		}
		var bad []fairCond
		for _, f := range p.lb.fair {
			if f.strong && !p.taken(comp, st, f) && p.someEnabled(comp, f) {
				bad = append(bad, f)
			}
		}
		if len(bad) == 0 {
			found = append(found, comp)
			continue
		}
		var rest []int32
		for _, v := range comp {
			keep := true
			for _, f := range bad {
				if p.lb.holdsState(f.en, p.nodes[v].s) {
					keep = false
					break
				}
			}
			if keep {
				rest = append(rest, v)
			} else {
				p.alive[v] = false
			}
		}
		if len(rest) == 0 {
			continue
		}
		found = append(found, p.fairSets(rest)...)
	}
	return found
}

func (p *product) nontrivial(comp []int32, st int32) bool {
	for _, v := range comp {
		for _, e := range p.out(v) {
			if p.inside(e.to, st) && p.alive[e.to] {
				return true
			}
		}
	}
	return false
}

func (p *product) acceptsAll(comp []int32) bool {
	for _, acc := range p.tab.accept {
		ok := false
		for _, v := range comp {
			if acc[p.nodes[v].q] {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (p *product) weaklyFair(comp []int32, st int32) bool {
	for _, f := range p.lb.fair {
		if f.strong {
			continue
		}
		if !p.taken(comp, st, f) && !p.someDisabled(comp, f) {
			return false
		}
	}
	return true
}

func (p *product) taken(comp []int32, st int32, f fairCond) bool {
	for _, v := range comp {
		for _, e := range p.out(v) {
			if p.inside(e.to, st) && p.alive[e.to] && p.lb.holdsEdge(f.taken, e.edge) {
				return true
			}
		}
	}
	return false
}

func (p *product) someDisabled(comp []int32, f fairCond) bool {
	for _, v := range comp {
		if !p.lb.holdsState(f.en, p.nodes[v].s) {
			return true
		}
	}
	return false
}

func (p *product) someEnabled(comp []int32, f fairCond) bool {
	for _, v := range comp {
		if p.lb.holdsState(f.en, p.nodes[v].s) {
			return true
		}
	}
	return false
}

// pathIn finds a shortest path inside the set stamped st from v to a node satisfying
// goal, taking at least one step when step1 is set. It returns the nodes after v and
// the graph edges taken.
func (p *product) pathIn(v int32, st int32, step1 bool, goal func(int32) bool) ([]int32, []int32) {
	if !step1 && goal(v) {
		return nil, nil
	}
	prev := map[int32]pedge{}
	from := map[int32]int32{}
	queue := []int32{v}
	seen := map[int32]bool{}
	if !step1 {
		seen[v] = true
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, e := range p.out(u) {
			w := e.to
			if seen[w] || !p.inside(w, st) || !p.alive[w] {
				continue
			}
			seen[w] = true
			prev[w], from[w] = e, u
			if goal(w) {
				var nodes, edges []int32
				for x := w; ; {
					nodes = append(nodes, x)
					edges = append(edges, prev[x].edge)
					x = from[x]
					if x == v && (len(nodes) > 0) {
						break
					}
				}
				for i, j := 0, len(nodes)-1; i < j; i, j = i+1, j-1 {
					nodes[i], nodes[j] = nodes[j], nodes[i]
					edges[i], edges[j] = edges[j], edges[i]
				}
				return nodes, edges
			}
			queue = append(queue, w)
		}
	}
	return nil, nil
}

// lasso builds a counterexample through comp: the shortest prefix to it, then a cycle
// from the entry node that meets every acceptance and fairness condition.
func (p *product) lasso(comp []int32) *lasso {
	st := p.mark(comp)
	entry := comp[0]
	for _, v := range comp {
		if v < entry {
			entry = v // nodes are numbered in BFS order: smallest is closest to an initial node
		}
	}
	var prefix []int32
	for v := entry; v >= 0; v = p.parent[v] {
		prefix = append(prefix, v)
	}
	for i, j := 0, len(prefix)-1; i < j; i, j = i+1, j-1 {
		prefix[i], prefix[j] = prefix[j], prefix[i]
	}
	cycle := []int32{entry}
	var cycEdges []int32
	walk := func(goal func(int32) bool) {
		ns, es := p.pathIn(cycle[len(cycle)-1], st, false, goal)
		cycle = append(cycle, ns...)
		cycEdges = append(cycEdges, es...)
	}
	takeEdge := func(ok func(e pedge) bool) {
		has := func(v int32) bool {
			for _, e := range p.out(v) {
				if p.inside(e.to, st) && p.alive[e.to] && ok(e) {
					return true
				}
			}
			return false
		}
		walk(has)
		v := cycle[len(cycle)-1]
		for _, e := range p.out(v) {
			if p.inside(e.to, st) && p.alive[e.to] && ok(e) {
				cycle = append(cycle, e.to)
				cycEdges = append(cycEdges, e.edge)
				return
			}
		}
	}
	for _, acc := range p.tab.accept {
		seen := false
		for _, v := range cycle {
			seen = seen || acc[p.nodes[v].q]
		}
		if !seen {
			walk(func(v int32) bool { return acc[p.nodes[v].q] })
		}
	}
	for _, f := range p.lb.fair {
		done := false
		for _, e := range cycEdges {
			done = done || p.lb.holdsEdge(f.taken, e)
		}
		if !f.strong {
			for _, v := range cycle {
				done = done || !p.lb.holdsState(f.en, p.nodes[v].s)
			}
		} else if !p.someEnabled(comp, f) {
			done = true
		}
		if done {
			continue
		}
		if !f.strong && p.someDisabled(comp, f) && !p.taken(comp, st, f) {
			walk(func(v int32) bool { return !p.lb.holdsState(f.en, p.nodes[v].s) })
			continue
		}
		takeEdge(func(e pedge) bool { return p.lb.holdsEdge(f.taken, e.edge) })
	}
	ns, es := p.pathIn(cycle[len(cycle)-1], st, true, func(v int32) bool { return v == entry })
	cycle = append(cycle, ns...)
	cycEdges = append(cycEdges, es...)

	// project on graph states, dropping stuttering repetitions
	l := &lasso{g: p.g}
	push := func(s int32) {
		if len(l.states) == 0 || l.states[len(l.states)-1] != s {
			l.states = append(l.states, s)
		}
	}
	for _, v := range prefix {
		push(p.nodes[v].s)
	}
	l.back = len(l.states) - 1
	for _, v := range cycle[1:] {
		push(p.nodes[v].s)
	}
	if len(l.states)-1 == l.back {
		l.stutter = true
		return l
	}
	// the cycle ends where it started: drop the repeated entry state
	l.states = l.states[:len(l.states)-1]
	// s0..s(b-1) (sb..sn)^w is the same behaviour as s0..s(b-2) (s(b-1) sb..s(n-1))^w
	// when s(b-1) = sn: start the cycle as early as possible
	for l.back > 0 && len(l.states)-l.back > 1 && l.states[l.back-1] == l.states[len(l.states)-1] {
		l.states = l.states[:len(l.states)-1]
		l.back--
	}
	return l
}
