package tla

import (
	"encoding/binary"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Value is a TLA+ value. Concrete types: BoolV, IntV, StrV, *ModelV, *TupleV, *RecordV,
// *FcnV, *SetV, and lazily represented sets and functions (*IntervalV, *FcnSetV,
// *PowerSetV, *RecordSetV, *ProductSetV, *SeqSetV, *InfSetV, *LazyFcnV) plus operator
// closures passed as arguments. Finite values stored in states are always canonical:
// sets sorted without duplicates, functions with domain 1..n as tuples, functions with a
// domain of strings as records.
type Value interface{}

// Fcn values in Def.fcnVal are *LazyFcnV.

// BoolV is a boolean.
type BoolV bool

// IntV is an integer. TLC uses 32-bit integers; 64 bits with overflow checks is enough.
type IntV int64

// StrV is a string.
type StrV string

// ModelV is a model value declared in the configuration.
type ModelV struct {
	Name string
	Idx  int
}

// TupleV is a tuple or sequence (a function with domain 1..n).
type TupleV struct{ Elems []Value }

// RecordV is a function whose domain is a non-empty set of strings, fields sorted.
type RecordV struct {
	Names []string
	Vals  []Value
}

// FcnV is any other finite function; Dom is sorted.
type FcnV struct {
	Dom  []Value
	Vals []Value
}

// SetV is a finite set, elements sorted and distinct.
type SetV struct{ Elems []Value }

// IntervalV is a..b.
type IntervalV struct{ Lo, Hi int64 }

// FcnSetV is [Dom -> Rng].
type FcnSetV struct {
	Dom, Rng Value
	memo     setMemo
}

// PowerSetV is SUBSET Base.
type PowerSetV struct {
	Base Value
	memo setMemo
}

// RecordSetV is [a : S, b : T].
type RecordSetV struct {
	Names []string
	Sets  []Value
	memo  setMemo
}

// ProductSetV is S \X T \X ...
type ProductSetV struct {
	Sets []Value
	memo setMemo
}

// SeqSetV is Seq(S), membership only.
type SeqSetV struct{ Base Value }

// SetOpV is S \cup T, S \cap T or S \ T kept symbolic because an operand is infinite
// (e.g. Nat \ {0}); membership works, enumeration only when the result is finite.
type SetOpV struct {
	Op   string
	A, B Value
}

// FilterSetV is {x \in S : P} over an infinite S, membership only.
type FilterSetV struct {
	base  Value
	b     Binder
	pred  Expr
	env   *env
	scope *scope
}

// InfSetV is Nat, Int or STRING, membership only.
type InfSetV struct{ Name string }

// LazyFcnV is a function definition f[x \in S] == e applied on demand, so recursive
// definitions work; it is materialized only when needed as a whole.
type LazyFcnV struct {
	def      *Def
	env      *env
	dom      Value
	domConst bool
	memo     map[string]Value
}

// closureV is an operator passed as an argument (a name or LAMBDA).
type closureV struct {
	def    *Def
	lambda *Lambda
	env    *env
	scope  *scope
	arity  int
	// LET-bound definitions: cached value and function value
	cache Value
	fcn   *LazyFcnV
}

var (
	emptySet   = &SetV{}
	emptyTuple = &TupleV{}
)

func typeRank(v Value) int {
	switch v.(type) {
	case BoolV:
		return 0
	case IntV:
		return 1
	case StrV:
		return 2
	case *ModelV:
		return 3
	case *TupleV:
		return 4
	case *RecordV:
		return 5
	case *FcnV:
		return 6
	case *SetV:
		return 7
	}
	return 8
}

// compare is a total order on canonical values. It agrees with TLC's order on integers,
// strings and model values (by declaration), which is what CHOOSE and printing expose.
func compare(a, b Value) int {
	// fast paths for the common element types
	switch x := a.(type) {
	case IntV:
		if y, ok := b.(IntV); ok {
			if x < y {
				return -1
			} else if x > y {
				return 1
			}
			return 0
		}
	case StrV:
		if y, ok := b.(StrV); ok {
			return strings.Compare(string(x), string(y))
		}
	case *ModelV:
		if y, ok := b.(*ModelV); ok {
			return x.Idx - y.Idx
		}
	}
	ra, rb := typeRank(a), typeRank(b)
	if ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case BoolV:
		y := b.(BoolV)
		if x == y {
			return 0
		}
		if !x {
			return -1
		}
		return 1
	case IntV:
		y := b.(IntV)
		if x < y {
			return -1
		} else if x > y {
			return 1
		}
		return 0
	case StrV:
		return strings.Compare(string(x), string(b.(StrV)))
	case *ModelV:
		return x.Idx - b.(*ModelV).Idx
	case *TupleV:
		return compareSeq(x.Elems, b.(*TupleV).Elems)
	case *RecordV:
		y := b.(*RecordV)
		if len(x.Names) != len(y.Names) {
			return len(x.Names) - len(y.Names)
		}
		for i := range x.Names {
			if c := strings.Compare(x.Names[i], y.Names[i]); c != 0 {
				return c
			}
		}
		return compareSeq(x.Vals, y.Vals)
	case *FcnV:
		y := b.(*FcnV)
		if c := compareSeq(x.Dom, y.Dom); c != 0 {
			return c
		}
		return compareSeq(x.Vals, y.Vals)
	case *SetV:
		return compareSeq(x.Elems, b.(*SetV).Elems)
	}
	return 0
}

// compareSeq orders value lists by length, then element by element.
func compareSeq(xs, ys []Value) int {
	if len(xs) != len(ys) {
		return len(xs) - len(ys)
	}
	for i := range xs {
		if c := compare(xs[i], ys[i]); c != 0 {
			return c
		}
	}
	return 0
}

// newSet builds a canonical set from canonical elements (it may reorder elems).
func newSet(elems []Value) *SetV {
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
		return &SetV{Elems: elems}
	}
	slices.SortFunc(elems, compare)
	out := elems[:1]
	for _, e := range elems[1:] {
		if compare(out[len(out)-1], e) != 0 {
			out = append(out, e)
		}
	}
	return &SetV{Elems: out}
}

// newFcn builds a canonical function from a sorted, duplicate-free domain.
func newFcn(dom, vals []Value) Value {
	if len(dom) == 0 {
		return emptyTuple
	}
	isTuple := true
	for i, d := range dom {
		if n, ok := d.(IntV); !ok || int(n) != i+1 {
			isTuple = false
			break
		}
	}
	if isTuple {
		return &TupleV{Elems: vals}
	}
	isRec := true
	for _, d := range dom {
		if _, ok := d.(StrV); !ok {
			isRec = false
			break
		}
	}
	if isRec {
		names := make([]string, len(dom))
		for i, d := range dom {
			names[i] = string(d.(StrV))
		}
		return &RecordV{Names: names, Vals: vals}
	}
	return &FcnV{Dom: dom, Vals: vals}
}

// newRecord builds a record from unsorted fields.
func newRecord(names []string, vals []Value) *RecordV {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return names[idx[a]] < names[idx[b]] })
	r := &RecordV{Names: make([]string, len(names)), Vals: make([]Value, len(names))}
	for i, k := range idx {
		r.Names[i] = names[k]
		r.Vals[i] = vals[k]
	}
	return r
}

// encode appends the canonical byte encoding of v; equal values encode equally.
func encode(buf []byte, v Value) []byte {
	switch x := v.(type) {
	case BoolV:
		if x {
			return append(buf, 'T')
		}
		return append(buf, 'F')
	case IntV:
		buf = append(buf, 'i')
		return binary.AppendVarint(buf, int64(x))
	case StrV:
		buf = append(buf, 's')
		buf = binary.AppendUvarint(buf, uint64(len(x)))
		return append(buf, x...)
	case *ModelV:
		buf = append(buf, 'm')
		return binary.AppendUvarint(buf, uint64(x.Idx))
	case *TupleV:
		buf = append(buf, 't')
		buf = binary.AppendUvarint(buf, uint64(len(x.Elems)))
		for _, e := range x.Elems {
			buf = encode(buf, e)
		}
		return buf
	case *RecordV:
		buf = append(buf, 'r')
		buf = binary.AppendUvarint(buf, uint64(len(x.Names)))
		for i, n := range x.Names {
			buf = binary.AppendUvarint(buf, uint64(len(n)))
			buf = append(buf, n...)
			buf = encode(buf, x.Vals[i])
		}
		return buf
	case *FcnV:
		buf = append(buf, 'f')
		buf = binary.AppendUvarint(buf, uint64(len(x.Dom)))
		for i, d := range x.Dom {
			buf = encode(buf, d)
			buf = encode(buf, x.Vals[i])
		}
		return buf
	case *SetV:
		buf = append(buf, 'S')
		buf = binary.AppendUvarint(buf, uint64(len(x.Elems)))
		for _, e := range x.Elems {
			buf = encode(buf, e)
		}
		return buf
	}
	panic(evalErrorf(Pos{}, "cannot store a value of this kind in a state: %s", fmtValue(v)))
}

// decoder reads values back from their encoding.
type decoder struct {
	buf    []byte
	models []*ModelV
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
		return BoolV(true)
	case 'F':
		return BoolV(false)
	case 'i':
		n, k := binary.Varint(d.buf)
		d.buf = d.buf[k:]
		return IntV(n)
	case 's':
		n := d.uvarint()
		s := string(d.buf[:n])
		d.buf = d.buf[n:]
		return StrV(s)
	case 'm':
		return d.models[d.uvarint()]
	case 't':
		n := d.uvarint()
		t := &TupleV{Elems: make([]Value, n)}
		for i := range t.Elems {
			t.Elems[i] = d.value()
		}
		return t
	case 'r':
		n := d.uvarint()
		r := &RecordV{Names: make([]string, n), Vals: make([]Value, n)}
		for i := range r.Names {
			l := d.uvarint()
			r.Names[i] = string(d.buf[:l])
			d.buf = d.buf[l:]
			r.Vals[i] = d.value()
		}
		return r
	case 'f':
		n := d.uvarint()
		f := &FcnV{Dom: make([]Value, n), Vals: make([]Value, n)}
		for i := range f.Dom {
			f.Dom[i] = d.value()
			f.Vals[i] = d.value()
		}
		return f
	case 'S':
		n := d.uvarint()
		s := &SetV{Elems: make([]Value, n)}
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
	case BoolV:
		if x {
			b.WriteString("TRUE")
		} else {
			b.WriteString("FALSE")
		}
	case IntV:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case StrV:
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
	case *ModelV:
		b.WriteString(x.Name)
	case nil:
		b.WriteString("null")
	case *TupleV:
		b.WriteString("<<")
		for i, e := range x.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, e)
		}
		b.WriteString(">>")
	case *RecordV:
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
	case *FcnV:
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
	case *SetV:
		b.WriteString("{")
		for i, e := range x.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, e)
		}
		b.WriteString("}")
	case *IntervalV:
		b.WriteString(strconv.FormatInt(x.Lo, 10) + ".." + strconv.FormatInt(x.Hi, 10))
	case *FcnSetV:
		b.WriteString("[")
		writeValue(b, x.Dom)
		b.WriteString(" -> ")
		writeValue(b, x.Rng)
		b.WriteString("]")
	case *PowerSetV:
		b.WriteString("SUBSET ")
		writeValue(b, x.Base)
	case *SeqSetV:
		b.WriteString("Seq(")
		writeValue(b, x.Base)
		b.WriteString(")")
	case *InfSetV:
		b.WriteString(x.Name)
	case *FilterSetV:
		b.WriteString("{x \\in ")
		writeValue(b, x.base)
		b.WriteString(" : ...}")
	case *SetOpV:
		writeValue(b, x.A)
		b.WriteString(" " + x.Op + " ")
		writeValue(b, x.B)
	case *RecordSetV:
		b.WriteString("[")
		for i, n := range x.Names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(n + " : ")
			writeValue(b, x.Sets[i])
		}
		b.WriteString("]")
	case *ProductSetV:
		for i, s := range x.Sets {
			if i > 0 {
				b.WriteString(" \\X ")
			}
			writeValue(b, s)
		}
	case *LazyFcnV:
		b.WriteString(x.def.Name)
	case *closureV:
		b.WriteString("<operator>")
	default:
		b.WriteString("?")
	}
}
