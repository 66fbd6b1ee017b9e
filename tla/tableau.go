package tla

import (
	"slices"
	"strconv"
	"strings"
)

// Temporal formulas in negation normal form. TLA+ has no next-time or until operator
// visible to users, so [] and <> with conjunction, disjunction and (negated) atoms are
// enough for every formula the checker builds: P ~> Q, WF and SF are rewritten into
// them before the tableau is built.
type tfOp uint8

const (
	tfTrue tfOp = iota
	tfFalse
	tfAtom    // atom holds
	tfNotAtom // atom does not hold
	tfAnd
	tfOr
	tfAlways
	tfEventually
)

type tformula struct {
	op   tfOp
	atom int
	kids []*tformula
	id   int // interned identity, set by the tableau builder
	key  string
}

func tfLit(atom int, neg bool) *tformula {
	if neg {
		return &tformula{op: tfNotAtom, atom: atom}
	}
	return &tformula{op: tfAtom, atom: atom}
}

func tfConst(b bool) *tformula {
	if b {
		return &tformula{op: tfTrue}
	}
	return &tformula{op: tfFalse}
}

func tfJoin(and bool, kids ...*tformula) *tformula {
	op := tfOr
	if and {
		op = tfAnd
	}
	var flat []*tformula
	for _, k := range kids {
		switch {
		case k.op == op:
			flat = append(flat, k.kids...)
		case k.op == tfTrue && and, k.op == tfFalse && !and:
			// neutral element
		case k.op == tfFalse && and:
			return tfConst(false)
		case k.op == tfTrue && !and:
			return tfConst(true)
		default:
			flat = append(flat, k)
		}
	}
	switch len(flat) {
	case 0:
		return tfConst(and)
	case 1:
		return flat[0]
	}
	return &tformula{op: op, kids: flat}
}

func tfAlw(k *tformula) *tformula {
	if k.op == tfTrue || k.op == tfFalse || k.op == tfAlways {
		return k
	}
	return &tformula{op: tfAlways, kids: []*tformula{k}}
}

func tfEv(k *tformula) *tformula {
	if k.op == tfTrue || k.op == tfFalse || k.op == tfEventually {
		return k
	}
	return &tformula{op: tfEventually, kids: []*tformula{k}}
}

// tableau is a generalized Büchi automaton for a temporal formula, built with the
// on-the-fly construction of Gerth, Peled, Vardi and Wolper. Node q is visited at
// position i of a behaviour when the literals in lits(q) hold there; a state atom looks
// at state i, an action atom at the step from state i to state i+1. A run is accepting
// when, for every <>F in the formula, it visits infinitely often a node of accept[j].
type tableau struct {
	nodes   []*tnode
	initial []int
	accept  [][]bool // per eventuality, per node
	byKey   map[string]int
	forms   map[string]*tformula
	byID    []*tformula
	evs     []*tformula // interned <>F subformulas
}

type tnode struct {
	incoming map[int]bool // -1 for the initial pseudo-node
	old      []int        // sorted interned formula ids
	next     []int
	lits     []tlit
	succ     []int
}

type tlit struct {
	atom int
	neg  bool
}

type gnode struct {
	incoming map[int]bool
	new      []*tformula
	old      map[int]*tformula
	next     map[int]*tformula
}

func (t *tableau) intern(f *tformula) *tformula {
	if f.key != "" {
		return t.forms[f.key]
	}
	var b strings.Builder
	switch f.op {
	case tfTrue:
		b.WriteString("T")
	case tfFalse:
		b.WriteString("F")
	case tfAtom:
		b.WriteString("a" + strconv.Itoa(f.atom))
	case tfNotAtom:
		b.WriteString("!a" + strconv.Itoa(f.atom))
	default:
		b.WriteString([]string{tfAnd: "&", tfOr: "|", tfAlways: "[]", tfEventually: "<>"}[f.op] + "(")
		for i, k := range f.kids {
			k2 := t.intern(k)
			f.kids[i] = k2
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(strconv.Itoa(k2.id))
		}
		b.WriteString(")")
	}
	key := b.String()
	if g, ok := t.forms[key]; ok {
		f.key = key
		return g
	}
	f.key, f.id = key, len(t.byID)
	t.forms[key] = f
	t.byID = append(t.byID, f)
	if f.op == tfEventually {
		t.evs = append(t.evs, f)
	}
	return f
}

// buildTableau returns the automaton accepting exactly the behaviours satisfying f.
func buildTableau(f *tformula) *tableau {
	t := &tableau{byKey: map[string]int{}, forms: map[string]*tformula{}}
	f = t.intern(tfClone(f)) // interning records ids in the formula: work on a copy

	t.expand(&gnode{incoming: map[int]bool{-1: true}, new: []*tformula{f}, old: map[int]*tformula{}, next: map[int]*tformula{}})
	for id, n := range t.nodes {
		for from := range n.incoming {
			if from == -1 {
				t.initial = append(t.initial, id)
			} else {
				t.nodes[from].succ = append(t.nodes[from].succ, id)
			}
		}
		for _, fid := range n.old {
			if g := t.formByID(fid); g.op == tfAtom || g.op == tfNotAtom {
				n.lits = append(n.lits, tlit{g.atom, g.op == tfNotAtom})
			}
		}
	}
	slices.Sort(t.initial)
	for _, n := range t.nodes {
		slices.Sort(n.succ)
	}
	t.accept = make([][]bool, len(t.evs))
	for j, ev := range t.evs {
		t.accept[j] = make([]bool, len(t.nodes))
		for q, n := range t.nodes {
			_, hasEv := slices.BinarySearch(n.old, ev.id)
			_, hasKid := slices.BinarySearch(n.old, ev.kids[0].id)
			t.accept[j][q] = !hasEv || hasKid
		}
	}
	return t
}

func (t *tableau) formByID(id int) *tformula { return t.byID[id] }

func idsKey(m map[int]*tformula) ([]int, string) {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(strconv.Itoa(id))
		b.WriteByte(',')
	}
	return ids, b.String()
}

func (g *gnode) clone() *gnode {
	n := &gnode{incoming: map[int]bool{}, new: slices.Clone(g.new), old: map[int]*tformula{}, next: map[int]*tformula{}}
	for k := range g.incoming {
		n.incoming[k] = true
	}
	for k, v := range g.old {
		n.old[k] = v
	}
	for k, v := range g.next {
		n.next[k] = v
	}
	return n
}

func (t *tableau) expand(g *gnode) {
	for len(g.new) > 0 {
		f := g.new[len(g.new)-1]
		g.new = g.new[:len(g.new)-1]
		if _, done := g.old[f.id]; done {
			continue
		}
		switch f.op {
		case tfFalse:
			return
		case tfTrue:
			g.old[f.id] = f
		case tfAtom, tfNotAtom:
			neg := t.intern(tfLit(f.atom, f.op == tfAtom))
			if _, clash := g.old[neg.id]; clash {
				return
			}
			g.old[f.id] = f
		case tfAnd:
			g.old[f.id] = f
			g.new = append(g.new, f.kids...)
		case tfAlways:
			g.old[f.id] = f
			g.new = append(g.new, f.kids[0])
			g.next[f.id] = f
		case tfOr:
			g.old[f.id] = f
			for _, k := range f.kids[1:] {
				h := g.clone()
				h.new = append(h.new, k)
				t.expand(h)
			}
			g.new = append(g.new, f.kids[0])
		case tfEventually:
			g.old[f.id] = f
			h := g.clone()
			h.next[f.id] = f
			t.expand(h)
			g.new = append(g.new, f.kids[0])
		}
	}
	oldIDs, ok := idsKey(g.old)
	nextIDs, nk := idsKey(g.next)
	key := ok + "|" + nk
	if id, found := t.byKey[key]; found {
		for k := range g.incoming {
			t.nodes[id].incoming[k] = true
		}
		return
	}
	id := len(t.nodes)
	t.byKey[key] = id
	t.nodes = append(t.nodes, &tnode{incoming: g.incoming, old: oldIDs, next: nextIDs})
	nn := &gnode{incoming: map[int]bool{id: true}, old: map[int]*tformula{}, next: map[int]*tformula{}}
	for _, fid := range nextIDs {
		nn.new = append(nn.new, g.next[fid])
	}
	t.expand(nn)
}

// tfClone copies f, so that the same formula can be given to several tableaux.
func tfClone(f *tformula) *tformula {
	g := &tformula{op: f.op, atom: f.atom}
	for _, k := range f.kids {
		g.kids = append(g.kids, tfClone(k))
	}
	return g
}
