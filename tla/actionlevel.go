package tla

// actionLevel records whether a definition's body is an action: it primes a
// variable, or uses UNCHANGED, ENABLED or [A]_v, itself or through a definition it
// calls.
type actionLevel uint8

const (
	levelUnknown actionLevel = iota
	levelVisiting
	levelState
	levelAction
)

// isAction reports whether evaluating e may need the next state: e, or a definition
// e calls, primes a variable or uses UNCHANGED, ENABLED or [A]_v. An operator
// argument that is an action must be passed by name, to be enumerated where it is
// used (NoStutter(A) == (s = top) /\ A /\ s' = s): evaluated first, as a value, it
// would read primed variables no conjunct has assigned yet.
func (c *evaluator) isAction(e expr, en *env, sc *scope) bool {
	switch x := e.(type) {
	case nil:
		return false
	case *prime, *actionBox:
		return true
	case *opApp:
		if x.Op == "UNCHANGED" || x.Op == "ENABLED" {
			return true
		}
	case *ident:
		switch {
		case x.Sel != nil:
		case x.Prefix != nil:
			// M!A: an instance's definition (one without instance arguments, which
			// would have to be evaluated to find the instance)
			plain := true
			for _, r := range x.Prefix {
				plain = plain && len(r.Args) == 0
			}
			if plain {
				if d := c.instanceScope(x, en, sc).lookup(x.Name); d != nil && c.defIsAction(d) {
					return true
				}
			}
		default:
			if v, ok := en.lookup(x.Name); ok {
				if th, ok := v.(*thunkV); ok && c.isAction(th.expr, th.env, th.scope) {
					return true
				}
			} else if d := sc.lookup(x.Name); d != nil && c.defIsAction(d) {
				return true
			}
		}
	case *let:
		for _, d := range x.Defs {
			if c.isAction(d.Body, en, sc) {
				return true
			}
		}
	}
	return anySub(e, func(sub expr) bool { return c.isAction(sub, en, sc) })
}

// defIsAction reports whether the body of the operator d is an action (isAction),
// remembered per definition. A definition met again while its body is walked
// (recursion) adds nothing.
func (c *evaluator) defIsAction(d *def) bool {
	switch d.action {
	case levelAction:
		return true
	case levelState, levelVisiting:
		return false
	}
	if d.Kind != defOp || d.Body == nil {
		d.action = levelState
		return false
	}
	d.action = levelVisiting
	if c.isAction(d.Body, nil, d.scope) {
		d.action = levelAction
		return true
	}
	d.action = levelState
	return false
}

// anySub reports whether f holds for an expression directly inside e, trying them in
// order and stopping at the first that does.
func anySub(e expr, f func(expr) bool) bool {
	some := func(es ...expr) bool {
		for _, x := range es {
			if x != nil && f(x) {
				return true
			}
		}
		return false
	}
	binders := func(bs []binder) bool {
		for _, b := range bs {
			if b.Set != nil && f(b.Set) {
				return true
			}
		}
		return false
	}
	switch x := e.(type) {
	case *ident:
		for _, r := range x.Prefix {
			if some(r.Args...) {
				return true
			}
		}
		return some(x.Args...)
	case *opApp:
		return some(x.Args...)
	case *junction:
		return some(x.Items...)
	case *quant:
		return binders(x.Binders) || some(x.Body)
	case *choose:
		return some(x.B.Set, x.Body)
	case *setEnum:
		return some(x.Elems...)
	case *setFilter:
		return some(x.B.Set, x.Pred)
	case *setMap:
		return binders(x.Binders) || some(x.Elem)
	case *tupleLit:
		return some(x.Elems...)
	case *fcnCons:
		return binders(x.Binders) || some(x.Body)
	case *fcnSet:
		return some(x.Dom, x.Rng)
	case *recordLit:
		return some(x.Vals...)
	case *recordSet:
		return some(x.Sets...)
	case *except:
		if some(x.Fcn) {
			return true
		}
		for _, u := range x.Updates {
			if some(u.Path...) || some(u.Val) {
				return true
			}
		}
	case *fcnApp:
		return some(x.Fcn) || some(x.Args...)
	case *dot:
		return some(x.Rec)
	case *ifThen:
		return some(x.Cond, x.Then, x.Else)
	case *caseExpr:
		for _, a := range x.Arms {
			if some(a.Cond, a.Val) {
				return true
			}
		}
		return some(x.Other)
	case *let:
		return some(x.Body)
	case *prime:
		return some(x.X)
	case *actionBox:
		return some(x.A, x.Sub)
	case *fairness:
		return some(x.Sub, x.A)
	case *lambda:
		return some(x.Body)
	}
	return false
}
