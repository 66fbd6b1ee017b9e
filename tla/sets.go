package tla

import (
	"slices"
	"sync/atomic"
)

// Sets: walking a finite set in TLC's order (also the lazily represented ones, such
// as S \X T or SUBSET S), and x \in S for every kind of set, finite or not.

func isSetLike(v Value) bool {
	switch v.(type) {
	case *setV, *intervalV, *fcnSetV, *powerSetV, *recordSetV, *productSetV, *seqSetV, *infSetV, *setOpV, *filterSetV:
		return true
	}
	return false
}

// setMemo keeps the elements of a lazily represented set once enumerated: a set
// such as Cells == S \X T is a constant definition evaluated once, but walked for
// every state, and building its elements each time dominated the search.
type setMemo struct{ elems atomic.Pointer[[]Value] }

func (m *setMemo) get() ([]Value, bool) {
	if p := m.elems.Load(); p != nil {
		return *p, true
	}
	return nil, false
}

// put stores elems (clipped, so a caller's append copies) and returns them. Huge
// sets are not kept: they are usually walked once (an Init of a type invariant).
func (m *setMemo) put(elems []Value) []Value {
	elems = slices.Clip(elems)
	if len(elems) <= 1<<16 {
		m.elems.Store(&elems)
	}
	return elems
}

// enumerate lists the elements of a finite set in TLC's normalized order.
func (c *evaluator) enumerate(v Value, pos pos) []Value {
	var m *setMemo
	switch s := v.(type) {
	case *fcnSetV:
		m = &s.memo
	case *powerSetV:
		m = &s.memo
	case *recordSetV:
		m = &s.memo
	case *productSetV:
		m = &s.memo
	default:
		return c.enumerateLazy(v, pos)
	}
	if e, ok := m.get(); ok {
		return e
	}
	return m.put(c.enumerateLazy(v, pos))
}

// streamMin is the size from which a record set or a Cartesian product that is
// walked once, by a filter over it, is streamed rather than listed: such a set is too
// large to be kept (setMemo), and listing it first held all of it at once, where the
// filter usually keeps a fraction (Init == x \in {r \in [a : 0..N, b : 0..N] : P}).
const streamMin = 1 << 16

// each calls fn with the elements of the finite set v in TLC's normalized order, as
// enumerate lists them, until fn returns true. Large record sets and products are
// built one element at a time: their odometer order is already the normalized one,
// since records of one set share their field names and compare field by field, and
// tuples compare element by element.
func (c *evaluator) each(v Value, pos pos, fn func(Value) bool) {
	var sets []Value
	var names []string
	var m *setMemo
	switch s := v.(type) {
	case *recordSetV:
		sets, names, m = s.Sets, s.Names, &s.memo
	case *productSetV:
		sets, m = s.Sets, &s.memo
	}
	if m != nil {
		if _, ok := m.get(); !ok {
			parts := make([][]Value, len(sets))
			total := 1
			for i, st := range sets {
				parts[i] = c.enumerate(st, pos)
				total *= len(parts[i])
				total = min(total, streamMin)
			}
			if total >= streamMin {
				cartesian(parts, func(vals []Value) bool {
					if names != nil {
						return fn(&recordV{Names: names, Vals: vals})
					}
					return fn(&tupleV{Elems: vals})
				})
				return
			}
		}
	}
	for _, e := range c.enumerate(v, pos) {
		if fn(e) {
			return
		}
	}
}

// smallInts holds the integers smallIntLo, smallIntLo+1, ... as values, shared by the
// enumerations of the intervals within them; like a set's elements, callers only
// read them.
var smallInts = func() []Value {
	out := make([]Value, 1024+2)
	for i := range out {
		out[i] = intV(int64(i) + smallIntLo)
	}
	return out
}()

const smallIntLo = -1

func (c *evaluator) enumerateLazy(v Value, pos pos) []Value {
	switch s := v.(type) {
	case *setV:
		return s.Elems
	case *intervalV:
		if s.Hi < s.Lo {
			return nil
		}
		if s.Lo >= smallIntLo && s.Hi < smallIntLo+int64(len(smallInts)) {
			// 1..N is enumerated by every \E i \in 1..N: share one read-only copy
			return smallInts[s.Lo-smallIntLo : s.Hi-smallIntLo+1 : s.Hi-smallIntLo+1]
		}
		out := make([]Value, 0, s.Hi-s.Lo+1)
		for i := s.Lo; i <= s.Hi; i++ {
			out = append(out, intV(i))
		}
		return out
	case *fcnSetV:
		dom := c.enumerate(s.Dom, pos)
		rng := c.enumerate(s.Rng, pos)
		total := 1
		for range dom {
			total *= len(rng)
			if total > 50000000 {
				throw(pos, "Attempted to enumerate a set of functions that is too large.")
			}
		}
		out := make([]Value, 0, total)
		idx := make([]int, len(dom))
		if len(dom) > 0 && len(rng) == 0 {
			return nil
		}
		for {
			vals := make([]Value, len(dom))
			for i, k := range idx {
				vals[i] = rng[k]
			}
			out = append(out, newFcn(dom, vals))
			i := len(idx) - 1
			for i >= 0 {
				idx[i]++
				if idx[i] < len(rng) {
					break
				}
				idx[i] = 0
				i--
			}
			if i < 0 {
				break
			}
		}
		// canonical order of functions is not the odometer order for records/fcns
		return newSet(out).Elems
	case *powerSetV:
		base := c.enumerate(s.Base, pos)
		if len(base) > 24 {
			throw(pos, "Attempted to enumerate SUBSET of a set with %d elements.", len(base))
		}
		out := make([]Value, 0, 1<<len(base))
		for m := 0; m < 1<<len(base); m++ {
			var elems []Value
			for i := range base {
				if m&(1<<i) != 0 {
					elems = append(elems, base[i])
				}
			}
			out = append(out, &setV{Elems: elems})
		}
		return newSet(out).Elems
	case *recordSetV:
		sets := make([][]Value, len(s.Sets))
		for i, st := range s.Sets {
			sets[i] = c.enumerate(st, pos)
		}
		var out []Value
		cartesian(sets, func(vals []Value) bool {
			out = append(out, &recordV{Names: s.Names, Vals: vals})
			return false
		})
		return newSet(out).Elems
	case *productSetV:
		sets := make([][]Value, len(s.Sets))
		for i, st := range s.Sets {
			sets[i] = c.enumerate(st, pos)
		}
		var out []Value
		cartesian(sets, func(vals []Value) bool {
			out = append(out, &tupleV{Elems: vals})
			return false
		})
		return out
	case *setOpV:
		var out []Value
		switch s.Op {
		case "\\cup":
			out = append(append(out, c.enumerate(s.A, pos)...), c.enumerate(s.B, pos)...)
			return newSet(out).Elems
		case "\\cap":
			a, b := s.A, s.B
			if isInfinite(a) {
				a, b = b, a
			}
			for _, e := range c.enumerate(a, pos) {
				if c.member(e, b, pos) {
					out = append(out, e)
				}
			}
		default:
			for _, e := range c.enumerate(s.A, pos) {
				if !c.member(e, s.B, pos) {
					out = append(out, e)
				}
			}
		}
		return out
	case *infSetV, *seqSetV:
		throw(pos, "Attempted to enumerate the infinite set %s.", fmtValue(v))
	}
	throw(pos, "Attempted to enumerate %s, which is not a set.", fmtValue(v))
	return nil
}

// cartesian calls fn with each tuple of sets' elements in odometer order (the last
// set's element changing fastest), each in a new slice, until fn returns true.
func cartesian(sets [][]Value, fn func([]Value) bool) {
	for _, s := range sets {
		if len(s) == 0 {
			return
		}
	}
	idx := make([]int, len(sets))
	for {
		vals := make([]Value, len(sets))
		for i, k := range idx {
			vals[i] = sets[i][k]
		}
		if fn(vals) {
			return
		}
		i := len(idx) - 1
		for i >= 0 {
			idx[i]++
			if idx[i] < len(sets[i]) {
				break
			}
			idx[i] = 0
			i--
		}
		if i < 0 {
			return
		}
	}
}

// memberOf decides v \in S for the set expression S. Where S is {y \in B : P}, written
// out or as the body of a definition without arguments whose value is not kept, the
// set is not built: v \in S is v \in B /\ P(v), as TLC decides it. Building it walks
// all of B, which for a type-like filter such as {DP \in SUBSET SUBSET 1..N : ...}
// is 2^(2^N) elements, in every state where the definition reads the state.
func (c *evaluator) memberOf(v Value, s expr, en *env, sc *scope, pos pos) bool {
	f, d, fen, fsc := filterOf(s, en, sc)
	if f == nil {
		return c.member(v, c.eval(s, en, sc), pos)
	}
	before := c.varReads
	in := c.member(v, c.eval(f.B.Set, fen, fsc), pos)
	tested := false
	if in {
		en2, ok := bindPattern(f.B, c.canon(v, pos), fen)
		in, tested = ok && c.evalBool(f.Pred, en2, fsc), ok
	}
	switch {
	case d == nil:
	case c.varReads != before:
		// It reads the state: its value is never kept (see applyDef).
		d.noCache = true
	case tested && !d.noCache && !c.primed:
		// No state read for an element the predicate was tested on: most likely a
		// constant, such as a type invariant's SortedSeqs == {s \in Seq(V) : ...},
		// which must not be decided element by element in every state. Evaluating
		// it the ordinary way once keeps its value if it is one (or marks it as
		// reading the state).
		c.eval(s, en, sc)
	}
	return in
}

// filterOf returns the set filter s is, with the environment and scope to evaluate it
// in, or nil: s itself, or a name already resolved to a global definition without
// arguments (returned too) whose body is one and whose value is not kept.
func filterOf(s expr, en *env, sc *scope) (*setFilter, *def, *env, *scope) {
	switch x := s.(type) {
	case *setFilter:
		return x, nil, en, sc
	case *ident:
		if x.kind == identLocal || x.Args != nil || x.Prefix != nil || x.Sel != nil {
			return nil, nil, nil, nil
		}
		if x.kind != identGlobal {
			// resolved as evalIdent resolves it: a local binding shadows a definition
			if _, local := en.lookup(x.Name); local {
				return nil, nil, nil, nil
			}
			if x.def = sc.lookup(x.Name); x.def == nil {
				return nil, nil, nil, nil
			}
			x.kind = identGlobal
		}
		d := x.def
		if f, ok := d.Body.(*setFilter); ok && d.Kind == defOp && len(d.Params) == 0 && !d.cacheSet {
			return f, d, nil, d.scope
		}
	}
	return nil, nil, nil, nil
}

// member decides x \in s.
func (c *evaluator) member(x, s Value, pos pos) bool {
	switch st := s.(type) {
	case *setV:
		x = c.canon(x, pos)
		n := len(st.Elems)
		if n > 0 {
			r0, rx := typeRank(st.Elems[0]), typeRank(x)
			if r0 < 3 && rx < 3 && r0 != rx {
				throw(pos, "Attempted to check if the value %s is an element of %s.", fmtValue(x), fmtValue(s))
			}
		}
		return search(st.Elems, x) >= 0
	case *intervalV:
		n, ok := x.(intV)
		if !ok {
			throw(pos, "Attempted to check if the value %s is an element of %s.", fmtValue(x), fmtValue(s))
		}
		return int64(n) >= st.Lo && int64(n) <= st.Hi
	case *infSetV:
		switch st.Name {
		case "Nat":
			n, ok := x.(intV)
			return ok && n >= 0
		case "Int":
			_, ok := x.(intV)
			return ok
		case "STRING":
			_, ok := x.(strV)
			return ok
		}
	case *fcnSetV:
		x = c.canon(x, pos)
		sdom := c.enumerate(st.Dom, pos)
		switch f := x.(type) {
		case *tupleV:
			// the common TypeOK conjunct f \in [1..N -> S], without building f's domain
			if len(sdom) != len(f.Elems) {
				return false
			}
			for i, d := range sdom {
				if n, ok := d.(intV); !ok || int(n) != i+1 || !c.member(f.Elems[i], st.Rng, pos) {
					return false
				}
			}
			return true
		case *recordV:
			if len(sdom) != len(f.Names) {
				return false
			}
			for i, d := range sdom {
				if s, ok := d.(strV); !ok || string(s) != f.Names[i] || !c.member(f.Vals[i], st.Rng, pos) {
					return false
				}
			}
			return true
		}
		dom, vals, ok := fcnParts(x)
		if !ok {
			return false
		}
		if len(sdom) != len(dom) {
			return false
		}
		for i := range dom {
			if compare(dom[i], sdom[i]) != 0 {
				return false
			}
			if !c.member(vals[i], st.Rng, pos) {
				return false
			}
		}
		return true
	case *powerSetV:
		xs, ok := c.canon(x, pos).(*setV)
		if !ok {
			return false
		}
		for _, e := range xs.Elems {
			if !c.member(e, st.Base, pos) {
				return false
			}
		}
		return true
	case *recordSetV:
		r, ok := c.canon(x, pos).(*recordV)
		if !ok || len(r.Names) != len(st.Names) {
			return false
		}
		for i := range r.Names {
			if r.Names[i] != st.Names[i] || !c.member(r.Vals[i], st.Sets[i], pos) {
				return false
			}
		}
		return true
	case *productSetV:
		t, ok := c.canon(x, pos).(*tupleV)
		if !ok || len(t.Elems) != len(st.Sets) {
			return false
		}
		for i := range t.Elems {
			if !c.member(t.Elems[i], st.Sets[i], pos) {
				return false
			}
		}
		return true
	case *seqSetV:
		t, ok := c.canon(x, pos).(*tupleV)
		if !ok {
			return false
		}
		for _, e := range t.Elems {
			if !c.member(e, st.Base, pos) {
				return false
			}
		}
		return true
	case *filterSetV:
		if !c.member(x, st.base, pos) {
			return false
		}
		en2, ok := bindPattern(st.b, x, st.env)
		return ok && c.evalBool(st.pred, en2, st.scope)
	case *setOpV:
		switch st.Op {
		case "\\cup":
			return c.member(x, st.A, pos) || c.member(x, st.B, pos)
		case "\\cap":
			return c.member(x, st.A, pos) && c.member(x, st.B, pos)
		default:
			return c.member(x, st.A, pos) && !c.member(x, st.B, pos)
		}
	}
	throw(pos, "Attempted to check if the value %s is an element of %s, which is not a set.", fmtValue(x), fmtValue(s))
	return false
}
