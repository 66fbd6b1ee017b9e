package tla

import (
	"fmt"
	"strconv"
)

// config is a parsed TLC configuration file.
type config struct {
	Specification     string
	Init, Next        string
	Invariants        []string
	Properties        []string
	Constraints       []string
	ActionConstraints []string
	Symmetry          string
	View              string
	Alias             string
	CheckDeadlock     *bool
	Constants         []constAssign
	Postconditions    []string
}

// constAssign is one CONSTANT entry: Name = Value or Name <- Target, optionally scoped
// to a module ([Mod]).
type constAssign struct {
	Name   string
	Module string // "" for the root module
	Value  cfgValue
	Target string // for <-
	Subst  bool
	Pos    pos
}

// cfgValue is a value written in a configuration file.
type cfgValue struct {
	Kind  string // "int", "str", "bool", "model", "set"
	Int   int64
	Str   string
	Bool  bool
	Elems []cfgValue
}

var cfgKeywords = map[string]bool{
	"CONSTANT": true, "CONSTANTS": true, "INIT": true, "NEXT": true, "SPECIFICATION": true,
	"INVARIANT": true, "INVARIANTS": true, "PROPERTY": true, "PROPERTIES": true, "CONSTRAINT": true,
	"CONSTRAINTS": true, "ACTION_CONSTRAINT": true, "ACTION_CONSTRAINTS": true, "SYMMETRY": true,
	"VIEW": true, "ALIAS": true, "CHECK_DEADLOCK": true, "POSTCONDITION": true, "POSTCONDITIONS": true,
}

// parseConfig parses a TLC configuration file.
func parseConfig(file, src string) (cfg *config, err error) {
	toks := lexAll(src)
	cfg = &config{}
	i := 0
	fail := func(t token, format string, args ...any) {
		panic(parseError{&specError{File: file, Pos: pos{t.line, t.col}, Msg: fmt.Sprintf(format, args...)}})
	}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			cfg, err = nil, pe.err
		}
	}()
	peek := func() token { return toks[i] }
	next := func() token {
		t := toks[i]
		if i < len(toks)-1 {
			i++
		}
		return t
	}
	isKw := func(t token) bool { return t.kind == tIdent && cfgKeywords[t.text] }
	names := func() []string {
		var out []string
		for {
			t := peek()
			if t.kind != tIdent || isKw(t) {
				return out
			}
			out = append(out, next().text)
			if peek().kind == tOp && peek().text == "," {
				next()
			}
		}
	}
	var value func() cfgValue
	value = func() cfgValue {
		t := next()
		switch {
		case t.kind == tNum:
			n, err := strconv.ParseInt(t.text, 10, 64)
			if err != nil {
				fail(t, "bad number %s", t.text)
			}
			return cfgValue{Kind: "int", Int: n}
		case t.kind == tStr:
			return cfgValue{Kind: "str", Str: t.text}
		case t.kind == tIdent && (t.text == "TRUE" || t.text == "FALSE"):
			return cfgValue{Kind: "bool", Bool: t.text == "TRUE"}
		case t.kind == tIdent && !isKw(t):
			return cfgValue{Kind: "model", Str: t.text}
		case t.kind == tOp && t.text == "{":
			v := cfgValue{Kind: "set"}
			if peek().kind == tOp && peek().text == "}" {
				next()
				return v
			}
			for {
				v.Elems = append(v.Elems, value())
				t := next()
				if t.kind == tOp && t.text == "}" {
					return v
				}
				if t.kind != tOp || t.text != "," {
					fail(t, "expected , or } in set")
				}
			}
		case t.kind == tOp && t.text == "<<":
			v := cfgValue{Kind: "tuple"}
			if peek().kind == tOp && peek().text == ">>" {
				next()
				return v
			}
			for {
				v.Elems = append(v.Elems, value())
				t := next()
				if t.kind == tOp && t.text == ">>" {
					return v
				}
				if t.kind != tOp || t.text != "," {
					fail(t, "expected , or >> in tuple")
				}
			}
		}
		fail(t, "expected a value, found %s", t)
		return cfgValue{}
	}
	for {
		t := next()
		if t.kind == tEOF {
			return cfg, nil
		}
		if !isKw(t) {
			fail(t, "expected a configuration keyword, found %s", t)
		}
		switch t.text {
		case "CONSTANT", "CONSTANTS":
			for {
				n := peek()
				if n.kind != tIdent || isKw(n) {
					break
				}
				next()
				ca := constAssign{Name: n.text, Pos: pos{n.line, n.col}}
				// operator constants F(_, _) <- G
				if peek().kind == tOp && peek().text == "(" {
					for next().text != ")" {
						if peek().kind == tEOF {
							fail(peek(), "unterminated parameter list")
						}
					}
				}
				op := next()
				if op.kind != tOp || (op.text != "=" && op.text != "<-") {
					fail(op, "expected = or <- after %s", n.text)
				}
				if peek().kind == tOp && peek().text == "[" {
					next()
					ca.Module = next().text
					if e := next(); e.kind != tOp || e.text != "]" {
						fail(e, "expected ]")
					}
				}
				if op.text == "<-" {
					ca.Subst = true
					tt := next()
					if tt.kind != tIdent && tt.kind != tOp {
						fail(tt, "expected an operator name after <-")
					}
					ca.Target = tt.text
				} else {
					ca.Value = value()
				}
				cfg.Constants = append(cfg.Constants, ca)
				if peek().kind == tOp && peek().text == "," {
					next()
				}
			}
		case "INIT":
			if n := names(); len(n) > 0 {
				cfg.Init = n[0]
			}
		case "NEXT":
			if n := names(); len(n) > 0 {
				cfg.Next = n[0]
			}
		case "SPECIFICATION":
			if n := names(); len(n) > 0 {
				cfg.Specification = n[0]
			}
		case "INVARIANT", "INVARIANTS":
			cfg.Invariants = append(cfg.Invariants, names()...)
		case "PROPERTY", "PROPERTIES":
			cfg.Properties = append(cfg.Properties, names()...)
		case "CONSTRAINT", "CONSTRAINTS":
			cfg.Constraints = append(cfg.Constraints, names()...)
		case "ACTION_CONSTRAINT", "ACTION_CONSTRAINTS":
			cfg.ActionConstraints = append(cfg.ActionConstraints, names()...)
		case "POSTCONDITION", "POSTCONDITIONS":
			cfg.Postconditions = append(cfg.Postconditions, names()...)
		case "SYMMETRY":
			if n := names(); len(n) > 0 {
				cfg.Symmetry = n[0]
			}
		case "VIEW":
			if n := names(); len(n) > 0 {
				cfg.View = n[0]
			}
		case "ALIAS":
			if n := names(); len(n) > 0 {
				cfg.Alias = n[0]
			}
		case "CHECK_DEADLOCK":
			v := next()
			if v.kind != tIdent || (v.text != "TRUE" && v.text != "FALSE") {
				fail(v, "CHECK_DEADLOCK needs TRUE or FALSE")
			}
			b := v.text == "TRUE"
			cfg.CheckDeadlock = &b
		}
	}
}

// toValue converts a configuration value, creating model values as needed.
func (p *program) cfgToValue(v cfgValue) Value {
	switch v.Kind {
	case "int":
		return intV(v.Int)
	case "str":
		return strV(v.Str)
	case "bool":
		return boolV(v.Bool)
	case "model":
		return p.modelValue(v.Str)
	case "tuple":
		elems := make([]Value, len(v.Elems))
		for i, e := range v.Elems {
			elems[i] = p.cfgToValue(e)
		}
		return &tupleV{Elems: elems}
	}
	elems := make([]Value, len(v.Elems))
	for i, e := range v.Elems {
		elems[i] = p.cfgToValue(e)
	}
	return newSet(elems)
}
