package tla

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Liveness checking.
//
// Temporal properties that are not invariants ([]P) or action properties ([][A]_v)
// are checked after the breadth-first search, on the complete graph of reachable
// states, each state with a stuttering self-loop. For each property P, the formula
// F' /\ ~P (F' the spec's temporal conjuncts other than WF/SF) is translated into a
// generalized Büchi automaton (tableau.go) whose product with the graph is searched
// for a fair accepting strongly connected set (liveness_search.go); WF and SF of the
// spec, also quantified, are acceptance conditions of that search. This decides every
// property built from state and action predicates with /\, \/, ~, =>, <=>, [], <>,
// ~>, WF, SF, \A/\E over finite sets, IF/THEN/ELSE, LET and definitions, including
// another spec's Init /\ [][Next]_v /\ fairness through INSTANCE (refinement). The
// answer is exact for the finite graph; the counterexample is a lasso: a shortest
// prefix to the fair set nearest to an initial state, then a cycle through it.
//
// Reporting follows TLC 2.20: "Temporal properties were violated.", the prefix, then
// "Back to state k" or "Stuttering", exit code 13; when a finite prefix violates the
// property's safety part TLC reports that prefix during its search, with exit 12 and
// the counts at that moment, and so does this checker (see tlcSafetyPrefix). Known
// differences: which of several counterexamples is printed (TLC's choice depends on
// its fingerprint order; ours is never longer on the corpus), and TLC's false alarms,
// where it reports such a prefix although no fair behaviour extending it violates
// the property: here the property is reported as holding. Properties with -+-> are
// not supported (an evaluation error).

// liveSpec holds what the liveness check needs from the specification and the
// configuration: the temporal conjuncts of the behaviour spec (fairness, assumed) and
// the temporal properties (to prove). It is filled while the configuration is applied.
type liveSpec struct {
	assume []liveExpr
	props  []liveExpr
	skip   bool // check safety only (tests that examine a counterexample)
	// prepareOnly stops after the configuration is applied (trace validation)
	prepareOnly bool
	// counts after the search expanded each state (in state id order), so a violation
	// TLC finds during its search can be reported with TLC's counts
	afterExpand expansionLog
}

type searchCounts struct {
	generated, distinct int64
	depth               int
}

// expanded records the search's counts after the next state in id order was expanded.
func (ls *liveSpec) expanded(generated, distinct int64, depth int) {
	if len(ls.props) == 0 || ls.skip {
		return
	}
	ls.afterExpand.add(searchCounts{generated, distinct, depth})
}

// expansionLog is the search's counts after each expansion, in 8 bytes a state, not
// 24: the counts only grow, so each entry keeps what the expansion added to them (an
// addition past 32 bits aside), and the depth, which changes once a level, is kept per
// level.
type expansionLog struct {
	gen, dist []uint32
	big       map[int]searchCounts // additions past 32 bits, by entry
	levels    []levelStart
	last      searchCounts
}

// levelStart is the first entry of a depth.
type levelStart struct {
	at    int
	depth int
}

func (l *expansionLog) add(c searchCounts) {
	i := len(l.gen)
	dg, dd := c.generated-l.last.generated, c.distinct-l.last.distinct
	if dg < 0 || dd < 0 || dg >= math.MaxUint32 || dd >= math.MaxUint32 {
		if l.big == nil {
			l.big = map[int]searchCounts{}
		}
		l.big[i] = searchCounts{generated: dg, distinct: dd}
		dg, dd = math.MaxUint32, math.MaxUint32
	}
	l.gen, l.dist = append(l.gen, uint32(dg)), append(l.dist, uint32(dd))
	if i == 0 || c.depth != l.last.depth {
		l.levels = append(l.levels, levelStart{at: i, depth: c.depth})
	}
	l.last = c
}

func (l *expansionLog) len() int { return len(l.gen) }

// at returns the counts after expansion i.
func (l *expansionLog) at(i int) searchCounts {
	var c searchCounts
	for k := 0; k <= i; k++ {
		if l.gen[k] == math.MaxUint32 { // add kept this one in big
			c.generated += l.big[k].generated
			c.distinct += l.big[k].distinct
			continue
		}
		c.generated += int64(l.gen[k])
		c.distinct += int64(l.dist[k])
	}
	for _, lv := range l.levels {
		if lv.at > i {
			break
		}
		c.depth = lv.depth
	}
	return c
}

// liveExpr is a formula with the bindings it is evaluated in.
type liveExpr struct {
	name string
	e    expr
	en   *env
	sc   *scope
}

func (ls *liveSpec) addAssumption(e expr, en *env, sc *scope) {
	ls.assume = append(ls.assume, liveExpr{e: e, en: en, sc: sc})
}

func (ls *liveSpec) addProperty(name string, e expr, en *env, sc *scope) {
	ls.props = append(ls.props, liveExpr{name: name, e: e, en: en, sc: sc})
}

// liveAtom is a state or action predicate occurring in a temporal formula.
type liveAtom struct {
	e      expr
	en     *env
	sc     *scope
	action bool // depends on the next state: evaluated on steps, not states
	// enabledOf is, for ENABLED <<A>>_v of a fairness condition, the atom <<A>>_v
	// (-1 otherwise); see holdsState.
	enabledOf int
}

// fairCond is WF_v(A) or SF_v(A): en is the atom ENABLED <<A>>_v, taken <<A>>_v.
type fairCond struct {
	strong    bool
	en, taken int
}

// liveBuilder turns TLA+ temporal formulas into tformulas over atoms and evaluates the
// atoms on the state graph, caching every result.
type liveBuilder struct {
	c          *evaluator
	g          *sgraph
	productMap bool // Options.productMap
	atoms      []liveAtom
	fair       []fairCond
	assume     []*tformula // temporal assumptions that are not plain fairness
	// caches: per atom, per state (state atoms) or per edge (action atoms);
	// 0 unknown, 1 false, 2 true
	cache    [][]int8
	temporal map[*def]bool
	action   map[*def]bool
}

func newLiveBuilder(p *program, g *sgraph) *liveBuilder {
	return &liveBuilder{c: &evaluator{p: p, out: io.Discard}, g: g, temporal: map[*def]bool{}, action: map[*def]bool{}}
}

func (lb *liveBuilder) atom(e expr, en *env, sc *scope) int {
	lb.atoms = append(lb.atoms, liveAtom{e: e, en: en, sc: sc, action: lb.isAction(e, en, sc, 0), enabledOf: -1})
	n := lb.g.n
	if lb.atoms[len(lb.atoms)-1].action {
		n = len(lb.g.edges)
	}
	lb.cache = append(lb.cache, make([]int8, n))
	return len(lb.atoms) - 1
}

// holdsState evaluates a state atom in state s.
func (lb *liveBuilder) holdsState(a int, s int32) bool {
	if v := lb.cache[a][s]; v != 0 {
		return v == 2
	}
	at := lb.atoms[a]
	c := lb.c
	c.cur, c.next, c.primed, c.split = lb.g.state(s), nil, false, false
	var b bool
	if at.enabledOf >= 0 {
		b = lb.enabledIn(a, s)
	} else {
		b = c.evalBool(at.e, at.en, at.sc)
	}
	lb.cache[a][s] = boolCache(b)
	return b
}

// enabledIn decides ENABLED <<A>>_v for a fairness condition in state s. When A
// assigns a primed expression rather than variables (an abstract spec's action seen
// through a refinement mapping, e.g. x' = TRUE with x replaced by a formula of the
// concrete variables), successors cannot be enumerated from A alone; then the action
// counts as enabled when some step of the state graph from s is an <<A>>_v step, which
// is what a model checker can decide on the concrete state space.
func (lb *liveBuilder) enabledIn(a int, s int32) (b bool) {
	at := lb.atoms[a]
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		ee, ok := r.(*evalError)
		if !ok || !strings.Contains(ee.Msg, "was used before it was assigned") {
			panic(r)
		}
		b = false
		for e, hi := lb.g.outEdges(s); e < hi; e++ {
			if !lb.g.edges[e].stutter && lb.holdsEdge(at.enabledOf, e) {
				b = true
				return
			}
		}
	}()
	return lb.c.evalBool(at.e, at.en, at.sc)
}

// holdsEdge evaluates an action atom on the step of edge e.
func (lb *liveBuilder) holdsEdge(a int, e int32) bool {
	if v := lb.cache[a][e]; v != 0 {
		return v == 2
	}
	at := lb.atoms[a]
	ed := lb.g.edges[e]
	c := lb.c
	c.cur, c.next, c.primed, c.split = lb.g.state(ed.from), lb.g.state(ed.to), false, false
	b := c.evalBool(at.e, at.en, at.sc)
	lb.cache[a][e] = boolCache(b)
	return b
}

func boolCache(b bool) int8 {
	if b {
		return 2
	}
	return 1
}

// lookupDef resolves an identifier to the definition it names, or nil.
func (lb *liveBuilder) lookupDef(x *ident, en *env, sc *scope) (d *def) {
	if x.Prefix == nil {
		if _, ok := en.lookup(x.Name); ok {
			return nil
		}
		return sc.lookup(x.Name)
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(*evalError); !ok {
				panic(r)
			}
			d = nil
		}
	}()
	return lb.c.instanceScope(x, en, sc).lookup(x.Name)
}

// exprKids lists the direct subexpressions of e.
func exprKids(e expr) []expr {
	switch x := e.(type) {
	case *opApp:
		return x.Args
	case *junction:
		return x.Items
	case *ident:
		return x.Args
	case *quant:
		k := []expr{x.Body}
		for _, b := range x.Binders {
			k = append(k, b.Set)
		}
		return k
	case *choose:
		return []expr{x.B.Set, x.Body}
	case *setEnum:
		return x.Elems
	case *setFilter:
		return []expr{x.B.Set, x.Pred}
	case *setMap:
		k := []expr{x.Elem}
		for _, b := range x.Binders {
			k = append(k, b.Set)
		}
		return k
	case *tupleLit:
		return x.Elems
	case *fcnCons:
		k := []expr{x.Body}
		for _, b := range x.Binders {
			k = append(k, b.Set)
		}
		return k
	case *fcnSet:
		return []expr{x.Dom, x.Rng}
	case *recordLit:
		return x.Vals
	case *recordSet:
		return x.Sets
	case *except:
		k := []expr{x.Fcn}
		for _, u := range x.Updates {
			k = append(k, u.Path...)
			k = append(k, u.Val)
		}
		return k
	case *fcnApp:
		return append([]expr{x.Fcn}, x.Args...)
	case *dot:
		return []expr{x.Rec}
	case *ifThen:
		return []expr{x.Cond, x.Then, x.Else}
	case *caseExpr:
		var k []expr
		for _, a := range x.Arms {
			k = append(k, a.Cond, a.Val)
		}
		return append(k, x.Other)
	case *let:
		k := []expr{x.Body}
		for _, d := range x.Defs {
			k = append(k, d.Body)
		}
		return k
	case *prime:
		return []expr{x.X}
	case *actionBox:
		return []expr{x.A, x.Sub}
	case *fairness:
		return []expr{x.A, x.Sub}
	case *lambda:
		return []expr{x.Body}
	}
	return nil
}

// isTemporalExpr reports whether e contains [], <>, ~> or fairness, following
// definitions (also through instances).
func (lb *liveBuilder) isTemporalExpr(e expr, en *env, sc *scope, depth int) bool {
	if e == nil || depth > 50 {
		return false
	}
	switch x := e.(type) {
	case *opApp:
		switch x.Op {
		case "[]", "<>", "~>", "-+->":
			return true
		case "ENABLED":
			return false
		}
	case *fairness:
		return true
	case *ident:
		if d := lb.lookupDef(x, en, sc); d != nil && d.Kind == defOp && d.Body != nil {
			t, ok := lb.temporal[d]
			if !ok {
				lb.temporal[d] = false // recursion guard
				t = lb.isTemporalExpr(d.Body, nil, d.scope, depth+1)
				lb.temporal[d] = t
			}
			if t {
				return true
			}
		}
	}
	for _, k := range exprKids(e) {
		if lb.isTemporalExpr(k, en, sc, depth) {
			return true
		}
	}
	return false
}

// isAction reports whether e may depend on the next state. When unsure it says yes:
// an action atom is evaluated on steps, which is correct for state predicates too.
func (lb *liveBuilder) isAction(e expr, en *env, sc *scope, depth int) bool {
	if e == nil {
		return false
	}
	if depth > 50 {
		return true
	}
	switch x := e.(type) {
	case *prime, *actionBox:
		return true
	case *opApp:
		switch x.Op {
		case "UNCHANGED":
			return true
		case "ENABLED":
			return false
		}
	case *ident:
		if x.Prefix == nil {
			if v, ok := en.lookup(x.Name); ok {
				if _, isCl := v.(*closureV); isCl {
					return true
				}
			}
		}
		if d := lb.lookupDef(x, en, sc); d != nil && (d.Kind == defOp || d.Kind == defSubst) && d.Body != nil {
			a, ok := lb.action[d]
			if !ok {
				lb.action[d] = false
				a = lb.isAction(d.Body, d.substEnv, d.scope, depth+1)
				lb.action[d] = a
			}
			if a {
				return true
			}
		} else if d == nil && x.Prefix != nil {
			return true
		}
	}
	for _, k := range exprKids(e) {
		if lb.isAction(k, en, sc, depth) {
			return true
		}
	}
	return false
}

// cloneEnv copies the bindings above base: the evaluator reuses binder nodes between
// iterations, and atoms keep their environment.
func cloneEnv(en, base *env) *env {
	var names []string
	var vals []Value
	for e := en; e != nil && e != base; e = e.next {
		names = append(names, e.name)
		vals = append(vals, e.val)
	}
	out := base
	for i := len(names) - 1; i >= 0; i-- {
		out = out.bind(names[i], vals[i])
	}
	return out
}

// build translates e (negated when neg) into a tformula.
func (lb *liveBuilder) build(e expr, en *env, sc *scope, neg bool) *tformula {
	if !lb.isTemporalExpr(e, en, sc, 0) {
		if b, ok := e.(*boolLit); ok {
			return tfConst(b.Val != neg)
		}
		return tfLit(lb.atom(e, en, sc), neg)
	}
	switch x := e.(type) {
	case *junction:
		kids := make([]*tformula, len(x.Items))
		for i, it := range x.Items {
			kids[i] = lb.build(it, en, sc, neg)
		}
		return tfJoin(x.And != neg, kids...)
	case *opApp:
		a := x.Args
		switch x.Op {
		case "~":
			return lb.build(a[0], en, sc, !neg)
		case "/\\", "\\/":
			return tfJoin((x.Op == "/\\") != neg, lb.build(a[0], en, sc, neg), lb.build(a[1], en, sc, neg))
		case "=>":
			if neg {
				return tfJoin(true, lb.build(a[0], en, sc, false), lb.build(a[1], en, sc, true))
			}
			return tfJoin(false, lb.build(a[0], en, sc, true), lb.build(a[1], en, sc, false))
		case "<=>":
			p, np := lb.build(a[0], en, sc, false), lb.build(a[0], en, sc, true)
			q, nq := lb.build(a[1], en, sc, false), lb.build(a[1], en, sc, true)
			if neg {
				return tfJoin(false, tfJoin(true, p, nq), tfJoin(true, np, q))
			}
			return tfJoin(false, tfJoin(true, p, q), tfJoin(true, np, nq))
		case "[]":
			if neg {
				return tfEv(lb.build(a[0], en, sc, true))
			}
			return tfAlw(lb.build(a[0], en, sc, false))
		case "<>":
			if neg {
				return tfAlw(lb.build(a[0], en, sc, true))
			}
			return tfEv(lb.build(a[0], en, sc, false))
		case "~>":
			// P ~> Q == [](P => <>Q)
			if neg {
				return tfEv(tfJoin(true, lb.build(a[0], en, sc, false), tfAlw(lb.build(a[1], en, sc, true))))
			}
			return tfAlw(tfJoin(false, lb.build(a[0], en, sc, true), tfEv(lb.build(a[1], en, sc, false))))
		}
	case *fairness:
		enabled, taken := lb.fairAtomsIn(x, en, sc)
		if !x.Strong {
			// WF_v(A) == []<>(~ENABLED <<A>>_v \/ <<A>>_v)
			if neg {
				return tfEv(tfAlw(tfJoin(true, tfLit(enabled, false), tfLit(taken, true))))
			}
			return tfAlw(tfEv(tfJoin(false, tfLit(enabled, true), tfLit(taken, false))))
		}
		// SF_v(A) == <>[]~ENABLED <<A>>_v \/ []<><<A>>_v
		if neg {
			return tfJoin(true, tfAlw(tfEv(tfLit(enabled, false))), tfEv(tfAlw(tfLit(taken, true))))
		}
		return tfJoin(false, tfEv(tfAlw(tfLit(enabled, true))), tfAlw(tfEv(tfLit(taken, false))))
	case *quant:
		var kids []*tformula
		lb.constantLevel()
		lb.c.forBinders(x.Binders, en, sc, func(en2 *env) bool {
			kids = append(kids, lb.build(x.Body, cloneEnv(en2, en), sc, neg))
			return false
		})
		return tfJoin(x.Forall != neg, kids...)
	case *ifThen:
		if !lb.isTemporalExpr(x.Cond, en, sc, 0) {
			c := lb.atom(x.Cond, en, sc)
			return tfJoin(false,
				tfJoin(true, tfLit(c, false), lb.build(x.Then, en, sc, neg)),
				tfJoin(true, tfLit(c, true), lb.build(x.Else, en, sc, neg)))
		}
	case *let:
		return lb.build(x.Body, lb.c.bindLet(x, en, sc), sc, neg)
	case *ident:
		if d := lb.lookupDef(x, en, sc); d != nil && d.Kind == defOp && d.Body != nil && len(x.Args) == len(d.Params) {
			var en2 *env
			if len(d.Params) > 0 {
				lb.constantLevel()
				vals := lb.c.argValues(x.Args, d.Params, en, sc)
				for i, p := range d.Params {
					en2 = en2.bind(p.Name, vals[i])
				}
			}
			return lb.build(d.Body, en2, d.scope, neg)
		}
	}
	throw(e.pos(), "This temporal formula is not supported by the liveness checker.")
	return nil
}

// addFairness records the temporal conjuncts of the behaviour spec: WF and SF (also
// under \A and in definitions) become acceptance conditions of the fair-cycle search,
// anything else is conjoined to the formula.
func (lb *liveBuilder) addFairness(e expr, en *env, sc *scope) {
	switch x := e.(type) {
	case *junction:
		if x.And {
			for _, it := range x.Items {
				lb.addFairness(it, en, sc)
			}
			return
		}
	case *opApp:
		if x.Op == "/\\" {
			lb.addFairness(x.Args[0], en, sc)
			lb.addFairness(x.Args[1], en, sc)
			return
		}
	case *fairness:
		enabled, taken := lb.fairAtomsIn(x, en, sc)
		lb.fair = append(lb.fair, fairCond{strong: x.Strong, en: enabled, taken: taken})
		return
	case *quant:
		if x.Forall {
			lb.constantLevel()
			lb.c.forBinders(x.Binders, en, sc, func(en2 *env) bool {
				lb.addFairness(x.Body, cloneEnv(en2, en), sc)
				return false
			})
			return
		}
	case *ident:
		if d := lb.lookupDef(x, en, sc); d != nil && d.Kind == defOp && d.Body != nil && len(x.Args) == len(d.Params) && lb.isTemporalExpr(e, en, sc, 0) {
			var en2 *env
			if len(d.Params) > 0 {
				lb.constantLevel()
				vals := lb.c.argValues(x.Args, d.Params, en, sc)
				for i, p := range d.Params {
					en2 = en2.bind(p.Name, vals[i])
				}
			}
			lb.addFairness(d.Body, en2, d.scope)
			return
		}
	case *let:
		lb.addFairness(x.Body, lb.c.bindLet(x, en, sc), sc)
		return
	}
	lb.assume = append(lb.assume, lb.build(e, en, sc, false))
}

func (lb *liveBuilder) fairAtomsIn(x *fairness, en *env, sc *scope) (enabled, taken int) {
	box := &actionBox{exprBase: x.exprBase, Angle: true, A: x.A, Sub: x.Sub}
	enab := &opApp{exprBase: x.exprBase, Op: "ENABLED", Args: []expr{box}}
	enabled = lb.atom(enab, en, sc)
	taken = lb.atom(box, en, sc)
	lb.atoms[enabled].enabledOf = taken
	return enabled, taken
}

// checkLiveness checks the temporal properties on the complete state graph; it returns
// nil when they hold.
func (ch *checker) checkLiveness() *Result {
	if len(ch.live.props) == 0 || ch.live.skip {
		return nil
	}
	start := time.Now()
	g := ch.buildGraph(false)
	defer g.free()
	lb := newLiveBuilder(ch.p, g)
	lb.productMap = ch.opts.productMap
	for _, a := range ch.live.assume {
		lb.addFairness(a.e, a.en, a.sc)
	}
	fmt.Fprintf(ch.out, "Checking %d temporal properties for the complete state space with %d total distinct states at (%s)\n",
		len(ch.live.props), g.n, time.Now().Format("2006-01-02 15:04:05"))
	// Every property is checked exactly: a counterexample is a fair accepting lasso.
	// How it is reported follows TLC, which finds some violations while it explores
	// the state space, before its liveness check: when a finite prefix violates the
	// property's safety part (see tlcSafetyPrefix), TLC prints that prefix with exit
	// code 12 and the counts at that moment. Among the violated properties, the prefix
	// TLC's search notices first is reported; otherwise the first property's lasso.
	var lassos []*lasso
	var bad *lasso
	badAt := int32(-1)
	for _, p := range ch.live.props {
		f := tfJoin(true, append(append([]*tformula(nil), lb.assume...), lb.build(p.e, p.en, p.sc, true))...)
		pr := buildProduct(lb, buildTableau(f))
		l := pr.fairCycle()
		pr.free()
		if l == nil {
			continue
		}
		lassos = append(lassos, l)
		if pre, at := tlcSafetyPrefix(lb, f); pre != nil && (bad == nil || at < badAt) {
			bad, badAt = pre, at
		}
	}
	if bad != nil {
		// TLC stops when it notices the prefix: report its counts at that moment
		if badAt >= 0 && int(badAt) < ch.live.afterExpand.len() {
			c := ch.live.afterExpand.at(int(badAt))
			ch.res.Generated, ch.res.Distinct, ch.res.Depth = c.generated, c.distinct, c.depth
			ch.queueLeft = int(c.distinct) - int(badAt) - 1
		}
		return ch.reportLasso(bad, start)
	}
	if len(lassos) > 0 {
		return ch.reportLasso(lassos[0], start)
	}
	fmt.Fprintf(ch.out, "Finished checking temporal properties in %s at %s\n", fmtElapsed(time.Since(start)), time.Now().Format("2006-01-02 15:04:05"))
	return nil
}

// reportLasso prints a counterexample the way TLC does and fills the result.
func (ch *checker) reportLasso(l *lasso, start time.Time) *Result {
	r := ch.res
	names := make([]string, len(ch.p.vars))
	for i, d := range ch.p.vars {
		names[i] = d.Name
	}
	g := l.g
	var tr []State
	for i, s := range l.states {
		st := State{Vars: names, Values: g.state(s), Action: "<Initial predicate>"}
		if i > 0 {
			st.Action, st.step = ch.stepFor(g.state(l.states[i-1]), g.state(s))
		}
		tr = append(tr, st)
	}
	r.Violation, r.ExitCode, r.Message = "temporal", ExitTemporal, "Temporal properties were violated."
	r.ViolatedName = ""
	r.Trace = tr
	r.LoopBack = l.back + 1
	fmt.Fprintf(ch.out, "Error: Temporal properties were violated.\n\n")
	fmt.Fprintf(ch.out, "Error: The following behavior constitutes a counter-example:\n\n")
	ch.printTrace(tr)
	if l.badPrefix {
		// TLC's exit code for a violation found during the search
		r.ExitCode, r.LoopBack = ExitInvariant, 0
		ch.printStats(false)
		return r
	}
	if l.stutter {
		fmt.Fprintf(ch.out, "State %d: Stuttering\n", len(tr)+1)
		r.LoopBack = 0
		r.back = &State{Action: tr[len(tr)-1].Action, step: tr[len(tr)-1].step}
	} else {
		last := g.state(l.states[len(l.states)-1])
		label, step := ch.stepFor(last, g.state(l.states[l.back]))
		r.back = &State{Action: label, step: step}
		fmt.Fprintf(ch.out, "Back to state %d: %s\n", l.back+1, label)
	}
	fmt.Fprintln(ch.out)
	fmt.Fprintf(ch.out, "Finished checking temporal properties in %s at %s\n", fmtElapsed(time.Since(start)), time.Now().Format("2006-01-02 15:04:05"))
	ch.printStats(false)
	return r
}

// tlcSafetyPrefix finds the violation TLC reports during its search for the negated
// property f, if any. TLC puts f in disjunctive normal form and, in each disjunct,
// sets apart the conjuncts []<>A and <>[]A (A without temporal operators), which it
// checks on strongly connected components later; the rest is its tableau. A finite
// behaviour after which that tableau asks nothing more is reported at once. The caller
// only uses the prefix when the property is violated (a fair lasso exists), so a
// prefix whose set-apart conjuncts could not be met does not turn into a false alarm.
func tlcSafetyPrefix(lb *liveBuilder, f *tformula) (*lasso, int32) {
	branches, ok := tfDNF(f, 64)
	if !ok {
		branches = [][]*tformula{{f}}
	}
	var best *lasso
	bestAt := int32(-1)
	for _, br := range branches {
		var rest []*tformula
		for _, c := range br {
			if !isRecurrence(c) {
				rest = append(rest, c)
			}
		}
		if len(rest) == 0 {
			continue // no tableau: TLC checks this disjunct on components only
		}
		pr := buildProduct(lb, buildTableau(tfJoin(true, rest...)))
		l, at := pr.badPrefix()
		pr.free()
		if l != nil && (best == nil || at < bestAt) {
			best, bestAt = l, at
		}
	}
	return best, bestAt
}

// tfDNF returns f as a disjunction of conjunctions of its non-boolean subformulas, or
// false if that takes more than limit disjuncts.
func tfDNF(f *tformula, limit int) ([][]*tformula, bool) {
	switch f.op {
	case tfOr:
		var out [][]*tformula
		for _, k := range f.kids {
			d, ok := tfDNF(k, limit)
			if !ok || len(out)+len(d) > limit {
				return nil, false
			}
			out = append(out, d...)
		}
		return out, true
	case tfAnd:
		out := [][]*tformula{{}}
		for _, k := range f.kids {
			d, ok := tfDNF(k, limit)
			if !ok || len(out)*len(d) > limit {
				return nil, false
			}
			var next [][]*tformula
			for _, a := range out {
				for _, b := range d {
					next = append(next, append(append([]*tformula(nil), a...), b...))
				}
			}
			out = next
		}
		return out, true
	}
	return [][]*tformula{{f}}, true
}

// isRecurrence reports whether f is []<>A or <>[]A with A free of temporal operators.
func isRecurrence(f *tformula) bool {
	if (f.op != tfAlways && f.op != tfEventually) || len(f.kids) != 1 {
		return false
	}
	k := f.kids[0]
	if k.op != tfAlways && k.op != tfEventually || k.op == f.op {
		return false
	}
	return !tfTemporal(k.kids[0])
}

func tfTemporal(f *tformula) bool {
	if f.op == tfAlways || f.op == tfEventually {
		return true
	}
	for _, k := range f.kids {
		if tfTemporal(k) {
			return true
		}
	}
	return false
}

// constantLevel prepares the evaluator for quantifier bounds and operator arguments of
// a temporal formula, which must not depend on the state: a variable read there is
// reported as unassigned instead of reading some state.
func (lb *liveBuilder) constantLevel() {
	lb.c.cur, lb.c.next, lb.c.primed = make([]Value, len(lb.c.p.vars)), nil, false
}
