package tla

import (
	"cmp"
	"slices"
)

// TLC's total order on values (Value.compareTo). TLC walks a set in this order
// (its normalized form) for \E, \A, CHOOSE and x' \in S, so CHOOSE picks, and the
// order in which successors are found, depend on it. Values stay in this package's
// canonical order internally (for encodings); only iteration follows TLC's:
//
//   - model values are smaller than any other value and compare by name;
//   - strings, record field names and model-value names compare by when TLC first
//     met them (strorder.go), not alphabetically;
//   - sets compare by cardinality, then element by element in this order;
//   - functions (tuples and records too) compare by domain size, then domain
//     elements, then values, both in domain order.

// tlcCompare orders a and b as TLC's compareTo does.
func (p *program) tlcCompare(a, b Value) int {
	switch x := a.(type) {
	case intV:
		if y, ok := b.(intV); ok {
			return cmp.Compare(x, y)
		}
	case boolV:
		if y, ok := b.(boolV); ok {
			return cmp.Compare(b2i(bool(x)), b2i(bool(y)))
		}
	case strV:
		if y, ok := b.(strV); ok {
			if x == y {
				return 0
			}
			return cmp.Compare(p.strRank(string(x)), p.strRank(string(y)))
		}
	case *modelV:
		if y, ok := b.(*modelV); ok {
			if x == y || x.Name == y.Name {
				return 0
			}
			return cmp.Compare(p.strRank(x.Name), p.strRank(y.Name))
		}
		return -1
	case *setV:
		if y, ok := b.(*setV); ok {
			if d := len(x.Elems) - len(y.Elems); d != 0 {
				return d
			}
			xs, ys := p.tlcSorted(x.Elems), p.tlcSorted(y.Elems)
			for i := range xs {
				if c := p.tlcCompare(xs[i], ys[i]); c != 0 {
					return c
				}
			}
			return 0
		}
	case *tupleV:
		if y, ok := b.(*tupleV); ok {
			if d := len(x.Elems) - len(y.Elems); d != 0 {
				return d
			}
			for i := range x.Elems {
				if c := p.tlcCompare(x.Elems[i], y.Elems[i]); c != 0 {
					return c
				}
			}
			return 0
		}
	case *recordV:
		if y, ok := b.(*recordV); ok {
			return p.compareRecords(x, y)
		}
	}
	if _, ok := b.(*modelV); ok {
		return 1
	}
	if ad, av, ok := p.tlcFcn(a); ok {
		if bd, bv, ok := p.tlcFcn(b); ok {
			if d := len(ad) - len(bd); d != 0 {
				return d
			}
			for i := range ad {
				if c := p.tlcCompare(ad[i], bd[i]); c != 0 {
					return c
				}
			}
			for i := range av {
				if c := p.tlcCompare(av[i], bv[i]); c != 0 {
					return c
				}
			}
			return 0
		}
	}
	// TLC refuses to compare values of different kinds; any fixed order will do.
	return cmp.Compare(string(encode(nil, a)), string(encode(nil, b)))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fieldOrder returns the indices of names in TLC's order of field names. The result
// may be shared: callers only read it.
func (p *program) fieldOrder(names []string, buf []int) []int {
	if len(names) == 0 {
		return buf[:0]
	}
	if idx := p.lastFieldOrder; idx != nil && p.lastFields == &names[0] && len(idx) == len(names) {
		return idx // most comparisons are of records of one shape
	}
	if idx, ok := p.fieldOrders[&names[0]]; ok && len(idx) == len(names) {
		p.lastFields, p.lastFieldOrder = &names[0], idx
		return idx
	}
	idx := p.rankFields(names, buf)
	if len(p.fieldOrders) < maxFieldOrders {
		if p.fieldOrders == nil {
			p.fieldOrders = map[*string][]int{}
		}
		kept := slices.Clone(idx) // a new variable: buf itself must not flow into the cache, or it escapes
		p.fieldOrders[&names[0]] = kept
		p.lastFields, p.lastFieldOrder = &names[0], kept
		return kept
	}
	return idx
}

// rankFields is fieldOrder without its cache.
func (p *program) rankFields(names []string, buf []int) []int {
	idx := buf[:0]
	var small [8]int32
	ranks := small[:0]
	for i, n := range names {
		idx = append(idx, i)
		ranks = append(ranks, p.strRank(n)) // one lookup per name, not per comparison
	}
	// insertion sort: records have few fields
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && ranks[idx[j]] < ranks[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	return idx
}

func (p *program) compareRecords(x, y *recordV) int {
	if d := len(x.Names) - len(y.Names); d != 0 {
		return d
	}
	var b1, b2 [8]int
	xo := p.fieldOrder(x.Names, b1[:])
	yo := xo
	if !slices.Equal(x.Names, y.Names) {
		yo = p.fieldOrder(y.Names, b2[:])
	}
	for i := range xo {
		if a, b := x.Names[xo[i]], y.Names[yo[i]]; a != b {
			return cmp.Compare(p.strRank(a), p.strRank(b))
		}
	}
	for i := range xo {
		if c := p.tlcCompare(x.Vals[xo[i]], y.Vals[yo[i]]); c != 0 {
			return c
		}
	}
	return 0
}

// tlcSorted returns elems in TLC's order (a copy when it differs from ours).
func (p *program) tlcSorted(elems []Value) []Value {
	if len(elems) < 2 {
		return elems
	}
	if plainOrder(elems) {
		return elems // our order is TLC's for these
	}
	if slices.IsSortedFunc(elems, p.tlcCompare) {
		return elems
	}
	out := slices.Clone(elems)
	slices.SortFunc(out, p.tlcCompare)
	return out
}

// tlcFcn returns a function's domain and values in TLC's domain order.
func (p *program) tlcFcn(v Value) (dom, vals []Value, ok bool) {
	dom, vals, ok = fcnParts(v)
	if !ok || len(dom) < 2 {
		return dom, vals, ok
	}
	if _, isTuple := v.(*tupleV); isTuple || slices.IsSortedFunc(dom, p.tlcCompare) {
		return dom, vals, true
	}
	idx := make([]int, len(dom))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int { return p.tlcCompare(dom[i], dom[j]) })
	d2, v2 := make([]Value, len(dom)), make([]Value, len(dom))
	for k, i := range idx {
		d2[k], v2[k] = dom[i], vals[i]
	}
	return d2, v2, true
}

// plainOrder reports whether every value is built from integers and booleans by
// tuples only, where this package's order and TLC's coincide.
func plainOrder(vals []Value) bool {
	for _, v := range vals {
		switch x := v.(type) {
		case intV, boolV:
		case *tupleV:
			if !plainOrder(x.Elems) {
				return false
			}
		default:
			return false
		}
	}
	return true
}
