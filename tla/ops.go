package tla

import (
	"fmt"
	"math"
	"math/bits"
)

func isBuiltinOp(name string) bool {
	switch name {
	case "+", "-", "*", "^", "%", "\\div", "..", "<", ">", "<=", ">=", "\\o", ":>", "@@", "\\cup", "\\cap", "\\":
		return true
	}
	return false
}

// evalOp evaluates built-in operator applications.
func (c *evaluator) evalOp(x *opApp, en *env, sc *scope) Value {
	pos := x.pos()
	switch x.Op {
	case "=>":
		if !c.evalBool(x.Args[0], en, sc) {
			return boolV(true)
		}
		return boolV(c.evalBool(x.Args[1], en, sc))
	case "<=>":
		return boolV(c.evalBool(x.Args[0], en, sc) == c.evalBool(x.Args[1], en, sc))
	case "~":
		return boolV(!c.evalBool(x.Args[0], en, sc))
	case "=":
		return boolV(c.equal(c.eval(x.Args[0], en, sc), c.eval(x.Args[1], en, sc), pos))
	case "/=":
		return boolV(!c.equal(c.eval(x.Args[0], en, sc), c.eval(x.Args[1], en, sc), pos))
	case "\\in":
		return boolV(c.memberOf(c.eval(x.Args[0], en, sc), x.Args[1], en, sc, pos))
	case "\\notin":
		return boolV(!c.memberOf(c.eval(x.Args[0], en, sc), x.Args[1], en, sc, pos))
	case "-.":
		v := c.eval(x.Args[0], en, sc)
		n, ok := v.(intV)
		if !ok {
			if d := sc.lookup("-."); d != nil {
				return c.callValues(&closureV{def: d, scope: d.scope}, []Value{v}, pos)
			}
			throw(pos, "Attempted to negate the non-integer %s.", fmtValue(v))
		}
		return intV(-n)
	case "SUBSET":
		return &powerSetV{Base: c.eval(x.Args[0], en, sc)}
	case "UNION":
		if se, ok := x.Args[0].(*setEnum); ok && len(se.Elems) > 0 {
			// UNION {S, T} stays symbolic, as in TLC: membership in
			// UNION {[D -> SUBSET R]} must not enumerate the function set
			var acc Value
			for _, el := range se.Elems {
				v := c.eval(el, en, sc)
				if !isSetLike(v) {
					throw(pos, "Attempted to apply UNION to a set containing the non-set %s.", fmtValue(v))
				}
				if acc == nil {
					acc = v
				} else {
					acc = &setOpV{Op: "\\cup", A: acc, B: v}
				}
			}
			return acc
		}
		var out []Value
		for _, s := range c.enumerate(c.eval(x.Args[0], en, sc), pos) {
			out = append(out, c.enumerate(s, pos)...)
		}
		return newSet(append([]Value(nil), out...))
	case "DOMAIN":
		f := c.eval(x.Args[0], en, sc)
		if lf, ok := f.(*lazyFcnV); ok {
			return c.lazyDom(lf, pos)
		}
		if t, ok := f.(*tupleV); ok {
			return &intervalV{1, int64(len(t.Elems))} // without building 1..n
		}
		dom, _, ok := fcnParts(f)
		if !ok {
			throw(pos, "Attempted to apply DOMAIN to %s, which is not a function.", fmtValue(f))
		}
		return &setV{Elems: dom}
	case "ENABLED":
		return boolV(c.enabled(x.Args[0], en, sc))
	case "UNCHANGED":
		return boolV(c.unchangedHolds(x.Args[0], en, sc))
	case "[]", "<>", "~>", "-+->":
		throw(pos, "Temporal operator %s cannot be evaluated as a state or action predicate.", x.Op)
	case "\\X":
		sets := make([]Value, len(x.Args))
		for i, a := range x.Args {
			sets[i] = c.eval(a, en, sc)
		}
		return &productSetV{Sets: sets}
	case "\\subseteq":
		a, b := c.eval(x.Args[0], en, sc), c.eval(x.Args[1], en, sc)
		for _, e := range c.enumerate(a, pos) {
			if !c.member(e, b, pos) {
				return boolV(false)
			}
		}
		return boolV(true)
	case "\\subset":
		a, b := c.eval(x.Args[0], en, sc), c.eval(x.Args[1], en, sc)
		for _, e := range c.enumerate(a, pos) {
			if !c.member(e, b, pos) {
				return boolV(false)
			}
		}
		return boolV(!c.equal(a, b, pos))
	case "\\supseteq":
		a, b := c.eval(x.Args[0], en, sc), c.eval(x.Args[1], en, sc)
		for _, e := range c.enumerate(b, pos) {
			if !c.member(e, a, pos) {
				return boolV(false)
			}
		}
		return boolV(true)
	}
	// user-defined operator symbols take precedence over the built-in meaning only for
	// symbols the standard modules leave undefined.
	if len(x.Args) <= 2 && !isBuiltinOp(x.Op) {
		if d := sc.lookup(x.Op); d != nil {
			return c.applyDef(d, x.Args, pos, en, sc)
		}
	}
	if len(x.Args) == 2 {
		a := c.eval(x.Args[0], en, sc)
		b := c.eval(x.Args[1], en, sc)
		return c.binaryOp(x.Op, a, b, pos)
	}
	throw(pos, "Unknown operator: '%s'.", x.Op)
	return nil
}

func (c *evaluator) ints(op string, a, b Value, pos pos) (int64, int64) {
	x, ok1 := a.(intV)
	y, ok2 := b.(intV)
	if !ok1 || !ok2 {
		bad := a
		if ok1 {
			bad = b
		}
		throw(pos, "Attempted to apply the operator %s to a non-integer argument %s.", op, fmtValue(bad))
	}
	return int64(x), int64(y)
}

func overflow(pos pos, op string) {
	throw(pos, "Overflow when computing %s.", op)
}

func (c *evaluator) binaryOp(op string, a, b Value, pos pos) Value {
	switch op {
	case "+":
		x, y := c.ints(op, a, b, pos)
		s := x + y
		if (s > x) != (y > 0) {
			overflow(pos, "+")
		}
		return intV(s)
	case "-":
		x, y := c.ints(op, a, b, pos)
		s := x - y
		if (s < x) != (y > 0) {
			overflow(pos, "-")
		}
		return intV(s)
	case "*":
		x, y := c.ints(op, a, b, pos)
		hi, lo := bits.Mul64(uint64(abs64(x)), uint64(abs64(y)))
		if hi != 0 || lo > math.MaxInt64 {
			overflow(pos, "*")
		}
		return intV(x * y)
	case "^":
		x, y := c.ints(op, a, b, pos)
		if y < 0 {
			throw(pos, "Attempted to raise %d to the negative power %d.", x, y)
		}
		r := int64(1)
		for i := int64(0); i < y; i++ {
			hi, lo := bits.Mul64(uint64(abs64(r)), uint64(abs64(x)))
			if hi != 0 || lo > math.MaxInt64 {
				overflow(pos, "^")
			}
			r *= x
		}
		return intV(r)
	case "%":
		x, y := c.ints(op, a, b, pos)
		if y <= 0 {
			throw(pos, "The second argument of %% should be a positive number, but instead it is:\n%d", y)
		}
		m := x % y
		if m < 0 {
			m += y
		}
		return intV(m)
	case "\\div":
		x, y := c.ints(op, a, b, pos)
		if y == 0 {
			throw(pos, "The second argument of \\div is 0.")
		}
		q := x / y
		if (x%y != 0) && ((x < 0) != (y < 0)) {
			q--
		}
		return intV(q)
	case "..":
		x, y := c.ints(op, a, b, pos)
		return &intervalV{x, y}
	case "<":
		x, y := c.ints(op, a, b, pos)
		return boolV(x < y)
	case ">":
		x, y := c.ints(op, a, b, pos)
		return boolV(x > y)
	case "<=":
		x, y := c.ints(op, a, b, pos)
		return boolV(x <= y)
	case ">=":
		x, y := c.ints(op, a, b, pos)
		return boolV(x >= y)
	case "\\cup", "\\cap", "\\":
		if isInfinite(a) || isInfinite(b) {
			if !isSetLike(a) || !isSetLike(b) {
				throw(pos, "Attempted to apply %s to a non-set.", op)
			}
			return &setOpV{Op: op, A: a, B: b}
		}
	}
	switch op {
	case "\\cup":
		if x, ok := a.(*setV); ok {
			if y, ok := b.(*setV); ok {
				return unionSets(x, y)
			}
		}
		as, bs := c.enumerate(a, pos), c.enumerate(b, pos)
		out := make([]Value, 0, len(as)+len(bs))
		out = append(out, as...)
		out = append(out, bs...)
		return newSet(out)
	case "\\cap", "\\":
		// S \ {x} (a recursion's step) and S \cap T keep most of S: one allocation
		as := c.enumerate(a, pos)
		out := make([]Value, 0, len(as))
		keep := op == "\\cap"
		for _, e := range as {
			if c.member(e, b, pos) == keep {
				out = append(out, e)
			}
		}
		if len(out) == 0 {
			out = nil
		}
		return &setV{Elems: out}
	case "\\o":
		if sa, ok := a.(strV); ok {
			if sb, ok := b.(strV); ok {
				return sa + sb
			}
		}
		x, ok1 := c.canon(a, pos).(*tupleV)
		y, ok2 := c.canon(b, pos).(*tupleV)
		if !ok1 || !ok2 {
			throw(pos, "Attempted to concatenate %s and %s, which are not both sequences.", fmtValue(a), fmtValue(b))
		}
		elems := make([]Value, 0, len(x.Elems)+len(y.Elems))
		elems = append(elems, x.Elems...)
		elems = append(elems, y.Elems...)
		return &tupleV{Elems: elems}
	case ":>":
		return newFcn([]Value{c.canon(a, pos)}, []Value{c.canon(b, pos)})
	case "@@":
		d1, v1, ok1 := fcnParts(c.canon(a, pos))
		d2, v2, ok2 := fcnParts(c.canon(b, pos))
		if !ok1 || !ok2 {
			throw(pos, "Attempted to apply @@ to non-functions.")
		}
		dom := append(append([]Value(nil), d1...), d2...)
		vals := append(append([]Value(nil), v1...), v2...)
		return makeFcn(dom, vals)
	case "(+)", "(-)", "\\sqsubseteq":
		return c.bagOp(op, a, b, pos)
	}
	throw(pos, "Unknown operator: '%s'.", op)
	return nil
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// builtinFn implements a standard-module operator.
type builtinFn func(c *evaluator, args []Value, pos pos) Value

type builtinSpec struct {
	arity int
	fn    builtinFn
	// opParams marks operator parameters (e.g. SelectSeq's test)
	opParams []int
}

func (c *evaluator) seqArg(v Value, op string, pos pos) *tupleV {
	t, ok := c.canon(v, pos).(*tupleV)
	if !ok {
		throw(pos, "Attempted to apply %s to %s, which is not a sequence.", op, fmtValue(v))
	}
	return t
}

func (c *evaluator) cardinality(v Value, pos pos) int64 {
	switch s := v.(type) {
	case *setV:
		return int64(len(s.Elems))
	case *intervalV:
		if s.Hi < s.Lo {
			return 0
		}
		return s.Hi - s.Lo + 1
	case *powerSetV:
		n := c.cardinality(s.Base, pos)
		if n > 62 {
			overflow(pos, "Cardinality")
		}
		return 1 << n
	}
	return int64(len(c.enumerate(v, pos)))
}

// standardModules lists the operators each built-in standard module defines.
func standardModules() map[string]map[string]builtinSpec {
	nat := map[string]builtinSpec{
		"Nat": {0, func(c *evaluator, a []Value, p pos) Value { return &infSetV{"Nat"} }, nil},
	}
	ints := map[string]builtinSpec{
		"Nat": nat["Nat"],
		"Int": {0, func(c *evaluator, a []Value, p pos) Value { return &infSetV{"Int"} }, nil},
	}
	seqs := map[string]builtinSpec{
		"Seq": {1, func(c *evaluator, a []Value, p pos) Value { return &seqSetV{a[0]} }, nil},
		"Len": {1, func(c *evaluator, a []Value, p pos) Value {
			if s, ok := a[0].(strV); ok {
				return intV(len(s))
			}
			return intV(len(c.seqArg(a[0], "Len", p).Elems))
		}, nil},
		"Head": {1, func(c *evaluator, a []Value, p pos) Value {
			t := c.seqArg(a[0], "Head", p)
			if len(t.Elems) == 0 {
				throw(p, "Attempted to apply Head to the empty sequence.")
			}
			return t.Elems[0]
		}, nil},
		"Tail": {1, func(c *evaluator, a []Value, p pos) Value {
			t := c.seqArg(a[0], "Tail", p)
			if len(t.Elems) == 0 {
				throw(p, "Attempted to apply Tail to the empty sequence.")
			}
			return &tupleV{Elems: t.Elems[1:]}
		}, nil},
		"Append": {2, func(c *evaluator, a []Value, p pos) Value {
			t := c.seqArg(a[0], "Append", p)
			elems := make([]Value, len(t.Elems), len(t.Elems)+1)
			copy(elems, t.Elems)
			return &tupleV{Elems: append(elems, c.canon(a[1], p))}
		}, nil},
		"SubSeq": {3, func(c *evaluator, a []Value, p pos) Value {
			t := c.seqArg(a[0], "SubSeq", p)
			m, n := c.ints("SubSeq", a[1], a[2], p)
			if m > n {
				return emptyTuple
			}
			if m < 1 || n > int64(len(t.Elems)) {
				throw(p, "The second argument of SubSeq must be in the domain of its first argument:\n%s\n, but instead it is\n%d", fmtValue(t), m)
			}
			return &tupleV{Elems: t.Elems[m-1 : n]}
		}, nil},
		"SelectSeq": {2, func(c *evaluator, a []Value, p pos) Value {
			t := c.seqArg(a[0], "SelectSeq", p)
			cl, ok := a[1].(*closureV)
			if !ok {
				throw(p, "The second argument of SelectSeq must be an operator.")
			}
			var out []Value
			for _, e := range t.Elems {
				b, ok := c.callValues(cl, []Value{e}, p).(boolV)
				if !ok {
					throw(p, "SelectSeq's test did not return a boolean.")
				}
				if b {
					out = append(out, e)
				}
			}
			return &tupleV{Elems: out}
		}, []int{1}},
	}
	fin := map[string]builtinSpec{
		"IsFiniteSet": {1, func(c *evaluator, a []Value, p pos) Value {
			switch a[0].(type) {
			case *infSetV, *seqSetV:
				return boolV(false)
			}
			return boolV(true)
		}, nil},
		"Cardinality": {1, func(c *evaluator, a []Value, p pos) Value { return intV(c.cardinality(a[0], p)) }, nil},
	}
	tlc := map[string]builtinSpec{
		"Print": {2, func(c *evaluator, a []Value, p pos) Value {
			c.print(fmtValue(c.printable(a[0], p)) + "  " + fmtValue(c.printable(a[1], p)))
			return a[1]
		}, nil},
		"PrintT": {1, func(c *evaluator, a []Value, p pos) Value {
			c.print(fmtValue(c.printable(a[0], p)))
			return boolV(true)
		}, nil},
		"Assert": {2, func(c *evaluator, a []Value, p pos) Value {
			b, ok := a[0].(boolV)
			if !ok || !bool(b) {
				panic(&evalError{Pos: p, Code: 14, Kind: "assert",
					Msg: "The first argument of Assert evaluated to FALSE; the second argument was:\n" + fmtValue(a[1])})
			}
			return boolV(true)
		}, nil},
		"ToString": {1, func(c *evaluator, a []Value, p pos) Value { return strV(fmtValue(c.printable(a[0], p))) }, nil},
		"JavaTime": {0, func(c *evaluator, a []Value, p pos) Value { return intV(0) }, nil},
		"TLCGet": {1, func(c *evaluator, a []Value, p pos) Value {
			c.varReads++ // depends on the search, so definitions using it are not cached
			switch x := a[0].(type) {
			case strV:
				if x == "level" {
					return intV(c.level)
				}
				if x == "config" && c.p.tlcConfig != nil {
					return c.p.tlcConfig
				}
			case intV:
				if v, ok := c.registers[int64(x)]; ok {
					return v
				}
				throw(p, "TLCGet(%d) was not set by TLCSet.", x)
			}
			throw(p, "TLCGet(%s) is not supported.", fmtValue(a[0]))
			return nil
		}, nil},
		"TLCSet": {2, func(c *evaluator, a []Value, p pos) Value {
			c.effects++
			if i, ok := a[0].(intV); ok {
				if c.registers == nil {
					c.registers = map[int64]Value{}
				}
				c.registers[int64(i)] = a[1]
			}
			return boolV(true)
		}, nil},
		"RandomElement": {1, func(c *evaluator, a []Value, p pos) Value {
			return c.randomElement(a[0], p)
		}, nil},
		"Permutations": {1, func(c *evaluator, a []Value, p pos) Value {
			elems := c.enumerate(a[0], p)
			var out []Value
			permute(elems, func(perm []Value) {
				out = append(out, newFcn(elems, append([]Value(nil), perm...)))
			})
			return newSet(out)
		}, nil},
		"SortSeq": {2, func(c *evaluator, a []Value, p pos) Value {
			t := c.seqArg(a[0], "SortSeq", p)
			cl, ok := a[1].(*closureV)
			if !ok {
				throw(p, "The second argument of SortSeq must be an operator.")
			}
			elems := append([]Value(nil), t.Elems...)
			// insertion sort keeps it stable and calls the operator as TLC would
			for i := 1; i < len(elems); i++ {
				for j := i; j > 0 && bool(c.callValues(cl, []Value{elems[j], elems[j-1]}, p).(boolV)); j-- {
					elems[j], elems[j-1] = elems[j-1], elems[j]
				}
			}
			return &tupleV{Elems: elems}
		}, []int{1}},
		"Any": {0, func(c *evaluator, a []Value, p pos) Value {
			throw(p, "TLC's Any cannot be enumerated.")
			return nil
		}, nil},
	}
	bags := map[string]builtinSpec{
		"EmptyBag": {0, func(c *evaluator, a []Value, p pos) Value { return emptyTuple }, nil},
		"IsABag": {1, func(c *evaluator, a []Value, p pos) Value {
			_, vals, ok := fcnParts(c.canon(a[0], p))
			if !ok {
				return boolV(false)
			}
			for _, v := range vals {
				if n, ok := v.(intV); !ok || n <= 0 {
					return boolV(false)
				}
			}
			return boolV(true)
		}, nil},
		"SetToBag": {1, func(c *evaluator, a []Value, p pos) Value {
			dom := c.enumerate(a[0], p)
			vals := make([]Value, len(dom))
			for i := range vals {
				vals[i] = intV(1)
			}
			return newFcn(dom, vals)
		}, nil},
		"BagToSet": {1, func(c *evaluator, a []Value, p pos) Value {
			dom, _, _ := fcnParts(c.canon(a[0], p))
			return &setV{Elems: dom}
		}, nil},
		"BagIn": {2, func(c *evaluator, a []Value, p pos) Value {
			_, ok := c.tryApply(c.canon(a[1], p), c.canon(a[0], p))
			return boolV(ok)
		}, nil},
		"CopiesIn": {2, func(c *evaluator, a []Value, p pos) Value {
			v, ok := c.tryApply(c.canon(a[1], p), c.canon(a[0], p))
			if !ok {
				return intV(0)
			}
			return v
		}, nil},
		"BagCardinality": {1, func(c *evaluator, a []Value, p pos) Value {
			_, vals, _ := fcnParts(c.canon(a[0], p))
			var n int64
			for _, v := range vals {
				n += int64(v.(intV))
			}
			return intV(n)
		}, nil},
		"BagUnion": {1, func(c *evaluator, a []Value, p pos) Value {
			var acc Value = emptyTuple
			for _, b := range c.enumerate(a[0], p) {
				acc = c.bagOp("(+)", acc, b, p)
			}
			return acc
		}, nil},
		"SubBag": {1, func(c *evaluator, a []Value, p pos) Value {
			throw(p, "SubBag is not supported.")
			return nil
		}, nil},
		"BagOfAll": {2, func(c *evaluator, a []Value, p pos) Value {
			cl, ok := a[0].(*closureV)
			if !ok {
				throw(p, "The first argument of BagOfAll must be an operator.")
			}
			dom, vals, _ := fcnParts(c.canon(a[1], p))
			var acc Value = emptyTuple
			for i, d := range dom {
				acc = c.bagOp("(+)", acc, newFcn([]Value{c.canon(c.callValues(cl, []Value{d}, p), p)}, []Value{vals[i]}), p)
			}
			return acc
		}, []int{0}},
	}
	random := map[string]builtinSpec{
		"RandomSubset": {2, func(c *evaluator, a []Value, p pos) Value {
			k, ok := a[0].(intV)
			if !ok {
				throw(p, "The first argument of RandomSubset should be a nonnegative integer, but instead it is:\n%s", fmtValue(a[0]))
			}
			return c.randomSubset(int64(k), a[1], p)
		}, nil},
		"RandomSetOfSubsets": {3, func(c *evaluator, a []Value, p pos) Value {
			k, ok1 := a[0].(intV)
			n, ok2 := a[1].(intV)
			if !ok1 || !ok2 || n < 0 {
				throw(p, "The first two arguments of RandomSetOfSubsets should be nonnegative integers.")
			}
			prob := 0.0
			if size := c.cardinality(a[2], p); size > 0 {
				prob = float64(n) / float64(size)
			}
			return c.randomSetOfSubsets(int64(k), prob, a[2], p)
		}, nil},
	}
	unsupported := func(mod, name string) builtinFn {
		return func(c *evaluator, a []Value, p pos) Value {
			throw(p, "%s's %s is not supported by this checker.", mod, name)
			return nil
		}
	}
	// TLCExt: the operators that are plain functions of their values; the ones that
	// need the search's internals (Trace, PickSuccessor, ...) report that they are
	// not supported when evaluated, so a spec that only names them still checks.
	tlcExt := map[string]builtinSpec{
		"AssertEq": {2, func(c *evaluator, a []Value, p pos) Value {
			if c.equal(a[0], a[1], p) {
				return boolV(true)
			}
			c.print(fmtValue(c.printable(a[0], p)))
			c.print(fmtValue(c.printable(a[1], p)))
			return boolV(false)
		}, nil},
		"TLCNoOp":  {1, func(c *evaluator, a []Value, p pos) Value { return a[0] }, nil},
		"TLCCache": {2, func(c *evaluator, a []Value, p pos) Value { return a[0] }, nil},
	}
	for name, arity := range map[string]int{"AssertError": 2, "TLCGetOrDefault": 2, "Trace": 0,
		"CounterExample": 0, "ToTrace": 1, "TLCModelValue": 1, "TLCDefer": 1, "PickSuccessor": 1,
		"TLCFP": 1, "TLCEvalDefinition": 1} {
		tlcExt[name] = builtinSpec{arity, unsupported("TLCExt", name), nil}
	}
	tlcExt["TLCGetAndSet"] = builtinSpec{4, unsupported("TLCExt", "TLCGetAndSet"), []int{1}}
	json := map[string]builtinSpec{}
	for name, arity := range map[string]int{"ToJson": 1, "ToJsonArray": 1, "ToJsonObject": 1,
		"JsonSerialize": 2, "JsonDeserialize": 1, "ndJsonSerialize": 2, "ndJsonDeserialize": 1} {
		json[name] = builtinSpec{arity, unsupported("Json", name), nil}
	}
	return map[string]map[string]builtinSpec{
		"TLCExt": tlcExt, "Json": json,
		"Randomization": random,
		"Naturals":      nat, "Integers": ints, "Reals": ints, "Sequences": seqs, "FiniteSets": fin,
		"TLC": tlc, "Bags": bags,
		// TLAPS only names proof backends, which matter only in proofs (skipped here).
		"TLAPS": {},
	}
}

func (c *evaluator) bagOp(op string, a, b Value, pos pos) Value {
	d1, v1, ok1 := fcnParts(c.canon(a, pos))
	d2, v2, ok2 := fcnParts(c.canon(b, pos))
	if !ok1 || !ok2 {
		throw(pos, "Bag operator %s applied to non-bags.", op)
	}
	m := map[string]int{}
	var dom []Value
	var cnt []int64
	for i, d := range d1 {
		m[string(encode(nil, d))] = len(dom)
		dom = append(dom, d)
		cnt = append(cnt, int64(v1[i].(intV)))
	}
	if op == "\\sqsubseteq" {
		for i, d := range d1 {
			k := -1
			for j, e := range d2 {
				if compare(d, e) == 0 {
					k = j
				}
			}
			if k < 0 || int64(v2[k].(intV)) < cnt[i] {
				return boolV(false)
			}
		}
		return boolV(true)
	}
	for i, d := range d2 {
		n := int64(v2[i].(intV))
		if op == "(-)" {
			n = -n
		}
		if k, ok := m[string(encode(nil, d))]; ok {
			cnt[k] += n
		} else {
			dom = append(dom, d)
			cnt = append(cnt, n)
		}
	}
	var od, ov []Value
	for i, d := range dom {
		if cnt[i] > 0 {
			od = append(od, d)
			ov = append(ov, intV(cnt[i]))
		}
	}
	return makeFcn(od, ov)
}

func permute(elems []Value, fn func([]Value)) {
	perm := append([]Value(nil), elems...)
	var rec func(k int)
	rec = func(k int) {
		if k == len(perm) {
			fn(perm)
			return
		}
		for i := k; i < len(perm); i++ {
			perm[k], perm[i] = perm[i], perm[k]
			rec(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	rec(0)
}

func (c *evaluator) print(s string) {
	c.effects++
	if c.out != nil {
		fmt.Fprintln(c.out, s)
	}
}

// isInfinite reports whether a set value cannot be enumerated.
func isInfinite(v Value) bool {
	switch x := v.(type) {
	case *infSetV, *seqSetV:
		return true
	case *filterSetV:
		return isInfinite(x.base)
	case *setOpV:
		switch x.Op {
		case "\\cup":
			return isInfinite(x.A) || isInfinite(x.B)
		case "\\cap":
			return isInfinite(x.A) && isInfinite(x.B)
		default:
			return isInfinite(x.A)
		}
	case *powerSetV:
		return isInfinite(x.Base)
	case *fcnSetV:
		return isInfinite(x.Dom) || isInfinite(x.Rng)
	case *recordSetV:
		for _, s := range x.Sets {
			if isInfinite(s) {
				return true
			}
		}
	case *productSetV:
		for _, s := range x.Sets {
			if isInfinite(s) {
				return true
			}
		}
	}
	return false
}

// printable materializes finite lazy values, which TLC prints by their elements.
func (c *evaluator) printable(v Value, pos pos) Value {
	if isInfinite(v) {
		return v
	}
	switch v.(type) {
	case *fcnSetV, *powerSetV, *recordSetV, *productSetV, *setOpV, *lazyFcnV:
		return c.canon(v, pos) // TLC prints a..b as such

	}
	return v
}
