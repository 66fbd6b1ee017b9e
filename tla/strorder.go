package tla

import (
	"maps"
	"slices"
)

// TLC compares strings by the order in which it first met them (it interns every
// string), not alphabetically: "b" < "a" if "b" occurs first. That order decides
// how \E, CHOOSE and x' \in S walk a set of strings, and so which state TLC finds
// first. Values stay sorted alphabetically internally (canonical encodings for the
// seen-set); only iteration follows TLC's order.
//
// The order is: strings and names in the configuration file, then identifiers (which
// include record field names) as modules are parsed, then string literals as modules
// are semantically processed (dependencies first), then strings made while checking.
// Names of the standard modules, which TLC also interns, are not modelled.
type strOrder struct {
	rank     map[string]int32
	ranked   map[string]bool // modules whose identifiers are ranked
	semDone  map[string]bool
	semOrder []*module
	// fieldOrders holds fieldOrder's results by the address of a record's first
	// field name (records of one shape share their names), for as long as rank
	// stays as it was: a string ranked anew, or ranks taken from another
	// program (setRanks), empty it.
	fieldOrders map[*string][]int
	// the entry of fieldOrders found last
	lastFields     *string
	lastFieldOrder []int
}

// maxFieldOrders bounds strOrder.fieldOrders: records whose names were built one by
// one (from a function's domain) each have names of their own.
const maxFieldOrders = 4096

// setRanks replaces the ranks with a copy of rank.
func (o *strOrder) setRanks(rank map[string]int32) {
	o.rank = maps.Clone(rank)
	o.fieldOrders, o.lastFieldOrder = nil, nil
}

func (p *program) strRank(s string) int32 {
	if p.rank == nil {
		p.rank = map[string]int32{}
	}
	r, ok := p.rank[s]
	if !ok {
		r = int32(len(p.rank))
		p.rank[s] = r
		p.fieldOrders, p.lastFieldOrder = nil, nil
	}
	return r
}

// rankTokens ranks the identifiers of src, and also its strings if withStrings.
func (p *program) rankTokens(src string, withStrings bool) {
	if p.ranked == nil {
		p.ranked = map[string]bool{}
	}
	for _, t := range lexAll(src) {
		if t.kind == tIdent || (withStrings && t.kind == tStr) {
			p.strRank(t.text)
		}
	}
}

func (p *program) noteSemantic(m *module) {
	if p.semDone == nil {
		p.semDone = map[string]bool{}
	}
	if !p.semDone[m.Name] {
		p.semDone[m.Name] = true
		p.semOrder = append(p.semOrder, m)
	}
}

// rankLiterals ranks string literals module by module in semantic-processing order.
func (p *program) rankLiterals() {
	for _, m := range p.semOrder {
		for _, t := range lexAll(m.text) {
			if t.kind == tStr {
				p.strRank(t.text)
			}
		}
	}
}

// iterate returns the elements of a set in the order TLC enumerates them.
func (c *evaluator) iterate(v Value, pos pos) []Value {
	elems := c.enumerate(v, pos)
	if len(elems) < 2 {
		return elems
	}
	switch elems[0].(type) {
	case intV, boolV:
		return elems
	case strV:
	default:
		// A state's sets are walked by several actions (\E m \in msgs): sort once.
		// The order stays valid: strings met later rank after all earlier ones.
		if s, ok := v.(*setV); ok {
			if s.tlc == nil {
				s.tlc = c.p.tlcSorted(elems)
			}
			return s.tlc
		}
		return c.p.tlcSorted(elems)
	}
	inOrder := true
	prev := int32(-1)
	for _, e := range elems {
		s, ok := e.(strV)
		if !ok {
			return elems
		}
		r := c.p.strRank(string(s))
		if r < prev {
			inOrder = false
		}
		prev = r
	}
	if inOrder {
		return elems
	}
	out := slices.Clone(elems)
	slices.SortFunc(out, func(a, b Value) int {
		return int(c.p.strRank(string(a.(strV)))) - int(c.p.strRank(string(b.(strV))))
	})
	return out
}
