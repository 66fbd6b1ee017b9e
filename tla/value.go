package tla

import (
	"encoding/binary"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Value is a TLA+ value held by a state of a Graph or a Result's trace. Its concrete
// types are the package's own; Format prints any of them as TLC does.
//
// Inside the package the concrete types are boolV, intV, strV, *modelV, *tupleV,
// *recordV, *fcnV, *setV, and lazily represented sets and functions (*intervalV,
// *fcnSetV, *powerSetV, *recordSetV, *productSetV, *seqSetV, *infSetV, *lazyFcnV) plus
// operator closures passed as arguments. Finite values stored in states are always
// canonical: sets sorted without duplicates, functions with domain 1..n as tuples,
// functions with a domain of strings as records.
type Value interface{}

// Fcn values in def.fcnVal are *lazyFcnV.

// boolV is a boolean.
type boolV bool

// intV is an integer. TLC uses 32-bit integers; 64 bits with overflow checks is enough.
type intV int64

// strV is a string.
type strV string

// modelV is a model value declared in the configuration.
type modelV struct {
	Name string
	Idx  int
}

// tupleV is a tuple or sequence (a function with domain 1..n).
type tupleV struct{ Elems []Value }

// recordV is a function whose domain is a non-empty set of strings, fields sorted.
type recordV struct {
	Names []string
	Vals  []Value
}

// fcnV is any other finite function; Dom is sorted.
type fcnV struct {
	Dom  []Value
	Vals []Value
}

// setV is a finite set, elements sorted and distinct.
type setV struct {
	Elems []Value
	tlc   []Value // Elems in TLC's order, once iterate needed it (strorder.go)
}

// intervalV is a..b.
type intervalV struct{ Lo, Hi int64 }

// fcnSetV is [Dom -> Rng].
type fcnSetV struct {
	Dom, Rng Value
	memo     setMemo
}

// powerSetV is SUBSET Base.
type powerSetV struct {
	Base Value
	memo setMemo
}

// recordSetV is [a : S, b : T].
type recordSetV struct {
	Names []string
	Sets  []Value
	memo  setMemo
}

// productSetV is S \X T \X ...
type productSetV struct {
	Sets []Value
	memo setMemo
}

// seqSetV is Seq(S), membership only.
type seqSetV struct{ Base Value }

// setOpV is S \cup T, S \cap T or S \ T kept symbolic because an operand is infinite
// (e.g. Nat \ {0}); membership works, enumeration only when the result is finite.
type setOpV struct {
	Op   string
	A, B Value
}

// filterSetV is {x \in S : P} over an infinite S, membership only.
type filterSetV struct {
	base  Value
	b     binder
	pred  expr
	env   *env
	scope *scope
}

// infSetV is Nat, Int or STRING, membership only.
type infSetV struct{ Name string }

// lazyFcnV is a function definition f[x \in S] == e applied on demand, so recursive
// definitions work; it is materialized only when needed as a whole.
type lazyFcnV struct {
	def      *def
	env      *env
	dom      Value
	domConst bool
	memo     map[string]Value
}

// closureV is an operator passed as an argument (a name or LAMBDA).
type closureV struct {
	def    *def
	lambda *lambda
	env    *env
	scope  *scope
	arity  int
	// LET-bound definitions: cached value and function value
	cache Value
	fcn   *lazyFcnV
}

var (
	emptySet   = &setV{}
	emptyTuple = &tupleV{}
)

func typeRank(v Value) int {
	switch v.(type) {
	case boolV:
		return 0
	case intV:
		return 1
	case strV:
		return 2
	case *modelV:
		return 3
	case *tupleV:
		return 4
	case *recordV:
		return 5
	case *fcnV:
		return 6
	case *setV:
		return 7
	}
	return 8
}

// compare is a total order on canonical values. It agrees with TLC's order on integers,
// strings and model values (by declaration), which is what CHOOSE and printing expose.
func compare(a, b Value) int {
	// fast paths for the common element types
	switch x := a.(type) {
	case intV:
		if y, ok := b.(intV); ok {
			if x < y {
				return -1
			} else if x > y {
				return 1
			}
			return 0
		}
	case strV:
		if y, ok := b.(strV); ok {
			return strings.Compare(string(x), string(y))
		}
	case *modelV:
		if y, ok := b.(*modelV); ok {
			return x.Idx - y.Idx
		}
	// Values of one type are compared without ranking their types, and one value
	// shared by both sides (an element drawn from the set it is looked up in, a
	// state's unchanged variable) is equal without a walk.
	case *tupleV:
		if y, ok := b.(*tupleV); ok {
			if x == y {
				return 0
			}
			return compareSeq(x.Elems, y.Elems)
		}
	case *recordV:
		if y, ok := b.(*recordV); ok {
			if x == y {
				return 0
			}
			return compareRecords(x, y)
		}
	case *setV:
		if y, ok := b.(*setV); ok {
			if x == y {
				return 0
			}
			return compareSeq(x.Elems, y.Elems)
		}
	}
	ra, rb := typeRank(a), typeRank(b)
	if ra != rb {
		return ra - rb
	}
	// one type on both sides, of a kind the switch above leaves to here
	switch x := a.(type) {
	case boolV:
		y := b.(boolV)
		if x == y {
			return 0
		}
		if !x {
			return -1
		}
		return 1
	case *fcnV:
		y := b.(*fcnV)
		if c := compareSeq(x.Dom, y.Dom); c != 0 {
			return c
		}
		return compareSeq(x.Vals, y.Vals)
	}
	return 0
}

// search returns the index of v in vs, which is sorted and duplicate-free (a set's
// elements, a function's domain), or -1. Model values and integers, the usual
// domains, are compared without compare's call while the elements met are of their
// kind.
func search(vs []Value, v Value) int {
	lo, hi := 0, len(vs)
	switch x := v.(type) {
	case *modelV:
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			y, ok := vs[m].(*modelV)
			if !ok {
				return searchAny(vs[lo:hi], v, lo)
			}
			switch {
			case y.Idx == x.Idx:
				return m
			case y.Idx < x.Idx:
				lo = m + 1
			default:
				hi = m
			}
		}
		return -1
	case intV:
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			y, ok := vs[m].(intV)
			if !ok {
				return searchAny(vs[lo:hi], v, lo)
			}
			switch {
			case y == x:
				return m
			case y < x:
				lo = m + 1
			default:
				hi = m
			}
		}
		return -1
	case *recordV:
		// The records of a set share their name list with the others built by the
		// same constructor, but not with x (decoded, or built elsewhere): the names
		// are compared once per list, and only the values at the other probes.
		var same []string // a name list found equal to x's
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			var c int
			y, ok := vs[m].(*recordV)
			switch {
			case ok && len(same) > 0 && len(y.Names) == len(same) && &y.Names[0] == &same[0]:
				c = compareSeq(y.Vals, x.Vals)
			case ok && len(y.Names) > 0 && slices.Equal(y.Names, x.Names):
				same = y.Names
				c = compareSeq(y.Vals, x.Vals)
			default:
				c = compare(vs[m], v)
			}
			switch {
			case c == 0:
				return m
			case c < 0:
				lo = m + 1
			default:
				hi = m
			}
		}
		return -1
	}
	return searchAny(vs, v, 0)
}

// searchAny is search by compare; off is added to the index found.
func searchAny(vs []Value, v Value, off int) int {
	lo, hi := 0, len(vs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := compare(vs[m], v); {
		case c == 0:
			return off + m
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return -1
}

// compareRecords orders records by their field names, then by their values.
func compareRecords(x, y *recordV) int {
	if len(x.Names) != len(y.Names) {
		return len(x.Names) - len(y.Names)
	}
	// Records built by one constructor share their names.
	if len(x.Names) > 0 && &x.Names[0] != &y.Names[0] {
		for i, a := range x.Names {
			// equality first: it is the usual outcome, and cheaper to establish
			if b := y.Names[i]; a != b {
				return strings.Compare(a, b)
			}
		}
	}
	return compareSeq(x.Vals, y.Vals)
}

// compareSeq orders value lists by length, then element by element.
func compareSeq(xs, ys []Value) int {
	if len(xs) != len(ys) {
		return len(xs) - len(ys)
	}
	for i := range xs {
		// The scalar fast paths of compare, without its call: tuples of model
		// values and integers (a graph's edges, a process's pc) are most of what
		// membership tests walk.
		switch x := xs[i].(type) {
		case intV:
			if y, ok := ys[i].(intV); ok {
				if x != y {
					if x < y {
						return -1
					}
					return 1
				}
				continue
			}
		case *modelV:
			if y, ok := ys[i].(*modelV); ok {
				if x.Idx != y.Idx {
					return x.Idx - y.Idx
				}
				continue
			}
		}
		if c := compare(xs[i], ys[i]); c != 0 {
			return c
		}
	}
	return 0
}

// newSet builds a canonical set from canonical elements (it may reorder elems).
func newSet(elems []Value) *setV {
	if len(elems) == 0 {
		return emptySet
	}
	sorted := true
	for i := 1; i < len(elems); i++ {
		if compare(elems[i-1], elems[i]) >= 0 {
			sorted = false
			break
		}
	}
	if sorted {
		return &setV{Elems: elems}
	}
	slices.SortFunc(elems, compare)
	out := elems[:1]
	for _, e := range elems[1:] {
		if compare(out[len(out)-1], e) != 0 {
			out = append(out, e)
		}
	}
	return &setV{Elems: out}
}

// newTuple returns a tuple of n elements, all nil, to fill. Up to four elements share
// one allocation with the tuple: tuples are what specs build most (edges, pairs, a
// process's step), and one object instead of two halves what the collector sees of them.
func newTuple(n int) *tupleV {
	switch n {
	case 1:
		return tupleWith(func(a *[1]Value) []Value { return a[:] })
	case 2:
		return tupleWith(func(a *[2]Value) []Value { return a[:] })
	case 3:
		return tupleWith(func(a *[3]Value) []Value { return a[:] })
	case 4:
		return tupleWith(func(a *[4]Value) []Value { return a[:] })
	}
	return &tupleV{Elems: make([]Value, n)}
}

// tupleWith allocates a tuple together with A, an array of its elements, which
// elems slices.
func tupleWith[A any](elems func(*A) []Value) *tupleV {
	p := new(struct {
		t tupleV
		a A
	})
	p.t.Elems = elems(&p.a)
	return &p.t
}

// unionSets is x \cup y, merged from their sorted elements rather than sorted again:
// a set extended by a few elements (S \cup {e}) costs a binary search per element.
func unionSets(x, y *setV) *setV {
	switch {
	case len(y.Elems) == 0:
		return x
	case len(x.Elems) == 0:
		return y
	}
	a, b := x.Elems, y.Elems
	if len(b) > len(a) {
		a, b = b, a
	}
	out := make([]Value, 0, len(a)+len(b))
	if len(b) <= len(a)/8 {
		for _, e := range b {
			i, found := slices.BinarySearchFunc(a, e, compare)
			out = append(out, a[:i]...)
			a = a[i:]
			if !found {
				out = append(out, e)
			}
		}
		return &setV{Elems: append(out, a...)}
	}
	for len(a) > 0 && len(b) > 0 {
		switch c := compare(a[0], b[0]); {
		case c < 0:
			out, a = append(out, a[0]), a[1:]
		case c > 0:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return &setV{Elems: append(append(out, a...), b...)}
}

// newFcn builds a canonical function from a sorted, duplicate-free domain.
func newFcn(dom, vals []Value) Value {
	if len(dom) == 0 {
		return emptyTuple
	}
	isTuple := true
	for i, d := range dom {
		if n, ok := d.(intV); !ok || int(n) != i+1 {
			isTuple = false
			break
		}
	}
	if isTuple {
		return &tupleV{Elems: vals}
	}
	isRec := true
	for _, d := range dom {
		if _, ok := d.(strV); !ok {
			isRec = false
			break
		}
	}
	if isRec {
		names := make([]string, len(dom))
		for i, d := range dom {
			names[i] = string(d.(strV))
		}
		return &recordV{Names: names, Vals: vals}
	}
	return &fcnV{Dom: dom, Vals: vals}
}

// newRecord builds a record from unsorted fields.
func newRecord(names []string, vals []Value) *recordV {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return names[idx[a]] < names[idx[b]] })
	r := &recordV{Names: make([]string, len(names)), Vals: make([]Value, len(names))}
	for i, k := range idx {
		r.Names[i] = names[k]
		r.Vals[i] = vals[k]
	}
	return r
}

// encode appends the canonical byte encoding of v; equal values encode equally.
func encode(buf []byte, v Value) []byte {
	switch x := v.(type) {
	case boolV:
		if x {
			return append(buf, 'T')
		}
		return append(buf, 'F')
	case intV:
		buf = append(buf, 'i')
		return binary.AppendVarint(buf, int64(x))
	case strV:
		buf = append(buf, 's')
		buf = binary.AppendUvarint(buf, uint64(len(x)))
		return append(buf, x...)
	case *modelV:
		buf = append(buf, 'm')
		return binary.AppendUvarint(buf, uint64(x.Idx))
	case *tupleV:
		buf = append(buf, 't')
		buf = binary.AppendUvarint(buf, uint64(len(x.Elems)))
		for _, e := range x.Elems {
			buf = encode(buf, e)
		}
		return buf
	case *recordV:
		buf = append(buf, 'r')
		buf = binary.AppendUvarint(buf, uint64(len(x.Names)))
		for i, n := range x.Names {
			buf = binary.AppendUvarint(buf, uint64(len(n)))
			buf = append(buf, n...)
			buf = encode(buf, x.Vals[i])
		}
		return buf
	case *fcnV:
		buf = append(buf, 'f')
		buf = binary.AppendUvarint(buf, uint64(len(x.Dom)))
		for i, d := range x.Dom {
			buf = encode(buf, d)
			buf = encode(buf, x.Vals[i])
		}
		return buf
	case *setV:
		buf = append(buf, 'S')
		buf = binary.AppendUvarint(buf, uint64(len(x.Elems)))
		for _, e := range x.Elems {
			buf = encode(buf, e)
		}
		return buf
	}
	panic(evalErrorf(pos{}, "cannot store a value of this kind in a state: %s", fmtValue(v)))
}

// decoder reads values back from their encoding.
type decoder struct {
	buf    []byte
	models []*modelV
	names  *recordNames // nil: every record gets names of its own
}

// recordNames gives the records a decoder builds one field-name list per shape
// (field names), shared: decoding allocates no names, and compareRecords sees at
// once that two records of one shape have the same fields.
type recordNames struct {
	byKey map[string][]string // the shape's encoded names -> the shared list
	key   []byte              // the names of the records being decoded, innermost last
}

// maxRecordShapes bounds recordNames: a spec whose records take their fields from
// data could have very many shapes, and those get names of their own.
const maxRecordShapes = 4096

// shared returns the list of the names encoded in key (uvarint length, then the
// name, for each field), adding it if there is room.
func (rn *recordNames) shared(key []byte) []string {
	if names, ok := rn.byKey[string(key)]; ok {
		return names
	}
	var names []string
	for k := key; len(k) > 0; {
		l, n := binary.Uvarint(k)
		names = append(names, string(k[n:n+int(l)]))
		k = k[n+int(l):]
	}
	if rn.byKey == nil {
		rn.byKey = map[string][]string{}
	}
	if len(rn.byKey) < maxRecordShapes {
		rn.byKey[string(key)] = names
	}
	return names
}

func (d *decoder) uvarint() uint64 {
	n, k := binary.Uvarint(d.buf)
	d.buf = d.buf[k:]
	return n
}

func (d *decoder) value() Value {
	tag := d.buf[0]
	d.buf = d.buf[1:]
	switch tag {
	case 'T':
		return boolV(true)
	case 'F':
		return boolV(false)
	case 'i':
		n, k := binary.Varint(d.buf)
		d.buf = d.buf[k:]
		return intV(n)
	case 's':
		n := d.uvarint()
		s := string(d.buf[:n])
		d.buf = d.buf[n:]
		return strV(s)
	case 'm':
		return d.models[d.uvarint()]
	case 't':
		n := d.uvarint()
		t := newTuple(int(n))
		for i := range t.Elems {
			t.Elems[i] = d.value()
		}
		return t
	case 'r':
		n := d.uvarint()
		if rn := d.names; rn != nil && n > 0 {
			r := &recordV{Vals: make([]Value, n)}
			// Values decoded in between append their own records' names after
			// these, and take them off again.
			start := len(rn.key)
			for i := range r.Vals {
				l := d.uvarint()
				rn.key = binary.AppendUvarint(rn.key, l)
				rn.key = append(rn.key, d.buf[:l]...)
				d.buf = d.buf[l:]
				r.Vals[i] = d.value()
			}
			r.Names = rn.shared(rn.key[start:])
			rn.key = rn.key[:start]
			return r
		}
		r := &recordV{Names: make([]string, n), Vals: make([]Value, n)}
		for i := range r.Names {
			l := d.uvarint()
			r.Names[i] = string(d.buf[:l])
			d.buf = d.buf[l:]
			r.Vals[i] = d.value()
		}
		return r
	case 'f':
		n := d.uvarint()
		f := &fcnV{Dom: make([]Value, n), Vals: make([]Value, n)}
		for i := range f.Dom {
			f.Dom[i] = d.value()
			f.Vals[i] = d.value()
		}
		return f
	case 'S':
		n := d.uvarint()
		s := &setV{Elems: make([]Value, n)}
		for i := range s.Elems {
			s.Elems[i] = d.value()
		}
		return s
	}
	panic("corrupt state encoding")
}

// fmtValue prints v as TLC does.
func fmtValue(v Value) string {
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

func writeValue(b *strings.Builder, v Value) {
	switch x := v.(type) {
	case boolV:
		if x {
			b.WriteString("TRUE")
		} else {
			b.WriteString("FALSE")
		}
	case intV:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case strV:
		b.WriteByte('"')
		for i := 0; i < len(x); i++ {
			switch c := x[i]; c {
			case '"':
				b.WriteString("\\\"")
			case '\\':
				b.WriteString("\\\\")
			case '\n':
				b.WriteString("\\n")
			case '\t':
				b.WriteString("\\t")
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
	case *modelV:
		b.WriteString(x.Name)
	case nil:
		b.WriteString("null")
	case *tupleV:
		b.WriteString("<<")
		for i, e := range x.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, e)
		}
		b.WriteString(">>")
	case *recordV:
		b.WriteString("[")
		for i, n := range x.Names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(n)
			b.WriteString(" |-> ")
			writeValue(b, x.Vals[i])
		}
		b.WriteString("]")
	case *fcnV:
		b.WriteString("(")
		for i, d := range x.Dom {
			if i > 0 {
				b.WriteString(" @@ ")
			}
			writeValue(b, d)
			b.WriteString(" :> ")
			writeValue(b, x.Vals[i])
		}
		b.WriteString(")")
	case *setV:
		b.WriteString("{")
		for i, e := range x.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, e)
		}
		b.WriteString("}")
	case *intervalV:
		b.WriteString(strconv.FormatInt(x.Lo, 10) + ".." + strconv.FormatInt(x.Hi, 10))
	case *fcnSetV:
		b.WriteString("[")
		writeValue(b, x.Dom)
		b.WriteString(" -> ")
		writeValue(b, x.Rng)
		b.WriteString("]")
	case *powerSetV:
		b.WriteString("SUBSET ")
		writeValue(b, x.Base)
	case *seqSetV:
		b.WriteString("Seq(")
		writeValue(b, x.Base)
		b.WriteString(")")
	case *infSetV:
		b.WriteString(x.Name)
	case *filterSetV:
		b.WriteString("{x \\in ")
		writeValue(b, x.base)
		b.WriteString(" : ...}")
	case *setOpV:
		writeValue(b, x.A)
		b.WriteString(" " + x.Op + " ")
		writeValue(b, x.B)
	case *recordSetV:
		b.WriteString("[")
		for i, n := range x.Names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(n + " : ")
			writeValue(b, x.Sets[i])
		}
		b.WriteString("]")
	case *productSetV:
		for i, s := range x.Sets {
			if i > 0 {
				b.WriteString(" \\X ")
			}
			writeValue(b, s)
		}
	case *lazyFcnV:
		b.WriteString(x.def.Name)
	case *closureV:
		b.WriteString("<operator>")
	default:
		b.WriteString("?")
	}
}
