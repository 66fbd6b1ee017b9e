package tla

// Successor enumeration. An action is evaluated the way TLC does: conjuncts left to
// right, x' = e and x' \in S assign an unassigned primed variable (generators),
// disjunctions and \E branch, IF/CASE/LET and operator calls are expanded, and anything
// else is a guard. In init mode the same applies to unprimed variables of Init.

// resolveVar returns the variable an identifier denotes, following instance
// substitutions that are plain names.
func (c *evaluator) resolveVar(e expr, en *env, sc *scope) *def {
	id, ok := e.(*ident)
	if !ok || id.Args != nil {
		return nil
	}
	if id.varKind == varNo {
		return nil
	}
	if id.varKind == varYes {
		return id.varDef
	}
	var d *def
	if id.Prefix != nil {
		d = c.instanceScope(id, en, sc).lookup(id.Name)
	} else {
		if v, local := en.lookup(id.Name); local {
			if th, ok := v.(*thunkV); ok {
				c.sawThunk = true
				return c.resolveVar(th.expr, th.env, th.scope)
			}
			return nil
		}
		d = sc.lookup(id.Name)
	}
	r := c.resolveVarDef(d)
	if id.Prefix == nil && id.kind != identLocal {
		// binding is lexical, so the answer never changes for this occurrence
		if r == nil {
			id.varKind = varNo
		} else {
			id.varKind, id.varDef = varYes, r
		}
	}
	return r
}

func (c *evaluator) resolveVarDef(d *def) *def {
	for d != nil {
		switch d.Kind {
		case defVar:
			return d
		case defSubst:
			if d.Body == nil {
				return nil
			}
			sub, ok := d.Body.(*ident)
			if !ok || sub.Args != nil || sub.Prefix != nil {
				return nil
			}
			d = d.scope.lookup(sub.Name)
		default:
			return nil
		}
	}
	return nil
}

// target reports the variable index e assigns, if e is an unassigned x' (or x in init mode).
func (c *evaluator) target(e expr, en *env, sc *scope) (int, bool) {
	if c.initMode {
		d := c.resolveVar(e, en, sc)
		if d != nil && c.cur[d.varIdx] == nil {
			return d.varIdx, true
		}
		return 0, false
	}
	if id, ok := e.(*ident); ok && id.Args == nil && id.Prefix == nil {
		// a parameter bound by name to a primed argument: Op(x') with Op(v) == v = e
		if v, ok := en.lookup(id.Name); ok {
			if th, ok := v.(*thunkV); ok {
				return c.target(th.expr, th.env, th.scope)
			}
		}
	}
	p, ok := e.(*prime)
	if !ok {
		return 0, false
	}
	d := c.resolveVar(p.X, en, sc)
	if d != nil && c.next[d.varIdx] == nil {
		return d.varIdx, true
	}
	return 0, false
}

func (c *evaluator) slot() []Value {
	if c.initMode {
		return c.cur
	}
	return c.next
}

// enum enumerates the assignments that make e true; k is called for each and returns
// true to stop the enumeration. enum returns true if stopped.
func (c *evaluator) enum(e expr, en *env, sc *scope, k func() bool) bool {
	switch x := e.(type) {
	case *junction:
		if x.And {
			split := c.split
			c.split = false
			stop := c.enumConj(x.Items, 0, en, sc, k)
			c.split = split
			return stop
		}
		saveSp := c.actSpan
		for _, it := range x.Items {
			if c.split {
				c.actSpan = exprSpan(it)
			}
			if c.enum(it, en, sc, k) {
				c.actSpan = saveSp
				return true
			}
		}
		c.actSpan = saveSp
		return false
	case *ifThen:
		if c.evalBool(x.Cond, en, sc) {
			return c.enum(x.Then, en, sc, k)
		}
		return c.enum(x.Else, en, sc, k)
	case *caseExpr:
		for _, a := range x.Arms {
			if c.evalBool(a.Cond, en, sc) {
				return c.enum(a.Val, en, sc, k)
			}
		}
		if x.Other != nil {
			return c.enum(x.Other, en, sc, k)
		}
		panic(&evalError{Pos: x.pos(), Code: ExitUnassigned, Kind: "eval", Msg: "Attempted to evaluate a CASE with no conditions true."})
	case *let:
		return c.enum(x.Body, c.bindLet(x, en, sc), sc, k)
	case *quant:
		if x.Forall {
			// TLC treats \A x \in S : A in an action as the conjunction of A's
			// instances, each enumerated (so disjunctions inside still branch).
			var envs []*env
			ok := true
			for _, b := range x.Binders {
				if b.Set == nil {
					ok = false
				}
			}
			if ok {
				c.forBinders(x.Binders, en, sc, func(en2 *env) bool {
					envs = append(envs, copyEnv(en2, en))
					return false
				})
				split := c.split
				c.split = false
				stop := c.enumEach(x.Body, envs, 0, sc, k)
				c.split = split
				return stop
			}
		}
		if !x.Forall {
			saveSp := c.actSpan
			if c.split {
				c.actSpan = exprSpan(x.Body)
			}
			stop := c.forBindersFirstFastest(x.Binders, en, sc, func(en2 *env) bool {
				return c.enum(x.Body, en2, sc, k)
			})
			c.actSpan = saveSp
			return stop
		}
	case *opApp:
		switch x.Op {
		case "=>":
			// as in TLC: a true premise makes the conclusion an action, so a
			// disjunction there branches
			if !c.evalBool(x.Args[0], en, sc) {
				return k()
			}
			return c.enum(x.Args[1], en, sc, k)
		case "=":
			if idx, ok := c.target(x.Args[0], en, sc); ok {
				v := c.canon(c.eval(x.Args[1], en, sc), x.pos())
				s := c.slot()
				s[idx] = v
				stop := k()
				s[idx] = nil
				return stop
			}
		case "\\in":
			if idx, ok := c.target(x.Args[0], en, sc); ok {
				set := c.eval(x.Args[1], en, sc)
				s := c.slot()
				for _, v := range c.iterate(set, x.pos()) {
					s[idx] = v
					if k() {
						s[idx] = nil
						return true
					}
				}
				s[idx] = nil
				return false
			}
		case "UNCHANGED":
			if !c.initMode {
				return c.enumUnchanged(x.Args[0], en, sc, k)
			}
		}
	case *actionBox:
		if x.Angle {
			return c.enum(x.A, en, sc, func() bool {
				if c.unchangedHolds(x.Sub, en, sc) {
					return false
				}
				return k()
			})
		}
		if c.enum(x.A, en, sc, k) {
			return true
		}
		return c.enumUnchanged(x.Sub, en, sc, k)
	case *fcnApp:
		// f[a] where f is a LET's recursive function: its body is enumerated as an
		// action, with its bound variable bound to a, as TLC does for a function
		// not yet made a table (so an \E in it branches, and each branch counts as
		// a generated state).
		f := c.eval(x.Fcn, en, sc)
		arg := c.fcnArg(x, en, sc)
		if lf, ok := f.(*lazyFcnV); ok && lf.env != nil {
			arg = c.canon(arg, x.pos())
			if c.member(arg, c.lazyDom(lf, x.pos()), x.pos()) {
				if en2, ok := lf.bind(arg); ok {
					return c.enum(lf.def.Body, en2, lf.def.scope, k)
				}
			}
		}
		// Any other f[a] (a guard such as active[self]) is a condition, decided
		// from the values already computed.
		v := c.apply(f, arg, x.pos())
		if b, ok := v.(boolV); !ok {
			throw(x.pos(), "A non-boolean expression (%s) was used as a condition.", fmtValue(v))
		} else if b {
			return k()
		}
		return false
	case *ident:
		if x.Sel != nil {
			sub, en2, sc2 := c.selectSub(x, en, sc)
			return c.enum(sub, en2, sc2, k)
		}
		if x.Args == nil && x.Prefix == nil && x.kind != identGlobal {
			// An action passed by name (NoStutter(A) == ... /\ A /\ ...): enumerated
			// where it was written, so that its primed variables are assigned.
			if v, ok := en.lookup(x.Name); ok {
				if th, ok := v.(*thunkV); ok {
					return c.enum(th.expr, th.env, th.scope, k)
				}
			}
		}
		if d, cl, args := c.expandable(x, en, sc); d != nil {
			if cl != nil {
				en2 := cl.env
				for i, p := range d.Params {
					en2 = en2.bind(p.Name, args[i])
				}
				return c.enum(d.Body, en2, cl.scope, k)
			}
			var en2 *env
			if len(d.Params) > 0 {
				nodes := make([]env, len(d.Params)) // one allocation for all parameters
				for i, p := range d.Params {
					nodes[i] = env{name: p.Name, val: args[i], next: en2}
					en2 = &nodes[i]
				}
			}
			if d.Kind == defSubst {
				return c.enum(d.Body, nil, d.scope, k)
			}
			if !c.split {
				return c.enum(d.Body, en2, d.scope, k)
			}
			sl, sa, ss, sp := c.label, c.labelArgs, c.labelScope, c.actSpan
			c.label, c.labelArgs, c.labelScope, c.actSpan = d, args, d.scope, d.bodySp
			stop := c.enum(d.Body, en2, d.scope, k)
			c.label, c.labelArgs, c.labelScope, c.actSpan = sl, sa, ss, sp
			return stop
		}
	}
	if c.evalBool(e, en, sc) {
		return k()
	}
	return false
}

// expandable returns the user definition an identifier calls, with evaluated arguments,
// when its body should be enumerated as an action rather than evaluated as a value.
func (c *evaluator) expandable(x *ident, en *env, sc *scope) (*def, *closureV, []Value) {
	if x.Prefix == nil && x.kind != identGlobal {
		if v, ok := en.lookup(x.Name); ok {
			cl, ok := v.(*closureV)
			if !ok || cl.def == nil || cl.def.Kind != defOp || cl.env == nil && cl.def.scope == nil {
				return nil, nil, nil
			}
			if len(x.Args) != len(cl.def.Params) {
				return nil, nil, nil
			}
			if cl.env == nil {
				// a global operator passed as an argument
				return cl.def, nil, c.actionArgs(x.Args, cl.def.Params, en, sc)
			}
			return cl.def, cl, c.actionArgs(x.Args, cl.def.Params, en, sc)
		}
	}
	var d *def
	if x.Prefix != nil {
		d = c.instanceScope(x, en, sc).lookup(x.Name)
	} else if x.kind == identGlobal {
		d = x.def
	} else {
		d = sc.lookup(x.Name)
		if d != nil {
			x.kind, x.def = identGlobal, d
		}
	}
	if d == nil {
		return nil, nil, nil
	}
	switch d.Kind {
	case defOp:
		if d.cacheSet || d.Body == nil || len(x.Args) != len(d.Params) {
			return nil, nil, nil
		}
		return d, nil, c.actionArgs(x.Args, d.Params, en, sc)
	case defSubst:
		if d.Body != nil && x.Args == nil {
			return d, nil, nil
		}
		// an operator parameter of an instance replaced by an operator: F(a) with F <- G
		for d != nil && d.Kind == defSubst && d.Body != nil {
			id, ok := d.Body.(*ident)
			if !ok || id.Args != nil || id.Prefix != nil {
				return nil, nil, nil
			}
			d = d.scope.lookup(id.Name)
		}
		if d != nil && d.Kind == defOp && d.Body != nil && len(d.Params) == len(x.Args) {
			return d, nil, c.actionArgs(x.Args, d.Params, en, sc)
		}
	}
	return nil, nil, nil
}

func (c *evaluator) enumConj(items []expr, i int, en *env, sc *scope, k func() bool) bool {
	if i == len(items) {
		return k()
	}
	if i > 0 && c.allAssigned() {
		return c.checkRest(items[i:], en, sc, k)
	}
	return c.enum(items[i], en, sc, func() bool {
		return c.enumConj(items, i+1, en, sc, k)
	})
}

// unchangedVars lists the variables UNCHANGED e names, or ok=false if e is not a
// (nested) tuple of variables and names of such tuples.
func (c *evaluator) unchangedVars(e expr, en *env, sc *scope, out []*def) ([]*def, bool) {
	switch x := e.(type) {
	case *tupleLit:
		for _, el := range x.Elems {
			var ok bool
			out, ok = c.unchangedVars(el, en, sc, out)
			if !ok {
				return out, false
			}
		}
		return out, true
	case *ident:
		if d := c.resolveVar(x, en, sc); d != nil {
			return append(out, d), true
		}
		if x.Args != nil {
			return out, false
		}
		var d *def
		if x.Prefix != nil {
			d = c.instanceScope(x, en, sc).lookup(x.Name)
		} else {
			if v, local := en.lookup(x.Name); local {
				if th, ok := v.(*thunkV); ok {
					c.sawThunk = true
					return c.unchangedVars(th.expr, th.env, th.scope, out)
				}
				return out, false
			}
			d = sc.lookup(x.Name)
		}
		if d == nil {
			return out, false
		}
		if d.Kind == defOp && len(d.Params) == 0 && d.Body != nil && !d.cacheSet {
			return c.unchangedVars(d.Body, nil, d.scope, out)
		}
		if d.Kind == defSubst && d.Body != nil {
			return c.unchangedVars(d.Body, nil, d.scope, out)
		}
	}
	return out, false
}

func (c *evaluator) enumUnchanged(e expr, en *env, sc *scope, k func() bool) bool {
	vars, ok := c.unchangedCache(e, en, sc)
	if !ok {
		if c.unchangedHolds(e, en, sc) {
			return k()
		}
		return false
	}
	var small [16]int
	set := small[:0]
	ok = true
	for _, d := range vars {
		i := d.varIdx
		if c.next[i] == nil {
			c.next[i] = c.cur[i]
			set = append(set, i)
		} else if !c.equal(c.next[i], c.cur[i], e.pos()) {
			ok = false
			break
		}
	}
	stop := ok && k()
	for _, i := range set {
		c.next[i] = nil
	}
	return stop
}

// enabled decides ENABLED A in the current state.
func (c *evaluator) enabled(a expr, en *env, sc *scope) bool {
	saveNext, saveInit, savePrimed := c.next, c.initMode, c.primed
	c.next = make([]Value, len(c.p.vars))
	c.initMode, c.primed = false, false
	defer func() { c.next, c.initMode, c.primed = saveNext, saveInit, savePrimed }()
	return c.enum(a, en, sc, func() bool { return true })
}

// exprSpan returns the source range of e (bulleted lists store a negative column).
func exprSpan(e expr) span {
	var sp span
	switch x := e.(type) {
	case *junction:
		sp = x.sp
	default:
		if b, ok := e.(interface{ spanOf() span }); ok {
			sp = b.spanOf()
		}
	}
	if sp.from.Col < 0 {
		sp.from.Col = -sp.from.Col
	}
	return sp
}

// forBindersFirstFastest enumerates \E bindings in TLC's order for actions: the first
// bound variable varies fastest. Binders whose sets mention earlier bound names are
// enumerated nested, first binder outermost.
func (c *evaluator) forBindersFirstFastest(bs []binder, en *env, sc *scope, fn func(*env) bool) bool {
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
	if len(flat) == 1 {
		return c.forBinders(flat, en, sc, fn)
	}
	bound := map[string]bool{}
	for _, b := range flat {
		if b.Set == nil || mentionsAny(b.Set, bound) {
			return c.forBinders(flat, en, sc, fn)
		}
		for _, n := range b.Names {
			bound[n] = true
		}
	}
	sets := make([][]Value, len(flat))
	for i, b := range flat {
		sets[i] = c.iterate(c.eval(b.Set, en, sc), b.Set.pos())
		if len(sets[i]) == 0 {
			return false
		}
	}
	idx := make([]int, len(flat))
	simple := true
	for _, b := range flat {
		simple = simple && !b.Tuple
	}
	var nodes []*env
	if simple {
		// reuse one binding chain (see forBinders)
		en2 := en
		for _, b := range flat {
			en2 = &env{name: b.Names[0], next: en2}
			nodes = append(nodes, en2)
		}
	}
	for {
		en2 := en
		if simple {
			for i := range flat {
				nodes[i].val = sets[i][idx[i]]
			}
			en2 = nodes[len(nodes)-1]
		} else {
			for i, b := range flat {
				var ok bool
				en2, ok = bindPattern(b, sets[i][idx[i]], en2)
				if !ok {
					throw(b.Set.pos(), "Cannot match %s against a tuple of %d names.", fmtValue(sets[i][idx[i]]), len(b.Names))
				}
			}
		}
		if fn(en2) {
			return true
		}
		i := 0
		for i < len(idx) {
			idx[i]++
			if idx[i] < len(sets[i]) {
				break
			}
			idx[i] = 0
			i++
		}
		if i == len(idx) {
			return false
		}
	}
}

// mentionsAny reports whether e uses any of the names (a conservative syntactic check).
func mentionsAny(e expr, names map[string]bool) bool {
	found := false
	var walk func(e expr)
	walk = func(e expr) {
		if found || e == nil {
			return
		}
		switch x := e.(type) {
		case *ident:
			if x.Prefix == nil && names[x.Name] {
				found = true
			}
			for _, a := range x.Args {
				walk(a)
			}
		case *opApp:
			for _, a := range x.Args {
				walk(a)
			}
		case *fcnApp:
			walk(x.Fcn)
			for _, a := range x.Args {
				walk(a)
			}
		case *dot:
			walk(x.Rec)
		case *setEnum:
			for _, a := range x.Elems {
				walk(a)
			}
		case *tupleLit:
			for _, a := range x.Elems {
				walk(a)
			}
		case *numLit, *strLit, *boolLit:
		default:
			found = true // be conservative for anything more complex
		}
	}
	walk(e)
	return found
}

// unchangedCache memoizes unchangedVars per expression: which variables a subscript
// names depends only on its text and the (lexical) scope.
func (c *evaluator) unchangedCache(e expr, en *env, sc *scope) ([]*def, bool) {
	if c.p.unchanged == nil {
		c.p.unchanged = map[expr]unchangedEntry{}
	}
	if ent, ok := c.p.unchanged[e]; ok {
		return ent.vars, ent.ok
	}
	c.sawThunk = false
	vars, ok := c.unchangedVars(e, en, sc, nil)
	if !mentionsPrefix(e) && !c.sawThunk {
		c.p.unchanged[e] = unchangedEntry{vars, ok}
	}
	return vars, ok
}

type unchangedEntry struct {
	vars []*def
	ok   bool
}

// mentionsPrefix reports whether e uses a parameterized instance (P(x)!v), whose
// meaning depends on arguments.
func mentionsPrefix(e expr) bool {
	switch x := e.(type) {
	case *ident:
		for _, p := range x.Prefix {
			if p.Args != nil {
				return true
			}
		}
	case *tupleLit:
		for _, el := range x.Elems {
			if mentionsPrefix(el) {
				return true
			}
		}
	}
	return false
}

// thunkV is an operator argument passed by name: arguments that mention primed
// variables are evaluated where the parameter is used, as TLC does, so that the callee
// can assign them (Op(x') with Op(v) == v = e).
type thunkV struct {
	expr  expr
	env   *env
	scope *scope
}

// actionArgs evaluates arguments of an operator expanded as an action.
func (c *evaluator) actionArgs(args []expr, params []param, en *env, sc *scope) []Value {
	vals := make([]Value, len(args))
	for i, a := range args {
		if i < len(params) && params[i].Arity > 0 {
			vals[i] = c.opArg(a, params[i].Arity, en, sc)
			continue
		}
		if x, ok := a.(*ident); ok && x.Args == nil && x.Prefix == nil && x.Sel == nil && x.kind != identGlobal {
			// A bound name (\E p \in Proc : Request(p)), the usual argument: its
			// value, unless it is itself passed by name or an operator, is what
			// isAction, resolveVar and eval would each look up and settle on.
			if v, ok := en.lookup(x.Name); ok {
				switch v.(type) {
				case *thunkV, *closureV:
				default:
					vals[i] = v
					continue
				}
			}
		}
		if c.isAction(a, en, sc) || c.resolveVar(a, en, sc) != nil {
			// by name: the callee may prime it (Lose(q) == ... q' = ...)
			vals[i] = &thunkV{expr: a, env: en, scope: sc}
			continue
		}
		vals[i] = c.eval(a, en, sc)
	}
	return vals
}

// copyEnv copies the bindings of en down to base, since forBinders reuses its nodes.
func copyEnv(en, base *env) *env {
	if en == base || en == nil {
		return en
	}
	return &env{name: en.name, val: en.val, next: copyEnv(en.next, base)}
}

// enumEach enumerates body under each environment in turn, as a conjunction.
func (c *evaluator) enumEach(body expr, envs []*env, i int, sc *scope, k func() bool) bool {
	if i == len(envs) {
		return k()
	}
	if i > 0 && c.allAssigned() {
		for _, en := range envs[i:] {
			if !c.evalBool(body, en, sc) {
				return false
			}
		}
		return k()
	}
	return c.enum(body, envs[i], sc, func() bool {
		return c.enumEach(body, envs, i+1, sc, k)
	})
}

// allAssigned reports whether every variable of the state being built has a value.
// From then on TLC evaluates the remaining conjuncts of an action (or of Init) as
// plain booleans instead of enumerating them, so a disjunction there no longer
// yields one (duplicate) successor per true disjunct; the generated counts depend
// on doing the same.
func (c *evaluator) allAssigned() bool {
	for _, v := range c.slot() {
		if v == nil {
			return false
		}
	}
	return true
}

// checkRest evaluates the remaining conjuncts of a fully assigned state as
// booleans and continues with k if all hold.
func (c *evaluator) checkRest(items []expr, en *env, sc *scope, k func() bool) bool {
	for _, it := range items {
		if !c.evalBool(it, en, sc) {
			return false
		}
	}
	return k()
}
