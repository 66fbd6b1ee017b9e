package tla

import "sort"

// Functions: construction ([x \in S |-> e]), application f[x], and EXCEPT.

// fcnCons is [x \in S, ... |-> body].
func (c *evaluator) fcnCons(bs []binder, body expr, en *env, sc *scope, pos pos) Value {
	var dom, vals []Value
	single := len(bs) == 1 && (len(bs[0].Names) == 1 || bs[0].Tuple)
	c.forBinders(bs, en, sc, func(en2 *env) bool {
		var key Value
		if single {
			key = c.bindersValue(bs[0], en2)
		} else {
			var elems []Value
			for _, b := range bs {
				for _, n := range b.Names {
					v, _ := en2.lookup(n)
					elems = append(elems, v)
				}
			}
			key = &tupleV{Elems: elems}
		}
		dom = append(dom, key)
		vals = append(vals, c.canon(c.eval(body, en2, sc), pos))
		return false
	})
	return makeFcn(dom, vals)
}

// makeFcn builds a function from possibly unsorted keys.
func makeFcn(dom, vals []Value) Value {
	sorted := true
	for i := 1; i < len(dom); i++ {
		if compare(dom[i-1], dom[i]) >= 0 {
			sorted = false
			break
		}
	}
	if !sorted {
		idx := make([]int, len(dom))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return compare(dom[idx[a]], dom[idx[b]]) < 0 })
		d2 := make([]Value, 0, len(dom))
		v2 := make([]Value, 0, len(dom))
		for _, k := range idx {
			if len(d2) > 0 && compare(d2[len(d2)-1], dom[k]) == 0 {
				continue
			}
			d2 = append(d2, dom[k])
			v2 = append(v2, vals[k])
		}
		dom, vals = d2, v2
	}
	return newFcn(dom, vals)
}

func (c *evaluator) lazyDom(f *lazyFcnV, pos pos) Value {
	if f.dom == nil || !f.domConst {
		before := c.varReads
		defer func() { f.domConst = c.varReads == before }()
		if len(f.def.Binders) != 1 || (len(f.def.Binders[0].Names) != 1 && !f.def.Binders[0].Tuple) {
			// several binders: domain is a product
			var sets []Value
			for _, b := range f.def.Binders {
				s := c.eval(b.Set, f.env, f.def.scope)
				for range b.Names {
					sets = append(sets, s)
				}
			}
			f.dom = &productSetV{Sets: sets}
		} else {
			f.dom = c.eval(f.def.Binders[0].Set, f.env, f.def.scope)
		}
	}
	return f.dom
}

// fcnParts returns the domain and values of a canonical function value.
func fcnParts(v Value) (dom, vals []Value, ok bool) {
	switch f := v.(type) {
	case *tupleV:
		dom = make([]Value, len(f.Elems))
		for i := range f.Elems {
			dom[i] = intV(i + 1)
		}
		return dom, f.Elems, true
	case *recordV:
		dom = make([]Value, len(f.Names))
		for i, n := range f.Names {
			dom[i] = strV(n)
		}
		return dom, f.Vals, true
	case *fcnV:
		return f.Dom, f.Vals, true
	}
	return nil, nil, false
}

// bind binds the function's bound variables to arg (canonical, in its domain), in
// the environment of its definition.
func (x *lazyFcnV) bind(arg Value) (*env, bool) {
	en := x.env
	bs := x.def.Binders
	switch {
	case len(bs) == 1 && len(bs[0].Names) == 1:
		return en.bind(bs[0].Names[0], arg), true
	case len(bs) == 1 && bs[0].Tuple:
		return bindPattern(bs[0], arg, en)
	}
	t, ok := arg.(*tupleV)
	if !ok {
		return nil, false
	}
	k := 0
	for _, b := range bs {
		for _, n := range b.Names {
			if k >= len(t.Elems) {
				return nil, false
			}
			en = en.bind(n, t.Elems[k])
			k++
		}
	}
	return en, true
}

// apply is function application f[arg].
func (c *evaluator) apply(f, arg Value, pos pos) Value {
	switch x := f.(type) {
	case *tupleV:
		if n, ok := arg.(intV); ok && n >= 1 && int(n) <= len(x.Elems) {
			return x.Elems[n-1]
		}
	case *recordV:
		if s, ok := arg.(strV); ok {
			for i, n := range x.Names {
				if n == string(s) {
					return x.Vals[i]
				}
			}
		}
	case *fcnV:
		arg = c.canon(arg, pos)
		if i := search(x.Dom, arg); i >= 0 {
			return x.Vals[i]
		}
	case *lazyFcnV:
		arg = c.canon(arg, pos)
		if !c.member(arg, c.lazyDom(x, pos), pos) {
			break
		}
		var key string
		if x.memo != nil {
			key = string(encode(nil, arg))
			if v, ok := x.memo[key]; ok {
				return v
			}
		}
		en, ok := x.bind(arg)
		if !ok {
			break
		}
		before := c.varReads
		v := c.eval(x.def.Body, en, x.def.scope)
		if c.varReads == before {
			if x.memo == nil {
				x.memo = map[string]Value{}
				key = string(encode(nil, arg))
			}
			x.memo[key] = v
		}
		return v
	case *closureV:
		throw(pos, "An operator was applied with [ ]; use ( ).")
	default:
		throw(pos, "Attempted to apply %s, which is not a function, to %s.", fmtValue(f), fmtValue(arg))
	}
	throw(pos, "Attempted to apply function:\n%s\nto argument %s, which is not in the domain of the function.", fmtValue(f), fmtValue(arg))
	return nil
}

// except is [f EXCEPT ![k1][k2]... = val].
func (c *evaluator) except(f Value, keys []Value, val expr, en *env, sc *scope, pos pos) Value {
	f = c.canon(f, pos)
	k := keys[0]
	old, ok := c.tryApply(f, k)
	if !ok {
		// TLC leaves the function unchanged when the key is not in its domain.
		return f
	}
	var nv Value
	if len(keys) == 1 {
		nv = c.canon(c.eval(val, en.bind("@", old), sc), pos)
	} else {
		nv = c.except(old, keys[1:], val, en, sc, pos)
	}
	switch x := f.(type) {
	case *tupleV:
		n := int(k.(intV))
		elems := append([]Value(nil), x.Elems...)
		elems[n-1] = nv
		return &tupleV{Elems: elems}
	case *recordV:
		vals := append([]Value(nil), x.Vals...)
		for i, nm := range x.Names {
			if nm == string(k.(strV)) {
				vals[i] = nv
			}
		}
		return &recordV{Names: x.Names, Vals: vals}
	case *fcnV:
		vals := append([]Value(nil), x.Vals...)
		vals[search(x.Dom, k)] = nv // in the domain: tryApply found it
		return &fcnV{Dom: x.Dom, Vals: vals}
	}
	throw(pos, "EXCEPT applied to a non-function %s.", fmtValue(f))
	return nil
}

func (c *evaluator) tryApply(f, k Value) (Value, bool) {
	switch x := f.(type) {
	case *tupleV:
		if n, ok := k.(intV); ok && n >= 1 && int(n) <= len(x.Elems) {
			return x.Elems[n-1], true
		}
	case *recordV:
		if s, ok := k.(strV); ok {
			for i, n := range x.Names {
				if n == string(s) {
					return x.Vals[i], true
				}
			}
		}
	case *fcnV:
		if i := search(x.Dom, k); i >= 0 {
			return x.Vals[i], true
		}
	default:
		throw(pos{}, "EXCEPT applied to a non-function %s.", fmtValue(f))
	}
	return nil, false
}
