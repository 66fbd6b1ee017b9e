package tla

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

var (
	booleanSet = &setV{Elems: []Value{boolV(false), boolV(true)}}
	stringSet  = &infSetV{"STRING"}
)

// program is a loaded specification: the root module's scope and everything it uses.
type program struct {
	dir       string
	root      *scope
	rootMod   *module
	vars      []*def
	models    map[string]*modelV
	modelList []*modelV
	std       map[string]map[string]builtinSpec
	texts     map[string]string
	files     map[string]string
	instMemo  map[*def]*scope
	paramInst map[*def]map[string]*scope
	// overrides from the configuration: module name -> definition name -> replacement
	overrides map[string]map[string]*override
	strOrder
	stdDefs map[string]map[string]*def
	// modules merged into the root scope by EXTENDS (directly or transitively)
	extendedByRoot map[string]bool
	replaced       map[*def]*def // configuration overrides of shared definitions
	scopes         []*scope
	unchanged      map[expr]unchangedEntry
	tlcConfig      Value // TLCGet("config"): how the model is being checked
}

type override struct {
	value  Value // `=` assignment
	target string
	isSub  bool // `<-`
}

// loadError is a semantic error found while loading modules (exit 150).
type loadError struct{ msg string }

func (e *loadError) Error() string { return e.msg }

func (p *program) modelValue(name string) *modelV {
	if m, ok := p.models[name]; ok {
		return m
	}
	m := &modelV{Name: name, Idx: len(p.modelList)}
	p.models[name] = m
	p.modelList = append(p.modelList, m)
	return m
}

// parseModuleNamed parses a fresh copy of module name (each instance gets its own AST,
// so identifier resolution caches are per instance).
func (p *program) parseModuleNamed(name string) (*module, error) {
	src, ok := p.texts[name]
	file := p.files[name]
	if !ok {
		file = filepath.Join(p.dir, name+".tla")
		b, err := os.ReadFile(file)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				if sub := p.findSubmodule(name); sub != nil {
					return sub, nil
				}
				if src, ok := libraryModule(name); ok {
					return parseModule(name+".tla (built in)", src)
				}
				return nil, &loadError{fmt.Sprintf("Cannot find source file for module %s imported in module %s.", name, p.rootMod.Name)}
			}
			return nil, err
		}
		src = string(b)
		p.texts[name] = src
		p.files[name] = file
	}
	m, err := parseModule(file, src)
	if err != nil {
		return nil, err
	}
	if !p.ranked[name] {
		p.ranked[name] = true
		p.rankTokens(src, false)
	}
	if m.Name != name {
		return nil, &loadError{fmt.Sprintf("File %s does not contain module %s.", file, name)}
	}
	return m, nil
}

// loadInstanced parses every module named after INSTANCE in the module texts srcs or
// in a module they name, wherever the INSTANCE is (in a LET too): SANY reads them
// all before the check starts, so a missing one is a parse error (exit 150) rather
// than an evaluation error when a property first uses it.
func (p *program) loadInstanced(srcs ...string) error {
	seen := map[string]bool{}
	work := slices.Clone(srcs)
	slices.Reverse(work) // the first is read first
	for len(work) > 0 {
		toks := lexAll(work[len(work)-1])
		work = work[:len(work)-1]
		for i := 0; i+1 < len(toks); i++ {
			mod := toks[i+1].text
			if toks[i].kind != tIdent || toks[i].text != "INSTANCE" || toks[i+1].kind != tIdent || seen[mod] {
				continue
			}
			seen[mod] = true
			if _, std := p.std[mod]; std {
				continue
			}
			if _, err := p.parseModuleNamed(mod); err != nil {
				return err
			}
			if text, ok := p.texts[mod]; ok {
				work = append(work, text)
			}
		}
	}
	return nil
}

func (p *program) findSubmodule(name string) *module {
	var walk func(m *module) *module
	walk = func(m *module) *module {
		for _, s := range m.Submodule {
			if s.Name == name {
				return s
			}
			if r := walk(s); r != nil {
				return r
			}
		}
		return nil
	}
	return walk(p.rootMod)
}

func (p *program) newScope(name string) *scope {
	sc := &scope{name: name, defs: map[string]*def{}, prog: p}
	p.scopes = append(p.scopes, sc)
	// BOOLEAN and STRING are built into the language, not a module.
	sc.defs["BOOLEAN"] = &def{Name: "BOOLEAN", Kind: defBuiltin, Module: name, builtin: func(c *evaluator, a []Value, p pos) Value {
		return booleanSet
	}}
	sc.defs["STRING"] = &def{Name: "STRING", Kind: defBuiltin, Module: name, builtin: func(c *evaluator, a []Value, p pos) Value {
		return stringSet
	}}
	return sc
}

// addStd adds a standard module's operators to sc. The definitions are shared by all
// scopes, so a configuration override (Seq <- BoundedSeq) reaches every use.
func (p *program) addStd(sc *scope, mod string) {
	if p.stdDefs == nil {
		p.stdDefs = map[string]map[string]*def{}
	}
	defs := p.stdDefs[mod]
	if defs == nil {
		defs = map[string]*def{}
		for name, b := range p.std[mod] {
			params := make([]param, b.arity)
			for _, k := range b.opParams {
				params[k].Arity = 1
			}
			defs[name] = &def{Name: name, Kind: defBuiltin, Params: params, builtin: b.fn, Module: mod}
		}
		p.stdDefs[mod] = defs
	}
	for name, d := range defs {
		if _, exists := sc.defs[name]; exists {
			continue
		}
		if r, ok := p.replaced[d]; ok {
			d = r
		}
		sc.defs[name] = d
	}
}

// subst describes how an instantiated module's constants and variables are replaced.
type subst struct {
	outer *scope          // the instantiating module's scope, where the expressions are evaluated
	exprs map[string]expr // WITH a <- e, by parameter name; a parameter not listed is replaced by the outer definition of its name
	env   *env            // binds the parameters of a parameterized instance P(x) == INSTANCE M
}

// build adds module m's definitions to sc. sub is nil for the root module.
func (p *program) build(m *module, sc *scope, sub *subst, seen map[string]bool) error {
	defer p.noteSemantic(m)
	for _, ext := range m.Extends {
		if seen[ext] {
			continue
		}
		seen[ext] = true
		if _, ok := p.std[ext]; ok {
			p.addStd(sc, ext)
			if ext == "Integers" || ext == "Reals" {
				p.addStd(sc, "Naturals")
			}
			continue
		}
		em, err := p.parseModuleNamed(ext)
		if err != nil {
			return err
		}
		if sub == nil {
			if p.extendedByRoot == nil {
				p.extendedByRoot = map[string]bool{}
			}
			p.extendedByRoot[ext] = true
		}
		if err := p.build(em, sc, sub, seen); err != nil {
			return err
		}
	}
	for _, u := range m.Units {
		switch u.kind {
		case unitConst, unitVar:
			for _, par := range u.names {
				d := &def{Name: par.Name, Pos: u.pos, Module: m.Name, scope: sc}
				d.Params = make([]param, par.Arity)
				if sub == nil {
					if u.kind == unitConst {
						d.Kind = defConst
					} else {
						d.Kind = defVar
						d.varIdx = len(p.vars)
						p.vars = append(p.vars, d)
					}
				} else {
					d.Kind = defSubst
					d.scope = sub.outer
					d.substEnv = sub.env
					if e, ok := sub.exprs[par.Name]; ok {
						d.Body = e
					} else {
						// Implicitly substituted by the name in scope where it is
						// instantiated: a definition there, or a parameter of
						// P(x) == INSTANCE M.
						if _, param := sub.env.lookup(par.Name); !param && sub.outer.lookup(par.Name) == nil {
							return &loadError{fmt.Sprintf("The %s %s of module %s is not substituted and not defined where it is instantiated.",
								map[bool]string{true: "constant", false: "variable"}[u.kind == unitConst], par.Name, m.Name)}
						}
						d.Body = &ident{exprBase: exprBase{sp: span{u.pos, u.pos}}, Name: par.Name}
					}
				}
				sc.defs[par.Name] = d
			}
		case unitDef:
			d := u.def
			d.scope = sc
			d.Module = m.Name
			if d.Kind == defInstance {
				if len(d.inst.Params) == 0 {
					if _, err := p.instanceScopeErr(d, sc); err != nil {
						return err
					}
				}
			}
			sc.defs[d.Name] = d
		case unitInstance:
			isc, err := p.buildInstance(u.inst, sc)
			if err != nil {
				return err
			}
			for name, d := range isc.defs {
				if d.Kind == defSubst || d.Local {
					continue
				}
				if _, exists := sc.defs[name]; !exists {
					sc.defs[name] = d
				}
			}
		}
	}
	return nil
}

func (p *program) buildInstance(inst *instanceDecl, outer *scope) (*scope, error) {
	return p.buildInstanceEnv(inst, outer, nil)
}

func (p *program) buildInstanceEnv(inst *instanceDecl, outer *scope, en *env) (*scope, error) {
	isc := p.newScope(inst.Module)
	if _, ok := p.std[inst.Module]; ok {
		p.addStd(isc, inst.Module)
		if inst.Module == "Integers" {
			p.addStd(isc, "Naturals")
		}
		return isc, nil
	}
	m, err := p.parseModuleNamed(inst.Module)
	if err != nil {
		return nil, err
	}
	if err := p.build(m, isc, &subst{outer: outer, exprs: inst.Subs, env: en}, map[string]bool{}); err != nil {
		return nil, err
	}
	p.applyOverrides(isc)
	if err := checkNames(isc, m); err != nil {
		return nil, err
	}
	return isc, nil
}

func (p *program) instanceScopeErr(d *def, outer *scope) (*scope, error) {
	if s, ok := p.instMemo[d]; ok {
		return s, nil
	}
	s, err := p.buildInstance(d.inst, outer)
	if err != nil {
		return nil, err
	}
	p.instMemo[d] = s
	return s, nil
}

// instScope returns the scope for a named instance, building it on first use.
func (p *program) instScope(d *def, outer *scope) *scope {
	s, err := p.instanceScopeErr(d, outer)
	if err != nil {
		throw(d.Pos, "%v", err)
	}
	return s
}

// applyOverrides applies configuration `<-`/`=` replacements scoped to sc's module.
func (p *program) applyOverrides(sc *scope) {
	ovs := p.overrides[sc.name]
	for name, ov := range ovs {
		d, ok := sc.defs[name]
		if !ok {
			continue
		}
		nd := &def{Name: name, Pos: d.Pos, Module: d.Module, scope: sc, Params: d.Params}
		if ov.isSub {
			// Resolved when used: the target is a definition of the root module, which
			// may not be complete while instances are being built.
			nd.Kind = defOp
			nd.scope = p.root
			call := &ident{Name: ov.target}
			if len(d.Params) > 0 {
				call.Args = make([]expr, len(d.Params))
				for i, par := range d.Params {
					call.Args[i] = &ident{Name: par.Name}
				}
			}
			nd.Body = call
			sc.defs[name] = nd
			continue
		}
		nd.Kind = defOp
		nd.cached, nd.cacheSet = ov.value, true
		sc.defs[name] = nd
	}
}

// checkNames reports the first identifier no definition or binder accounts for, as SANY
// does before any checking starts.
func checkNames(sc *scope, m *module) error {
	var err error
	var walk func(e expr, locals map[string]int)
	bind := func(locals map[string]int, names ...string) {
		for _, n := range names {
			locals[n]++
		}
	}
	unbind := func(locals map[string]int, names ...string) {
		for _, n := range names {
			locals[n]--
		}
	}
	binderNames := func(bs []binder) []string {
		var out []string
		for _, b := range bs {
			out = append(out, b.Names...)
		}
		return out
	}
	fail := func(pos pos, name string) {
		if err == nil {
			err = &specError{File: m.File, Pos: pos, Msg: fmt.Sprintf("Unknown operator: '%s'.", name)}
		}
	}
	var walkDef func(d *def, locals map[string]int)
	walk = func(e expr, locals map[string]int) {
		if e == nil || err != nil {
			return
		}
		switch x := e.(type) {
		case *ident:
			if x.Prefix == nil {
				// An infix operator of the standard modules may be passed as an
				// argument by name: FoldFunction(+, 0, f).
				if locals[x.Name] == 0 && sc.lookup(x.Name) == nil && !isBuiltinOp(x.Name) {
					fail(x.pos(), x.Name)
				}
			} else {
				d := sc.lookup(x.Prefix[0].Name)
				if d == nil && locals[x.Prefix[0].Name] == 0 {
					fail(x.pos(), x.Prefix[0].Name)
				}
				for _, r := range x.Prefix {
					for _, a := range r.Args {
						walk(a, locals)
					}
				}
			}
			for _, a := range x.Args {
				walk(a, locals)
			}
		case *opApp:
			for _, a := range x.Args {
				walk(a, locals)
			}
		case *junction:
			for _, a := range x.Items {
				walk(a, locals)
			}
		case *ifThen:
			walk(x.Cond, locals)
			walk(x.Then, locals)
			walk(x.Else, locals)
		case *caseExpr:
			for _, a := range x.Arms {
				walk(a.Cond, locals)
				walk(a.Val, locals)
			}
			walk(x.Other, locals)
		case *let:
			for _, d := range x.Defs {
				bind(locals, d.Name)
			}
			for _, d := range x.Defs {
				walkDef(d, locals)
			}
			walk(x.Body, locals)
			for _, d := range x.Defs {
				unbind(locals, d.Name)
			}
		case *quant:
			for i, b := range x.Binders {
				walk(b.Set, locals)
				_ = i
			}
			n := binderNames(x.Binders)
			bind(locals, n...)
			walk(x.Body, locals)
			unbind(locals, n...)
		case *choose:
			walk(x.B.Set, locals)
			bind(locals, x.B.Names...)
			walk(x.Body, locals)
			unbind(locals, x.B.Names...)
		case *setEnum:
			for _, a := range x.Elems {
				walk(a, locals)
			}
		case *setFilter:
			walk(x.B.Set, locals)
			bind(locals, x.B.Names...)
			walk(x.Pred, locals)
			unbind(locals, x.B.Names...)
		case *setMap:
			for _, b := range x.Binders {
				walk(b.Set, locals)
			}
			n := binderNames(x.Binders)
			bind(locals, n...)
			walk(x.Elem, locals)
			unbind(locals, n...)
		case *tupleLit:
			for _, a := range x.Elems {
				walk(a, locals)
			}
		case *fcnCons:
			for _, b := range x.Binders {
				walk(b.Set, locals)
			}
			n := binderNames(x.Binders)
			bind(locals, n...)
			walk(x.Body, locals)
			unbind(locals, n...)
		case *fcnSet:
			walk(x.Dom, locals)
			walk(x.Rng, locals)
		case *recordLit:
			for _, a := range x.Vals {
				walk(a, locals)
			}
		case *recordSet:
			for _, a := range x.Sets {
				walk(a, locals)
			}
		case *except:
			walk(x.Fcn, locals)
			for _, u := range x.Updates {
				for _, k := range u.Path {
					walk(k, locals)
				}
				walk(u.Val, locals)
			}
		case *fcnApp:
			walk(x.Fcn, locals)
			for _, a := range x.Args {
				walk(a, locals)
			}
		case *dot:
			walk(x.Rec, locals)
		case *prime:
			walk(x.X, locals)
		case *actionBox:
			walk(x.A, locals)
			walk(x.Sub, locals)
		case *fairness:
			walk(x.Sub, locals)
			walk(x.A, locals)
		case *lambda:
			bind(locals, x.Params...)
			walk(x.Body, locals)
			unbind(locals, x.Params...)
		}
	}
	walkDef = func(d *def, locals map[string]int) {
		var names []string
		for _, p := range d.Params {
			names = append(names, p.Name)
		}
		for _, b := range d.Binders {
			walk(b.Set, locals)
		}
		names = append(names, binderNames(d.Binders)...)
		if d.Kind == defFcn {
			names = append(names, d.Name)
		}
		bind(locals, names...)
		walk(d.Body, locals)
		unbind(locals, names...)
	}
	visit := func(m *module) {
		for _, u := range m.Units {
			switch u.kind {
			case unitDef:
				if u.def.Kind == defInstance {
					locals := map[string]int{}
					for _, par := range u.def.inst.Params {
						locals[par.Name]++
					}
					for _, e := range u.def.inst.Subs {
						walk(e, locals)
					}
					continue
				}
				walkDef(u.def, map[string]int{})
			case unitAssume:
				walk(u.expr, map[string]int{})
			case unitInstance:
				for _, e := range u.inst.Subs {
					walk(e, map[string]int{})
				}
			}
		}
	}
	visit(m)
	return err
}

// paramInstScope returns the scope of P(args)!..., one per distinct argument tuple.
func (p *program) paramInstScope(d *def, outer *scope, en *env, vals []Value) *scope {
	key := string(encode(nil, &tupleV{Elems: vals}))
	if p.paramInst == nil {
		p.paramInst = map[*def]map[string]*scope{}
	}
	m := p.paramInst[d]
	if m == nil {
		m = map[string]*scope{}
		p.paramInst[d] = m
	}
	if s, ok := m[key]; ok {
		return s
	}
	s, err := p.buildInstanceEnv(d.inst, outer, en)
	if err != nil {
		throw(d.Pos, "%v", err)
	}
	m[key] = s
	return s
}
