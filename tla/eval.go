package tla

import (
	"fmt"
	"io"
	"slices"
)

// evalError is an error raised while evaluating an expression. Code is TLC's exit code
// for it (255 for ordinary evaluation errors).
type evalError struct {
	Pos  pos
	Msg  string
	Code int
	Kind string // result violation kind: "eval" or "assert"
	Name string // invariant being evaluated, if any
}

func (e *evalError) Error() string { return e.Msg }

func evalErrorf(pos pos, format string, args ...any) *evalError {
	return &evalError{Pos: pos, Msg: fmt.Sprintf(format, args...), Code: 255, Kind: "eval"}
}

func throw(pos pos, format string, args ...any) {
	panic(evalErrorf(pos, format, args...))
}

// env is a linked list of local bindings (bound variables, parameters, LET definitions).
type env struct {
	name string
	val  Value
	next *env
}

func (e *env) bind(name string, v Value) *env { return &env{name: name, val: v, next: e} }

func (e *env) lookup(name string) (Value, bool) {
	for ; e != nil; e = e.next {
		if e.name == name {
			return e.val, true
		}
	}
	return nil, false
}

// scope is one module instance: its visible definitions.
type scope struct {
	name string
	defs map[string]*def
	prog *program
}

func (s *scope) lookup(name string) *def { return s.defs[name] }

// evaluator is the evaluation state: the current (and, for actions, next) state.
type evaluator struct {
	p        *program
	cur      []Value
	next     []Value
	primed   bool
	initMode bool
	varReads int
	out      io.Writer
	// action label tracking while enumerating successors
	label      *def
	labelArgs  []Value
	labelScope *scope
	actSpan    span
	level      int // TLCGet("level")
	// reads of primed variables (LET caching must not keep values that read them)
	primedReads int
	// evaluations whose outcome depends on when they run: printing, TLCSet, random
	// draws (a LET definition that made one is never kept as a constant)
	effects    int
	registers  map[int64]Value      // TLCSet/TLCGet registers
	sawThunk   bool                 // a by-name argument was followed (results depend on the call)
	freeNodes  freeList[env]        // parameter bindings that calls left free
	freeFrames freeList[letBinding] // LET frames that LETs left free
	split      bool                 // still splitting Next into actions the way TLC names them
	// RandomElement's generators (random.go)
	rngInit, rngState *javaRandom
	rngFor            []Value
	// args holds the arguments of the builtin calls in progress, innermost last
	// (applyDef); a call evaluated under it may grow it into a new array, and the
	// caller's slots stay valid in the old one.
	args []Value
}

func (c *evaluator) evalBool(e expr, en *env, sc *scope) bool {
	v := c.eval(e, en, sc)
	b, ok := v.(boolV)
	if !ok {
		throw(e.pos(), "A non-boolean expression (%s) was used as a condition.", fmtValue(v))
	}
	return bool(b)
}

// eval evaluates e in local environment en and module scope sc.
func (c *evaluator) eval(e expr, en *env, sc *scope) Value {
	switch x := e.(type) {
	case *numLit:
		if x.v == nil {
			x.v = intV(x.Val) // boxed once: converting to an interface allocates
		}
		return x.v
	case *strLit:
		if x.v == nil {
			x.v = strV(x.Val)
		}
		return x.v
	case *boolLit:
		return boolV(x.Val)
	case *ident:
		return c.evalIdent(x, en, sc)
	case *opApp:
		return c.evalOp(x, en, sc)
	case *junction:
		if x.And {
			for _, it := range x.Items {
				if !c.evalBool(it, en, sc) {
					return boolV(false)
				}
			}
			return boolV(true)
		}
		for _, it := range x.Items {
			if c.evalBool(it, en, sc) {
				return boolV(true)
			}
		}
		return boolV(false)
	case *ifThen:
		if c.evalBool(x.Cond, en, sc) {
			return c.eval(x.Then, en, sc)
		}
		return c.eval(x.Else, en, sc)
	case *caseExpr:
		for _, a := range x.Arms {
			if c.evalBool(a.Cond, en, sc) {
				return c.eval(a.Val, en, sc)
			}
		}
		if x.Other != nil {
			return c.eval(x.Other, en, sc)
		}
		panic(&evalError{Pos: x.pos(), Code: ExitUnassigned, Kind: "eval", Msg: "Attempted to evaluate a CASE with no conditions true."})
	case *let:
		frame := c.freeFrames.get(len(x.Defs))
		v := c.eval(x.Body, bindLetInto(frame, x, en, sc), sc)
		if keepsNoEnv(v) {
			c.freeFrames.put(frame)
		}
		return v
	case *quant:
		if len(x.Binders) == 1 && len(x.Binders[0].Names) == 1 && !x.Binders[0].Tuple && x.Binders[0].Set != nil {
			// common case without closures: \A x \in S : P
			b := x.Binders[0]
			node := &env{name: b.Names[0], next: en}
			for _, el := range c.iterate(c.eval(b.Set, en, sc), b.Set.pos()) {
				node.val = el
				if c.evalBool(x.Body, node, sc) != x.Forall {
					return boolV(!x.Forall)
				}
			}
			return boolV(x.Forall)
		}
		res := x.Forall
		c.forBinders(x.Binders, en, sc, func(en2 *env) bool {
			b := c.evalBool(x.Body, en2, sc)
			if b != x.Forall {
				res = b
				return true
			}
			return false
		})
		return boolV(res)
	case *choose:
		if x.B.Set == nil {
			throw(x.pos(), "Attempted to evaluate an unbounded CHOOSE; TLC cannot do this (give the definition a model value in the configuration).")
		}
		var found Value
		c.forBinders([]binder{x.B}, en, sc, func(en2 *env) bool {
			if c.evalBool(x.Body, en2, sc) {
				found = c.bindersValue(x.B, en2)
				return true
			}
			return false
		})
		if found == nil {
			throw(x.pos(), "Attempted to compute the value of an expression of form\nCHOOSE x \\in S: P, but no element of S satisfied P.")
		}
		return found
	case *setEnum:
		elems := make([]Value, len(x.Elems))
		for i, el := range x.Elems {
			elems[i] = c.canon(c.eval(el, en, sc), el.pos())
		}
		return newSet(elems)
	case *setFilter:
		set := c.eval(x.B.Set, en, sc)
		if isInfinite(set) {
			// {n \in Nat : P} is kept symbolic: membership only
			return &filterSetV{base: set, b: x.B, pred: x.Pred, env: en, scope: sc}
		}
		var out []Value
		if !x.B.Tuple {
			// One binding, rebound per element, as \A and \E do: the predicate's
			// value is a Boolean, so nothing it builds keeps the binding.
			node := &env{name: x.B.Names[0], next: en}
			c.each(set, x.pos(), func(el Value) bool {
				node.val = el
				if c.evalBool(x.Pred, node, sc) {
					out = append(out, el)
				}
				return false
			})
			return &setV{Elems: out}
		}
		c.each(set, x.pos(), func(el Value) bool {
			en2, ok := bindPattern(x.B, el, en)
			if !ok {
				throw(x.pos(), "Cannot match %s against a tuple pattern.", fmtValue(el))
			}
			if c.evalBool(x.Pred, en2, sc) {
				out = append(out, el)
			}
			return false
		})
		return &setV{Elems: out}
	case *setMap:
		var out []Value
		c.forBinders(x.Binders, en, sc, func(en2 *env) bool {
			out = append(out, c.canon(c.eval(x.Elem, en2, sc), x.pos()))
			return false
		})
		return newSet(out)
	case *tupleLit:
		if len(x.Elems) == 0 {
			return emptyTuple
		}
		t := newTuple(len(x.Elems))
		for i, el := range x.Elems {
			t.Elems[i] = c.canon(c.eval(el, en, sc), el.pos())
		}
		return t
	case *fcnCons:
		return c.fcnCons(x.Binders, x.Body, en, sc, x.pos())
	case *fcnSet:
		return &fcnSetV{Dom: c.eval(x.Dom, en, sc), Rng: c.eval(x.Rng, en, sc)}
	case *recordLit:
		vals := make([]Value, len(x.Vals))
		for i, v := range x.Vals {
			vals[i] = c.canon(c.eval(v, en, sc), v.pos())
		}
		return newRecord(x.Names, vals)
	case *recordSet:
		sets := make([]Value, len(x.Sets))
		for i, s := range x.Sets {
			sets[i] = c.eval(s, en, sc)
		}
		r := newRecord(x.Names, sets)
		return &recordSetV{Names: r.Names, Sets: r.Vals}
	case *except:
		f := c.eval(x.Fcn, en, sc)
		for _, u := range x.Updates {
			keys := make([]Value, len(u.Path))
			for i, k := range u.Path {
				keys[i] = c.canon(c.eval(k, en, sc), k.pos())
			}
			f = c.except(f, keys, u.Val, en, sc, x.pos())
		}
		return f
	case *fcnApp:
		f := c.eval(x.Fcn, en, sc)
		return c.apply(f, c.fcnArg(x, en, sc), x.pos())
	case *dot:
		r := c.eval(x.Rec, en, sc)
		return c.apply(r, x.field, x.pos())
	case *prime:
		if c.next == nil && !c.primed {
			throw(x.pos(), "Attempted to evaluate a primed expression in a state predicate.")
		}
		if c.primed {
			throw(x.pos(), "Double priming is not allowed.")
		}
		// no defer: an error aborts the whole evaluation, so c.primed need not be restored
		c.primed = true
		v := c.eval(x.X, en, sc)
		c.primed = false
		return v
	case *actionBox:
		if x.Angle {
			return boolV(c.evalBool(x.A, en, sc) && !c.unchangedHolds(x.Sub, en, sc))
		}
		return boolV(c.evalBool(x.A, en, sc) || c.unchangedHolds(x.Sub, en, sc))
	case *at:
		v, ok := en.lookup("@")
		if !ok {
			throw(x.pos(), "@ used outside EXCEPT.")
		}
		return v
	case *lambda:
		return &closureV{lambda: x, env: en, scope: sc, arity: len(x.Params)}
	case *fairness:
		throw(x.pos(), "Fairness formulas cannot be evaluated as values.")
	}
	throw(e.pos(), "cannot evaluate expression")
	return nil
}

func (c *evaluator) unchangedHolds(sub expr, en *env, sc *scope) bool {
	if c.next == nil {
		throw(sub.pos(), "UNCHANGED evaluated without a next state.")
	}
	a := c.eval(sub, en, sc)
	c.primed = true
	b := c.eval(sub, en, sc)
	c.primed = false
	return c.equal(a, b, sub.pos())
}

func (c *evaluator) bindLet(l *let, en *env, sc *scope) *env {
	// one allocation for every definition's binding and closure
	return bindLetInto(make([]letBinding, len(l.Defs)), l, en, sc)
}

// bindLetInto binds l's definitions in bs, one per definition.
func bindLetInto(bs []letBinding, l *let, en *env, sc *scope) *env {
	for i, d := range l.Defs {
		d.scope = sc
		b := &bs[i]
		b.cl = closureV{def: d, scope: sc, arity: len(d.Params)}
		b.node = env{name: d.Name, val: &b.cl, next: en}
		en = &b.node
		b.cl.env = en
	}
	return en
}

// letBinding is a LET definition's environment node and closure.
type letBinding struct {
	node env
	cl   closureV
}

// bindPattern binds a binder's names to v.
func bindPattern(b binder, v Value, en *env) (*env, bool) {
	if !b.Tuple {
		return en.bind(b.Names[0], v), true
	}
	t, ok := v.(*tupleV)
	if !ok || len(t.Elems) != len(b.Names) {
		return en, false
	}
	for i, n := range b.Names {
		en = en.bind(n, t.Elems[i])
	}
	return en, true
}

func (c *evaluator) bindersValue(b binder, en *env) Value {
	if !b.Tuple {
		v, _ := en.lookup(b.Names[0])
		return v
	}
	elems := make([]Value, len(b.Names))
	for i, n := range b.Names {
		elems[i], _ = en.lookup(n)
	}
	return &tupleV{Elems: elems}
}

// forBinders calls fn for every binding of the binders, in TLC's order (first binder
// outermost). fn returns true to stop.
func (c *evaluator) forBinders(bs []binder, en *env, sc *scope, fn func(*env) bool) bool {
	if len(bs) == 1 && !bs[0].Tuple && len(bs[0].Names) == 1 && bs[0].Set != nil {
		// the common case, without the general machinery's allocations
		b := bs[0]
		elems := c.iterate(c.eval(b.Set, en, sc), b.Set.pos())
		node := &env{name: b.Names[0], next: en}
		for _, el := range elems {
			node.val = el
			if fn(node) {
				return true
			}
		}
		return false
	}
	// flatten x, y \in S into separate binders
	var flat []binder
	for _, b := range bs {
		if !b.Tuple && len(b.Names) > 1 {
			for _, n := range b.Names {
				flat = append(flat, binder{Names: []string{n}, Set: b.Set})
			}
			continue
		}
		flat = append(flat, b)
	}
	var rec func(i int, en *env) bool
	rec = func(i int, en *env) bool {
		if i == len(flat) {
			return fn(en)
		}
		b := flat[i]
		if b.Set == nil {
			throw(pos{}, "TLC cannot evaluate an unbounded quantifier over %s.", b.Names[0])
		}
		set := c.eval(b.Set, en, sc)
		elems := c.iterate(set, b.Set.pos())
		if !b.Tuple {
			// One binding node reused for every element: bodies never keep the
			// environment beyond one iteration (values are canonicalized immediately).
			node := &env{name: b.Names[0], next: en}
			for _, el := range elems {
				node.val = el
				if rec(i+1, node) {
					return true
				}
			}
			return false
		}
		for _, el := range elems {
			en2, ok := bindPattern(b, el, en)
			if !ok {
				throw(b.Set.pos(), "Cannot match %s against a tuple of %d names.", fmtValue(el), len(b.Names))
			}
			if rec(i+1, en2) {
				return true
			}
		}
		return false
	}
	return rec(0, en)
}

// evalIdent resolves and evaluates a name.
func (c *evaluator) evalIdent(x *ident, en *env, sc *scope) Value {
	if x.Sel != nil {
		sub, en2, sc2 := c.selectSub(x, en, sc)
		return c.eval(sub, en2, sc2)
	}
	if x.Prefix != nil {
		isc := c.instanceScope(x, en, sc)
		d := isc.lookup(x.Name)
		if d == nil || d.Local {
			throw(x.pos(), "Unknown operator: '%s'.", x.Name)
		}
		return c.applyDef(d, x.Args, x.pos(), en, sc)
	}
	if x.kind != identGlobal {
		if v, ok := en.lookup(x.Name); ok {
			x.kind = identLocal
			if cl, ok := v.(*closureV); ok && (x.Args != nil || cl.arity == 0) {
				return c.applyClosure(cl, x.Args, x.pos(), en, sc)
			}
			if th, ok := v.(*thunkV); ok {
				return c.eval(th.expr, th.env, th.scope)
			}
			if x.Args != nil {
				throw(x.pos(), "%s is not an operator.", x.Name)
			}
			return v
		}
		if x.kind == identLocal {
			throw(x.pos(), "Unknown operator: '%s'.", x.Name)
		}
		d := sc.lookup(x.Name)
		if d == nil {
			throw(x.pos(), "Unknown operator: '%s'.", x.Name)
		}
		x.def = d
		x.kind = identGlobal
	}
	return c.applyDef(x.def, x.Args, x.pos(), en, sc)
}

// instanceScope returns the scope M!... refers to.
func (c *evaluator) instanceScope(x *ident, en *env, sc *scope) *scope {
	cur := sc
	for i, ref := range x.Prefix {
		var d *def
		if i == 0 {
			// LET M == INSTANCE N IN ... M!Op
			if v, ok := en.lookup(ref.Name); ok {
				if cl, ok := v.(*closureV); ok && cl.def != nil && cl.def.Kind == defInstance {
					d = cl.def
				}
			}
		}
		if d == nil {
			d = cur.lookup(ref.Name)
		}
		if d == nil || d.Kind != defInstance {
			throw(x.pos(), "Unknown instance: '%s'.", ref.Name)
		}
		if len(d.inst.Params) > 0 {
			if len(ref.Args) != len(d.inst.Params) {
				throw(x.pos(), "The instance %s requires %d arguments.", ref.Name, len(d.inst.Params))
			}
			vals := make([]Value, len(ref.Args))
			var penv *env
			for i, a := range ref.Args {
				vals[i] = c.canon(c.eval(a, en, sc), a.pos())
				penv = penv.bind(d.inst.Params[i].Name, vals[i])
			}
			cur = c.p.paramInstScope(d, cur, penv, vals)
			continue
		}
		cur = c.p.instScope(d, cur)
	}
	return cur
}

func (c *evaluator) argValues(args []expr, params []param, en *env, sc *scope) []Value {
	vals := make([]Value, len(args))
	c.evalArgsInto(vals, args, params, en, sc)
	return vals
}

// evalArgsInto evaluates args into vals (of the same length).
func (c *evaluator) evalArgsInto(vals []Value, args []expr, params []param, en *env, sc *scope) {
	for i, a := range args {
		if i < len(params) && params[i].Arity > 0 {
			vals[i] = c.opArg(a, params[i].Arity, en, sc)
			continue
		}
		vals[i] = c.eval(a, en, sc)
	}
}

// opArg evaluates an argument passed for an operator parameter.
func (c *evaluator) opArg(a expr, arity int, en *env, sc *scope) Value {
	switch x := a.(type) {
	case *lambda:
		return &closureV{lambda: x, env: en, scope: sc, arity: len(x.Params)}
	case *ident:
		if x.Args == nil {
			if x.Prefix == nil {
				if v, ok := en.lookup(x.Name); ok {
					return v
				}
				if d := sc.lookup(x.Name); d != nil {
					return &closureV{def: d, scope: d.scope, arity: len(d.Params)}
				}
				if isBuiltinOp(x.Name) {
					return &closureV{def: &def{Name: x.Name, Kind: defBuiltin, Params: make([]param, 2)}, arity: 2}
				}
			} else {
				isc := c.instanceScope(x, en, sc)
				if d := isc.lookup(x.Name); d != nil {
					return &closureV{def: d, scope: d.scope, arity: len(d.Params)}
				}
			}
		}
	}
	return c.eval(a, en, sc)
}

func (c *evaluator) applyClosure(cl *closureV, args []expr, pos pos, en *env, sc *scope) Value {
	if cl.lambda != nil {
		if len(args) != len(cl.lambda.Params) {
			throw(pos, "LAMBDA expects %d arguments", len(cl.lambda.Params))
		}
		en2 := cl.env
		for i, a := range args {
			en2 = en2.bind(cl.lambda.Params[i], c.eval(a, en, sc))
		}
		return c.eval(cl.lambda.Body, en2, cl.scope)
	}
	d := cl.def
	if d.Kind == defBuiltin && d.builtin == nil {
		vals := c.argValues(args, nil, en, sc)
		return c.binaryOp(d.Name, vals[0], vals[1], pos)
	}
	if cl.env == nil && d.Kind != defOp && d.Kind != defFcn {
		return c.applyDef(d, args, pos, en, sc)
	}
	if d.Kind == defFcn {
		if args != nil {
			throw(pos, "%s is a function; apply it with [ ]", d.Name)
		}
		// one function value per LET evaluation, so recursive calls share its memo
		if cl.fcn == nil {
			cl.fcn = &lazyFcnV{def: d, env: cl.env}
		}
		return cl.fcn
	}
	if len(args) != len(d.Params) {
		throw(pos, "The operator %s requires %d arguments.", d.Name, len(d.Params))
	}
	if len(d.Params) == 0 && cl.env != nil && !c.primed && !c.initMode {
		// A LET definition is evaluated at most once per LET evaluation, as
		// TLC's lazy values are, unless it reads primed variables (which later
		// conjuncts or other disjuncts may assign differently).
		if cl.cache != nil {
			return cl.cache
		}
		if d.letConst != nil && d.letConstScope == cl.scope {
			return d.letConst
		}
		before, reads, effects := c.primedReads, c.varReads, c.effects
		v := c.eval(d.Body, cl.env, cl.scope)
		if c.primedReads == before {
			cl.cache = v
			if !d.letOpen && c.varReads == reads && c.effects == effects {
				c.keepLetConst(cl, v)
			}
		}
		return v
	}
	vals := c.argValues(args, d.Params, en, sc)
	en2 := cl.env
	for i, p := range d.Params {
		en2 = en2.bind(p.Name, vals[i])
	}
	return c.eval(d.Body, en2, cl.scope)
}

// keepLetConst keeps v, the value of cl's LET definition (no parameters) computed
// without reading the state or doing anything whose outcome depends on when it runs,
// as the definition's value in every later evaluation of the LET in the same scope,
// provided the body names nothing bound around it: such a definition is a constant
// (nbrs == {-1, 0, 1} \X {-1, 0, 1} inside an operator called for every cell of
// every state), which TLC recomputes each time. A value that still refers to an
// environment (a lazy function, a filter of an infinite set) is not kept: the LET's
// frame is reused once it returns.
func (c *evaluator) keepLetConst(cl *closureV, v Value) {
	d := cl.def
	if !plainValue(v) || mentionsLocal(d.Body, cl.env) {
		d.letOpen = true
		return
	}
	d.letConst, d.letConstScope = v, cl.scope
}

// mentionsLocal reports whether e names a binding of en (a parameter, a bound
// variable, a LET definition) or @, or uses a positional selector (which this does
// not follow), so that its value may depend on where it is evaluated. A name that e
// binds itself and en also binds counts as a mention: that errs on the safe side.
func mentionsLocal(e expr, en *env) bool {
	switch x := e.(type) {
	case nil:
		return false
	case *at:
		return true
	case *ident:
		if x.Sel != nil {
			return true
		}
		if _, ok := en.lookup(x.Name); ok {
			return true
		}
		for _, r := range x.Prefix {
			if _, ok := en.lookup(r.Name); ok {
				return true
			}
		}
	case *let:
		for _, d := range x.Defs {
			if d.Kind == defInstance || mentionsLocal(d.Body, en) {
				return true
			}
			for _, b := range d.Binders {
				if mentionsLocal(b.Set, en) {
					return true
				}
			}
		}
	}
	return anySub(e, func(sub expr) bool { return mentionsLocal(sub, en) })
}

// plainValue reports whether v is made of values only, with no environment, operator
// or expression in it.
func plainValue(v Value) bool {
	all := func(vs []Value) bool {
		for _, x := range vs {
			if !plainValue(x) {
				return false
			}
		}
		return true
	}
	switch x := v.(type) {
	case boolV, intV, strV, *modelV, *intervalV, *infSetV:
		return true
	case *tupleV:
		return all(x.Elems)
	case *recordV:
		return all(x.Vals)
	case *setV:
		return all(x.Elems)
	case *fcnV:
		return all(x.Dom) && all(x.Vals)
	case *fcnSetV:
		return plainValue(x.Dom) && plainValue(x.Rng)
	case *powerSetV:
		return plainValue(x.Base)
	case *recordSetV:
		return all(x.Sets)
	case *productSetV:
		return all(x.Sets)
	case *seqSetV:
		return plainValue(x.Base)
	case *setOpV:
		return plainValue(x.A) && plainValue(x.B)
	}
	return false
}

// callValues applies an operator closure to already evaluated arguments.
func (c *evaluator) callValues(cl *closureV, vals []Value, pos pos) Value {
	if cl.lambda != nil {
		en2 := cl.env
		for i, v := range vals {
			en2 = en2.bind(cl.lambda.Params[i], v)
		}
		return c.eval(cl.lambda.Body, en2, cl.scope)
	}
	d := cl.def
	switch d.Kind {
	case defBuiltin:
		if d.builtin == nil {
			return c.binaryOp(d.Name, vals[0], vals[1], pos)
		}
		return d.builtin(c, vals, pos)
	case defOp:
		en2 := cl.env
		for i, p := range d.Params {
			en2 = en2.bind(p.Name, vals[i])
		}
		return c.eval(d.Body, en2, d.scope)
	}
	throw(pos, "cannot apply %s", d.Name)
	return nil
}

func (c *evaluator) applyDef(d *def, args []expr, pos pos, en *env, sc *scope) Value {
	switch d.Kind {
	case defVar:
		if args != nil {
			throw(pos, "variable %s applied to arguments", d.Name)
		}
		c.varReads++
		if c.primed {
			c.primedReads++
			v := c.next[d.varIdx]
			if v == nil {
				throw(pos, "The variable %s' was used before it was assigned a value.", d.Name)
			}
			return v
		}
		v := c.cur[d.varIdx]
		if v == nil {
			throw(pos, "The variable %s was used before it was assigned a value.", d.Name)
		}
		return v
	case defConst:
		if d.cacheSet {
			if args != nil {
				if cl, ok := d.cached.(*closureV); ok {
					return c.applyClosure(cl, args, pos, en, sc)
				}
			}
			return d.cached
		}
		throw(pos, "The constant parameter %s is not assigned a value by the configuration file.", d.Name)
	case defSubst:
		if d.Body == nil {
			return d.cached
		}
		if args != nil {
			if cl, ok := c.eval(d.Body, d.substEnv, d.scope).(*closureV); ok {
				return c.applyClosure(cl, args, pos, en, sc)
			}
		}
		return c.eval(d.Body, d.substEnv, d.scope)
	case defBuiltin:
		if args == nil && len(d.Params) > 0 {
			return &closureV{def: d, arity: len(d.Params)}
		}
		if len(args) != len(d.Params) {
			throw(pos, "The operator %s requires %d arguments.", d.Name, len(d.Params))
		}
		// The arguments go in slots of c.args: no builtin keeps its argument slice
		// (only the values in it), so each call's slots are free once it returns.
		base := len(c.args)
		c.args = slices.Grow(c.args, len(args))[:base+len(args)]
		vals := c.args[base:]
		c.evalArgsInto(vals, args, d.Params, en, sc)
		v := d.builtin(c, vals, pos)
		clear(vals)
		c.args = c.args[:base]
		return v
	case defFcn:
		if args != nil {
			throw(pos, "%s is a function; apply it with [ ]", d.Name)
		}
		if d.fcnVal == nil {
			d.fcnVal = &lazyFcnV{def: d}
		}
		return d.fcnVal
	case defInstance:
		throw(pos, "instance %s used as a value", d.Name)
	}
	// defOp
	if len(d.Params) == 0 {
		if len(args) > 0 {
			throw(pos, "The operator %s requires 0 arguments.", d.Name)
		}
		if d.cacheSet {
			return d.cached
		}
		if d.noCache || c.primed {
			return c.eval(d.Body, nil, d.scope)
		}
		before := c.varReads
		v := c.eval(d.Body, nil, d.scope)
		if c.varReads == before {
			d.cached, d.cacheSet = v, true
		} else {
			d.noCache = true
		}
		return v
	}
	if args == nil {
		return &closureV{def: d, scope: d.scope, arity: len(d.Params)}
	}
	if len(args) != len(d.Params) {
		throw(pos, "The operator %s requires %d arguments.", d.Name, len(d.Params))
	}
	// one allocation for all parameter bindings, the arguments evaluated into them
	nodes := c.freeNodes.get(len(d.Params))
	var en2 *env
	for i, p := range d.Params {
		var v Value
		if p.Arity > 0 {
			v = c.opArg(args[i], p.Arity, en, sc)
		} else {
			v = c.eval(args[i], en, sc)
		}
		nodes[i] = env{name: p.Name, val: v, next: en2}
		en2 = &nodes[i]
	}
	v := c.eval(d.Body, en2, d.scope)
	if keepsNoEnv(v) {
		c.freeNodes.put(nodes)
	}
	return v
}

// keepsNoEnv reports whether v, the value of an operator call or a LET, certainly
// refers to no environment, so that nothing refers to the call's bindings or the
// LET's frame once it returns: only the value leaves them, and a lazy value that
// keeps an environment (a filter of an infinite set, a recursive function, an
// operator) is never a Boolean, integer, string or model value.
func keepsNoEnv(v Value) bool {
	switch v.(type) {
	case boolV, intV, strV, *modelV:
		return true
	}
	return false
}

// maxPooledParams is the largest number of parameters, or of LET definitions,
// whose bindings are reused.
const maxPooledParams = 4

// freeList keeps, by length up to maxPooledParams, slices that nothing refers to
// any more, for the next call or LET of that length.
type freeList[T any] [maxPooledParams + 1][][]T

// get returns a slice of n zero elements, reused where one is free.
func (f *freeList[T]) get(n int) []T {
	if n <= maxPooledParams {
		if free := f[n]; len(free) > 0 {
			s := free[len(free)-1]
			f[n] = free[:len(free)-1]
			return s
		}
	}
	return make([]T, n)
}

// put gives back s, which nothing may refer to any more.
func (f *freeList[T]) put(s []T) {
	if n := len(s); n <= maxPooledParams {
		clear(s) // keep no value alive, and no cached value for the next user
		f[n] = append(f[n], s)
	}
}

// canon materializes lazily represented values so they can be stored and compared.
func (c *evaluator) canon(v Value, pos pos) Value {
	switch x := v.(type) {
	case boolV, intV, strV, *modelV, *tupleV, *recordV, *fcnV, *setV:
		return v
	case *intervalV, *fcnSetV, *powerSetV, *recordSetV, *productSetV, *setOpV:
		return &setV{Elems: c.enumerate(x, pos)}
	case *lazyFcnV:
		dom := c.enumerate(c.lazyDom(x, pos), pos)
		vals := make([]Value, len(dom))
		for i, d := range dom {
			vals[i] = c.canon(c.apply(x, d, pos), pos)
		}
		return newFcn(dom, vals)
	case *seqSetV, *infSetV:
		throw(pos, "Attempted to enumerate the infinite set %s.", fmtValue(v))
	case *closureV:
		throw(pos, "An operator cannot be used as a value.")
	}
	return v
}

// equal is TLC's value equality; comparing values of incompatible basic types is an error.
func (c *evaluator) equal(a, b Value, pos pos) bool {
	switch x := a.(type) {
	case intV:
		if y, ok := b.(intV); ok {
			return x == y
		}
	case strV:
		if y, ok := b.(strV); ok {
			return x == y
		}
	case boolV:
		if y, ok := b.(boolV); ok {
			return x == y
		}
	}
	ra, rb := typeRank(a), typeRank(b)
	if ra < 3 && rb < 3 && ra != rb {
		throw(pos, "Attempted to check equality of %s with %s.", fmtValue(a), fmtValue(b))
	}
	if ra == 8 || rb == 8 {
		if isSetLike(a) && isSetLike(b) {
			if fa, ok := a.(*intervalV); ok {
				if fb, ok := b.(*intervalV); ok {
					return (fa.Lo > fa.Hi && fb.Lo > fb.Hi) || (fa.Lo == fb.Lo && fa.Hi == fb.Hi)
				}
			}
			if ia, ok := a.(*infSetV); ok {
				if ib, ok := b.(*infSetV); ok {
					return ia.Name == ib.Name
				}
				return false
			}
			if _, ok := b.(*infSetV); ok {
				return false
			}
		}
		a, b = c.canon(a, pos), c.canon(b, pos)
	}
	return compare(a, b) == 0
}

// selectSub resolves Op!i!j to the selected subexpression of Op's body.
func (c *evaluator) selectSub(x *ident, en *env, sc *scope) (expr, *env, *scope) {
	var d *def
	if x.Prefix != nil {
		d = c.instanceScope(x, en, sc).lookup(x.Name)
	} else {
		d = sc.lookup(x.Name)
	}
	if d == nil || d.Body == nil || d.Kind != defOp {
		throw(x.pos(), "Unknown operator: '%s'.", x.Name)
	}
	var en2 *env
	if len(x.Args) != len(d.Params) {
		throw(x.pos(), "The operator %s requires %d arguments.", d.Name, len(d.Params))
	}
	vals := c.argValues(x.Args, d.Params, en, sc)
	for i, p := range d.Params {
		en2 = en2.bind(p.Name, vals[i])
	}
	e := d.Body
	for _, n := range x.Sel {
		var items []expr
		switch y := e.(type) {
		case *junction:
			items = y.Items
		case *opApp:
			items = y.Args
		case *ident:
			items = y.Args
		case *tupleLit:
			items = y.Elems
		}
		if n < 1 || n > len(items) {
			throw(x.pos(), "The subexpression selector !%d of %s does not exist.", n, x.Name)
		}
		e = items[n-1]
	}
	return e, en2, d.scope
}

// fcnArg evaluates the argument of f[a] (a tuple for f[a, b]).
func (c *evaluator) fcnArg(x *fcnApp, en *env, sc *scope) Value {
	if len(x.Args) == 1 {
		return c.eval(x.Args[0], en, sc)
	}
	elems := make([]Value, len(x.Args))
	for i, a := range x.Args {
		elems[i] = c.canon(c.eval(a, en, sc), a.pos())
	}
	return &tupleV{Elems: elems}
}
