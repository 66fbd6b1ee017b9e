package tla

import (
	"fmt"
	"strconv"
	"strings"
)

// parser is a recursive-descent parser for TLA+ modules. Bulleted /\ and \/ lists are
// handled with a stack of column limits: inside a list item every token must lie strictly
// to the right of the bullet, so a token at or left of it ends the item.
type parser struct {
	file    string
	toks    []token
	i       int
	limits  []int
	lastEnd pos
}

type parseError struct{ err *specError }

func (p *parser) fail(t token, format string, args ...any) {
	panic(parseError{&specError{File: p.file, Pos: pos{t.line, t.col}, Msg: fmt.Sprintf(format, args...)}})
}

// cur returns the current token, or an end-of-expression marker if the token lies at or
// left of the innermost bullet column.
func (p *parser) cur() token {
	t := p.toks[p.i]
	if n := len(p.limits); n > 0 && t.col <= p.limits[n-1] && t.kind != tEOF {
		return token{kind: tEOF, line: t.line, col: t.col, text: ""}
	}
	return t
}

func (p *parser) raw() token { return p.toks[p.i] }

func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) advance() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	p.lastEnd = pos{t.endLine, t.endCol}
	return t
}

func (p *parser) isOp(s string) bool {
	t := p.cur()
	return t.kind == tOp && t.text == s
}

func (p *parser) isKw(s string) bool {
	t := p.cur()
	return t.kind == tIdent && t.text == s
}

func (p *parser) expectOp(s string) token {
	t := p.cur()
	if t.kind != tOp || t.text != s {
		p.fail(t, "expected %q, found %s", s, t)
	}
	return p.advance()
}

func (p *parser) expectKw(s string) token {
	t := p.cur()
	if t.kind != tIdent || t.text != s {
		p.fail(t, "expected %s, found %s", s, t)
	}
	return p.advance()
}

func (p *parser) expectIdent() token {
	t := p.cur()
	if t.kind != tIdent || reserved[t.text] {
		p.fail(t, "expected an identifier, found %s", t)
	}
	return p.advance()
}

var reserved = map[string]bool{
	"ASSUME": true, "ASSUMPTION": true, "AXIOM": true, "CASE": true, "CHOOSE": true, "CONSTANT": true,
	"CONSTANTS": true, "DOMAIN": true, "ELSE": true, "ENABLED": true, "EXCEPT": true, "EXTENDS": true,
	"IF": true, "IN": true, "INSTANCE": true, "LET": true, "LOCAL": true, "MODULE": true, "OTHER": true,
	"SF_": true, "SUBSET": true, "THEN": true, "THEOREM": true, "UNCHANGED": true, "UNION": true,
	"VARIABLE": true, "VARIABLES": true, "WF_": true, "WITH": true, "LAMBDA": true, "RECURSIVE": true,
	"LEMMA": true, "PROPOSITION": true, "COROLLARY": true, "TRUE": true, "FALSE": true,
}

// parseModule parses the first module in src.
func parseModule(file, src string) (m *module, err error) {
	p := &parser{file: file, toks: lexAll(src)}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			m, err = nil, pe.err
		}
	}()
	// Text before the module header is ignored, as SANY does.
	for {
		t := p.raw()
		if t.kind == tEOF {
			p.fail(t, "no module header (---- MODULE Name ----) found")
		}
		if t.kind == tSep && p.peekAt(1).kind == tIdent && p.peekAt(1).text == "MODULE" {
			break
		}
		p.advance()
	}
	m = p.parseModuleBody()
	m.text = src
	// SANY reads every module of a file: the first may extend or instantiate the
	// ones that follow it.
	for {
		t := p.raw()
		if t.kind == tEOF {
			break
		}
		if t.kind == tSep && p.peekAt(1).kind == tIdent && p.peekAt(1).text == "MODULE" {
			m.Submodule = append(m.Submodule, p.parseModuleBody())
			continue
		}
		p.advance()
	}
	return m, nil
}

func (p *parser) parseModuleBody() *module {
	p.advance() // ----
	p.expectKw("MODULE")
	name := p.expectIdent()
	if p.raw().kind != tSep {
		p.fail(p.raw(), "expected ---- after module name")
	}
	p.advance()
	m := &module{Name: name.text, File: p.file}
	for {
		t := p.raw()
		switch {
		case t.kind == tEOF:
			p.fail(t, "module %s is missing its ==== end line", m.Name)
		case t.kind == tEnd:
			p.advance()
			return m
		case t.kind == tSep:
			if p.peekAt(1).kind == tIdent && p.peekAt(1).text == "MODULE" {
				m.Submodule = append(m.Submodule, p.parseModuleBody())
				continue
			}
			p.advance()
		case t.kind == tIdent && t.text == "EXTENDS":
			p.advance()
			for {
				m.Extends = append(m.Extends, p.expectIdent().text)
				if !p.isOp(",") {
					break
				}
				p.advance()
			}
		case t.kind == tIdent && (t.text == "CONSTANT" || t.text == "CONSTANTS"):
			p.advance()
			m.Units = append(m.Units, unit{kind: unitConst, names: p.parseDecls(true), pos: pos{t.line, t.col}})
		case t.kind == tIdent && (t.text == "VARIABLE" || t.text == "VARIABLES"):
			p.advance()
			m.Units = append(m.Units, unit{kind: unitVar, names: p.parseDecls(false), pos: pos{t.line, t.col}})
		case t.kind == tIdent && (t.text == "ASSUME" || t.text == "ASSUMPTION" || t.text == "AXIOM"):
			p.advance()
			var e expr
			st := p.cur()
			if st.kind == tIdent && p.peekAt(1).kind == tOp && p.peekAt(1).text == "==" {
				// ASSUME Name == e also defines Name, for later ASSUMEs and definitions
				st = p.peekAt(2)
				d := p.parseDef()
				m.Units = append(m.Units, unit{kind: unitDef, def: d, pos: d.Pos})
				e = d.Body
			} else {
				e = p.parseExpr()
			}
			u := unit{kind: unitAssume, expr: e, pos: pos{t.line, t.col}, sp: span{pos{st.line, st.col}, p.lastEnd}}
			if t.text != "AXIOM" {
				m.Units = append(m.Units, u)
			}
		case t.kind == tIdent && (t.text == "THEOREM" || t.text == "LEMMA" || t.text == "PROPOSITION" ||
			t.text == "COROLLARY" || t.text == "USE" || t.text == "HIDE"):
			p.advance()
			// THEOREM Name == e defines Name as e (specs ASSUME such theorems for TLC
			// to check); statements that are not expressions (ASSUME ... PROVE) and
			// proofs are skipped.
			if d := p.tryTheoremDef(); d != nil {
				m.Units = append(m.Units, unit{kind: unitDef, def: d, pos: d.Pos})
			}
			p.skipToUnit()
		case t.kind == tIdent && t.text == "RECURSIVE":
			p.advance()
			p.parseDecls(true)
		case t.kind == tIdent && t.text == "LOCAL":
			p.advance()
			if p.isKw("INSTANCE") {
				inst := p.parseInstance()
				m.Units = append(m.Units, unit{kind: unitInstance, inst: inst, local: true, pos: inst.Pos})
				continue
			}
			d := p.parseDef()
			d.Local = true
			m.Units = append(m.Units, unit{kind: unitDef, def: d, local: true, pos: d.Pos})
		case t.kind == tIdent && t.text == "INSTANCE":
			inst := p.parseInstance()
			m.Units = append(m.Units, unit{kind: unitInstance, inst: inst, pos: inst.Pos})
		default:
			d := p.parseDef()
			m.Units = append(m.Units, unit{kind: unitDef, def: d, pos: d.Pos})
		}
	}
}

// skipToUnit skips a theorem and its proof: everything up to the next token in column 1
// that starts a module-level unit.
func (p *parser) skipToUnit() {
	for {
		t := p.raw()
		if t.kind == tEOF {
			return
		}
		if t.col == 1 && p.i > 0 && p.startsUnit() {
			return
		}
		p.advance()
	}
}

func (p *parser) startsUnit() bool {
	t := p.raw()
	if t.kind == tSep || t.kind == tEnd {
		return true
	}
	if t.kind != tIdent {
		return false
	}
	switch t.text {
	case "CONSTANT", "CONSTANTS", "VARIABLE", "VARIABLES", "ASSUME", "ASSUMPTION", "AXIOM", "THEOREM",
		"LEMMA", "PROPOSITION", "COROLLARY", "LOCAL", "INSTANCE", "RECURSIVE", "EXTENDS":
		return true
	}
	n := p.peekAt(1)
	if n.kind == tOp && n.text == "==" {
		return true
	}
	if n.kind == tOp && (n.text == "(" || n.text == "[") {
		closeTok := ")"
		if n.text == "[" {
			closeTok = "]"
		}
		depth := 0
		for k := 1; p.i+k < len(p.toks); k++ {
			x := p.toks[p.i+k]
			if x.kind == tOp && (x.text == "(" || x.text == "[") {
				depth++
			} else if x.kind == tOp && (x.text == ")" || x.text == "]") {
				depth--
				if depth == 0 {
					y := p.peekAt(k + 1)
					return x.text == closeTok && y.kind == tOp && y.text == "=="
				}
			} else if x.kind == tEOF {
				return false
			}
		}
	}
	if n.kind == tOp && p.peekAt(2).kind == tIdent && p.peekAt(3).kind == tOp && p.peekAt(3).text == "==" {
		return true
	}
	return false
}

// parseDecls parses CONSTANT or VARIABLE (allowOps false) declaration lists.
func (p *parser) parseDecls(allowOps bool) []param {
	var out []param
	for {
		t := p.cur()
		if allowOps && t.kind == tIdent && t.text == "_" {
			// infix operator constant _ op _
			p.advance()
			op := p.advance()
			p.expectIdent()
			out = append(out, param{Name: op.text, Arity: 2})
		} else {
			name := p.expectIdent()
			par := param{Name: name.text}
			if allowOps && p.isOp("(") {
				p.advance()
				for {
					u := p.advance()
					if u.text != "_" {
						p.fail(u, "expected _ in operator declaration")
					}
					par.Arity++
					if !p.isOp(",") {
						break
					}
					p.advance()
				}
				p.expectOp(")")
			}
			out = append(out, par)
		}
		if !p.isOp(",") {
			return out
		}
		p.advance()
	}
}

func (p *parser) parseInstance() *instanceDecl {
	t := p.expectKw("INSTANCE")
	name := p.expectIdent()
	inst := &instanceDecl{Module: name.text, Subs: map[string]expr{}, Pos: pos{t.line, t.col}}
	if p.isKw("WITH") {
		p.advance()
		for {
			var nm string
			c := p.cur()
			if c.kind == tIdent {
				nm = p.advance().text
			} else if c.kind == tOp {
				nm = p.advance().text
			} else {
				p.fail(c, "expected a substitution")
			}
			p.expectOp("<-")
			inst.Subs[nm] = p.parseExpr()
			if !p.isOp(",") {
				break
			}
			p.advance()
		}
	}
	return inst
}

// parseDef parses one operator, function or named-instance definition.
func (p *parser) parseDef() *def {
	t := p.cur()
	d := &def{Pos: pos{t.line, t.col}, Kind: defOp}
	switch {
	case t.kind == tIdent && !reserved[t.text]:
		n := p.peekAt(1)
		if n.kind == tOp && n.text != "==" && n.text != "(" && n.text != "[" && p.peekAt(2).kind == tIdent {
			// infix definition a op b == e
			a := p.advance()
			op := p.advance()
			b := p.expectIdent()
			d.Name = op.text
			d.Params = []param{{Name: a.text}, {Name: b.text}}
			break
		}
		d.Name = p.advance().text
		if p.isOp("(") {
			p.advance()
			for {
				pn := p.expectIdent()
				par := param{Name: pn.text}
				if p.isOp("(") {
					p.advance()
					for {
						u := p.advance()
						if u.text != "_" {
							p.fail(u, "expected _ in operator parameter")
						}
						par.Arity++
						if !p.isOp(",") {
							break
						}
						p.advance()
					}
					p.expectOp(")")
				}
				d.Params = append(d.Params, par)
				if !p.isOp(",") {
					break
				}
				p.advance()
			}
			p.expectOp(")")
		} else if p.isOp("[") {
			p.advance()
			d.Kind = defFcn
			d.Binders = p.parseBinders(false)
			p.expectOp("]")
		}
	case t.kind == tOp && (t.text == "-" || t.text == "~") && p.peekAt(1).kind == tOp && p.peekAt(1).text == ".":
		// prefix definition -. a == e
		p.advance()
		p.advance()
		d.Name = "-."
		d.Params = []param{{Name: p.expectIdent().text}}
	default:
		p.fail(t, "unexpected %s at module level", t)
	}
	d.headSp = span{d.Pos, p.lastEnd}
	p.expectOp("==")
	if p.isKw("INSTANCE") {
		inst := p.parseInstance()
		inst.Params = d.Params
		d.Kind = defInstance
		d.inst = inst
		return d
	}
	st := p.cur()
	d.Body = p.parseExpr()
	d.bodySp = span{pos{st.line, st.col}, p.lastEnd}
	// TLC locates an action whose body is a LET at the LET's body
	for l, ok := d.Body.(*let); ok; l, ok = l.Body.(*let) {
		d.bodySp = exprSpan(l.Body)
	}
	return d
}

// Expressions.

type infixInfo struct {
	prec int
	left bool
}

var infixOps = map[string]infixInfo{
	"=>": {1, false}, "<=>": {2, false}, "\\equiv": {2, false}, "~>": {2, false}, "-+->": {2, false},
	"/\\": {3, true}, "\\/": {3, true}, "\\land": {3, true}, "\\lor": {3, true},
	"=": {5, false}, "#": {5, false}, "/=": {5, false}, "<": {5, false}, ">": {5, false}, "<=": {5, false},
	"=<": {5, false}, ">=": {5, false}, "\\leq": {5, false}, "\\geq": {5, false}, "\\in": {5, false},
	"\\notin": {5, false}, "\\subseteq": {5, false}, "\\subset": {5, false}, "\\supseteq": {5, false},
	"\\supset": {5, false}, "\\prec": {5, false}, "\\succ": {5, false}, "\\preceq": {5, false},
	"\\succeq": {5, false}, "\\sqsubseteq": {5, false}, "\\sqsupseteq": {5, false}, "|-": {5, false},
	"-|": {5, false}, "|=": {5, false}, "=|": {5, false}, ":=": {5, false}, "::=": {5, false},
	"\\approx": {5, false}, "\\sim": {5, false}, "\\simeq": {5, false}, "\\cong": {5, false},
	"\\doteq": {5, false}, "\\ll": {5, false}, "\\gg": {5, false}, "\\asymp": {5, false}, "\\propto": {5, false},
	"@@": {6, true}, ":>": {7, false}, "<:": {7, false},
	"\\cup": {8, true}, "\\union": {8, true}, "\\cap": {8, true}, "\\intersect": {8, true}, "\\": {8, false},
	"..": {9, false}, "...": {9, false}, "\\sqcap": {9, true}, "\\sqcup": {9, true}, "\\uplus": {9, true},
	"\\wr": {9, false}, "!!": {9, false}, "##": {9, true}, "$": {9, true}, "$$": {9, true}, "??": {9, true},
	"+": {10, true}, "++": {10, true}, "\\oplus": {10, true}, "(+)": {10, true},
	"%": {10, false}, "%%": {10, true}, "|": {10, true}, "||": {10, true},
	"\\X": {10, true}, "\\times": {10, true},
	"-": {11, true}, "--": {11, true}, "\\ominus": {11, true}, "(-)": {11, true},
	"*": {13, true}, "/": {13, false}, "\\div": {13, false}, "\\o": {13, true}, "\\circ": {13, true},
	"**": {13, true}, "//": {13, false}, "&": {13, true}, "&&": {13, true}, "\\odot": {13, true},
	"\\otimes": {13, true}, "\\oslash": {13, false}, "\\star": {13, true}, "\\bullet": {13, true},
	"\\bigcirc": {13, true}, "\\cdot": {5, true}, "(.)": {13, true}, "(/)": {13, true}, "(\\X)": {13, true},
	"^": {14, false}, "^^": {14, false},
}

var opAliases = map[string]string{
	"\\land": "/\\", "\\lor": "\\/", "\\lnot": "~", "\\neg": "~", "#": "/=", "=<": "<=", "\\leq": "<=",
	"\\geq": ">=", "\\union": "\\cup", "\\intersect": "\\cap", "\\times": "\\X", "\\circ": "\\o",
	"\\equiv": "<=>",
}

func canonOp(s string) string {
	if a, ok := opAliases[s]; ok {
		return a
	}
	return s
}

func (p *parser) parseExpr() expr { return p.parseBin(0) }

func (p *parser) spanFrom(t token) exprBase {
	return exprBase{sp: span{pos{t.line, t.col}, p.lastEnd}}
}

func (p *parser) parseBin(minPrec int) expr {
	start := p.cur()
	lhs := p.parsePrefix()
	for {
		t := p.cur()
		if t.kind != tOp {
			return lhs
		}
		info, ok := infixOps[t.text]
		if !ok || info.prec < minPrec {
			return lhs
		}
		op := canonOp(t.text)
		p.advance()
		if op == "\\X" {
			items := []expr{lhs}
			for {
				items = append(items, p.parseBin(info.prec+1))
				if !(p.isOp("\\X") || p.isOp("\\times")) {
					break
				}
				p.advance()
			}
			lhs = &opApp{exprBase: p.spanFrom(start), Op: "\\X", Args: items}
			continue
		}
		rhs := p.parseBin(info.prec + 1)
		if op == "/\\" || op == "\\/" {
			and := op == "/\\"
			if j, ok := lhs.(*junction); ok && j.And == and && !j.bulleted() {
				j.Items = append(j.Items, rhs)
				j.sp.to = p.lastEnd
			} else {
				lhs = &junction{exprBase: p.spanFrom(start), And: and, Items: []expr{lhs, rhs}}
			}
			continue
		}
		lhs = &opApp{exprBase: p.spanFrom(start), Op: op, Args: []expr{lhs, rhs}}
	}
}

// bulleted reports whether the junction came from a bulleted list; such lists are
// closed and never extended by a following infix operator.
func (j *junction) bulleted() bool { return j.sp.from.Col < 0 }

var prefixOps = map[string]int{
	"~": 4, "\\lnot": 4, "\\neg": 4, "[]": 4, "<>": 4, "ENABLED": 4, "UNCHANGED": 4,
	"SUBSET": 8, "UNION": 8, "DOMAIN": 9, "-": 12,
}

func (p *parser) parsePrefix() expr {
	t := p.cur()
	if (t.kind == tOp || t.kind == tIdent) && prefixOps[t.text] > 0 {
		prec := prefixOps[t.text]
		p.advance()
		x := p.parseBin(prec + 1)
		op := canonOp(t.text)
		if op == "-" {
			if n, ok := x.(*numLit); ok {
				return &numLit{exprBase: p.spanFrom(t), Val: -n.Val}
			}
			op = "-."
		}
		return &opApp{exprBase: p.spanFrom(t), Op: op, Args: []expr{x}}
	}
	return p.parsePostfix()
}

func (p *parser) parsePostfix() expr {
	start := p.cur()
	e := p.parsePrimary()
	for {
		t := p.cur()
		if t.kind != tOp {
			return e
		}
		switch t.text {
		case "[":
			p.advance()
			args := p.parseList("]")
			p.expectOp("]")
			e = &fcnApp{exprBase: p.spanFrom(start), Fcn: e, Args: args}
		case ".":
			p.advance()
			f := p.cur()
			if f.kind != tIdent && f.kind != tNum {
				p.fail(f, "expected a field name after '.'")
			}
			p.advance()
			e = &dot{exprBase: p.spanFrom(start), Rec: e, Field: f.text, field: strV(f.text)}
		case "'":
			p.advance()
			e = &prime{exprBase: p.spanFrom(start), X: e}
		case "^+", "^*", "^#":
			p.advance()
			e = &opApp{exprBase: p.spanFrom(start), Op: t.text, Args: []expr{e}}
		default:
			return e
		}
	}
}

func (p *parser) parseList(closeTok string) []expr {
	var out []expr
	if p.isOp(closeTok) {
		return out
	}
	for {
		out = append(out, p.parseExpr())
		if !p.isOp(",") {
			return out
		}
		p.advance()
	}
}

// subscriptAfter parses the _v of [A]_v or <<A>>_v, given the closing token.
func (p *parser) subscriptAfter(closing token) (expr, bool) {
	t := p.raw()
	if t.kind != tIdent || !strings.HasPrefix(t.text, "_") || t.line != closing.endLine || t.col != closing.endCol+1 {
		return nil, false
	}
	if nx := p.peekAt(1); t.text != "_" && nx.kind == tOp && nx.text == "!" && nx.line == t.endLine && nx.col == t.endCol+1 {
		// _M!vars: a definition of an instance; parse it as the name without the
		// underscore the lexer joined to it.
		t.text, t.col = t.text[1:], t.col+1
		p.toks[p.i] = t
		return p.parseIdentExpr(), true
	}
	p.advance()
	if t.text == "_" {
		return p.parsePostfixNoApp(), true
	}
	return &ident{exprBase: exprBase{sp: span{pos{t.line, t.col + 1}, pos{t.endLine, t.endCol}}}, Name: t.text[1:]}, true
}

// parsePostfixNoApp parses a subscript expression such as <<x, y>> or (x).
func (p *parser) parsePostfixNoApp() expr { return p.parsePrimary() }

func (p *parser) parseBinders(allowUnbounded bool) []binder {
	var out []binder
	for {
		var b binder
		if p.isOp("<<") {
			p.advance()
			b.Tuple = true
			for {
				b.Names = append(b.Names, p.expectIdent().text)
				if !p.isOp(",") {
					break
				}
				p.advance()
			}
			p.expectOp(">>")
			p.expectOp("\\in")
			b.Set = p.parseExpr()
		} else {
			for {
				b.Names = append(b.Names, p.expectIdent().text)
				if !p.isOp(",") || p.peekAt(1).kind != tIdent || p.peekAt(2).kind != tOp ||
					(p.peekAt(2).text != "," && p.peekAt(2).text != "\\in" && p.peekAt(2).text != ":") {
					break
				}
				// x, y \in S or x, y : (unbounded)
				p.advance()
			}
			if p.isOp("\\in") {
				p.advance()
				b.Set = p.parseExpr()
			} else if !allowUnbounded {
				p.fail(p.cur(), "expected \\in, found %s", p.cur())
			}
		}
		out = append(out, b)
		if !p.isOp(",") {
			return out
		}
		p.advance()
	}
}

func (p *parser) parsePrimary() expr {
	t := p.cur()
	switch t.kind {
	case tEOF:
		p.fail(t, "unexpected end of expression")
	case tNum:
		p.advance()
		v, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			p.fail(t, "integer literal %s out of range", t.text)
		}
		return &numLit{exprBase: p.spanFrom(t), Val: v}
	case tStr:
		p.advance()
		return &strLit{exprBase: p.spanFrom(t), Val: t.text}
	case tIllegal, tSep, tEnd:
		p.fail(t, "unexpected %s", t)
	case tIdent:
		return p.parseIdentExpr()
	}
	// operators
	switch t.text {
	case "(":
		p.advance()
		e := p.parseExpr()
		p.expectOp(")")
		return e
	case "/\\", "\\/", "\\land", "\\lor":
		return p.parseBullets()
	case "{":
		return p.parseBrace()
	case "[":
		return p.parseBracket()
	case "<<":
		p.advance()
		elems := p.parseList(">>")
		cl := p.expectOp(">>")
		if sub, ok := p.subscriptAfter(cl); ok {
			if len(elems) != 1 {
				p.fail(t, "<<A>>_v needs exactly one action")
			}
			return &actionBox{exprBase: p.spanFrom(t), Angle: true, A: elems[0], Sub: sub}
		}
		return &tupleLit{exprBase: p.spanFrom(t), Elems: elems}
	case "@":
		p.advance()
		return &at{exprBase: p.spanFrom(t)}
	case "\\A", "\\E", "\\forall", "\\exists":
		p.advance()
		bs := p.parseBinders(true)
		p.expectOp(":")
		body := p.parseExpr()
		return &quant{exprBase: p.spanFrom(t), Forall: t.text == "\\A" || t.text == "\\forall", Binders: bs, Body: body}
	case "\\AA", "\\EE":
		p.fail(t, "temporal quantifier %s is not supported", t.text)
	}
	p.fail(t, "unexpected %s", t)
	return nil
}

func (p *parser) parseBullets() expr {
	t := p.cur()
	and := t.text == "/\\" || t.text == "\\land"
	col := t.col
	j := &junction{And: and}
	j.sp.from = pos{t.line, -col} // negative column marks a bulleted list
	for {
		p.advance() // the bullet
		p.limits = append(p.limits, col)
		j.Items = append(j.Items, p.parseExpr())
		p.limits = p.limits[:len(p.limits)-1]
		n := p.cur()
		if n.kind == tOp && canonOp(n.text) == canonOp(t.text) && n.col == col {
			continue
		}
		break
	}
	j.sp.to = p.lastEnd
	if len(j.Items) == 1 {
		return j.Items[0]
	}
	return j
}

func (p *parser) parseIdentExpr() expr {
	t := p.cur()
	switch t.text {
	case "TRUE", "FALSE":
		p.advance()
		return &boolLit{exprBase: p.spanFrom(t), Val: t.text == "TRUE"}
	case "IF":
		p.advance()
		c := p.parseExpr()
		p.expectKw("THEN")
		a := p.parseExpr()
		p.expectKw("ELSE")
		b := p.parseExpr()
		return &ifThen{exprBase: p.spanFrom(t), Cond: c, Then: a, Else: b}
	case "CASE":
		p.advance()
		c := &caseExpr{}
		for {
			if p.isKw("OTHER") {
				p.advance()
				p.expectOp("->")
				c.Other = p.parseExpr()
				break
			}
			cond := p.parseExpr()
			p.expectOp("->")
			val := p.parseExpr()
			c.Arms = append(c.Arms, caseArm{cond, val})
			if !p.isOp("[]") {
				break
			}
			p.advance()
		}
		c.exprBase = p.spanFrom(t)
		return c
	case "LET":
		p.advance()
		l := &let{}
		for !p.isKw("IN") {
			if p.isKw("RECURSIVE") {
				p.advance()
				p.parseDecls(true)
				continue
			}
			if p.cur().kind == tEOF {
				p.fail(p.cur(), "expected IN")
			}
			l.Defs = append(l.Defs, p.parseDef())
		}
		p.advance()
		l.Body = p.parseExpr()
		l.exprBase = p.spanFrom(t)
		return l
	case "CHOOSE":
		p.advance()
		bs := p.parseBinders(true)
		if len(bs) != 1 {
			p.fail(t, "CHOOSE takes one binder")
		}
		p.expectOp(":")
		body := p.parseExpr()
		return &choose{exprBase: p.spanFrom(t), B: bs[0], Body: body}
	case "LAMBDA":
		p.advance()
		var ps []string
		for {
			ps = append(ps, p.expectIdent().text)
			if !p.isOp(",") {
				break
			}
			p.advance()
		}
		p.expectOp(":")
		body := p.parseExpr()
		return &lambda{exprBase: p.spanFrom(t), Params: ps, Body: body}
	case "WF_", "SF_":
		p.advance()
		sub := p.parsePrimaryNoArgs()
		p.expectOp("(")
		a := p.parseExpr()
		p.expectOp(")")
		return &fairness{exprBase: p.spanFrom(t), Strong: t.text == "SF_", Sub: sub, A: a}
	case "SUBSET", "UNION", "DOMAIN", "ENABLED", "UNCHANGED":
		return p.parsePrefix()
	}
	if reserved[t.text] {
		p.fail(t, "unexpected keyword %s", t.text)
	}
	p.advance()
	// label
	if p.isOp("::") {
		p.advance()
		return p.parseExpr()
	}
	id := &ident{Name: t.text}
	for {
		if p.isOp("(") {
			p.advance()
			id.Args = p.parseArgs()
			p.expectOp(")")
			if id.Args == nil {
				id.Args = []expr{}
			}
		}
		if p.isOp("!") && p.peekAt(1).kind == tOp && p.peekAt(1).text == ":" {
			// Thm!: is the statement of theorem Thm itself
			p.advance()
			p.advance()
			break
		}
		if p.isOp("!") && p.peekAt(1).kind == tNum {
			// positional subexpression selector: Inv!2 is Inv's second conjunct
			for p.isOp("!") && p.peekAt(1).kind == tNum {
				p.advance()
				n, _ := strconv.Atoi(p.advance().text)
				id.Sel = append(id.Sel, n)
			}
			break
		}
		if p.isOp("!") && p.peekAt(1).kind == tIdent {
			p.advance()
			id.Prefix = append(id.Prefix, instRef{Name: id.Name, Args: id.Args})
			id.Name = p.advance().text
			id.Args = nil
			continue
		}
		break
	}
	id.exprBase = p.spanFrom(t)
	return id
}

// parseArgs parses operator arguments, which may also be bare operator symbols (+).
func (p *parser) parseArgs() []expr {
	var out []expr
	for {
		t := p.cur()
		if t.kind == tOp && infixOps[t.text].prec > 0 {
			n := p.peekAt(1)
			if n.kind == tOp && (n.text == "," || n.text == ")") {
				p.advance()
				out = append(out, &ident{exprBase: p.spanFrom(t), Name: canonOp(t.text)})
				goto next
			}
		}
		out = append(out, p.parseExpr())
	next:
		if !p.isOp(",") {
			return out
		}
		p.advance()
	}
}

func (p *parser) parsePrimaryNoArgs() expr {
	t := p.cur()
	if t.kind == tIdent && !reserved[t.text] {
		p.advance()
		return &ident{exprBase: p.spanFrom(t), Name: t.text}
	}
	return p.parsePrimary()
}

func (p *parser) parseBrace() expr {
	t := p.advance()
	if p.isOp("}") {
		p.advance()
		return &setEnum{exprBase: p.spanFrom(t)}
	}
	// {x \in S : P} with a tuple pattern
	if p.isOp("<<") {
		save := p.i
		ok := true
		k := 1
		for {
			x := p.peekAt(k)
			if x.kind != tIdent {
				ok = false
				break
			}
			y := p.peekAt(k + 1)
			if y.kind == tOp && y.text == "," {
				k += 2
				continue
			}
			if y.kind == tOp && y.text == ">>" && p.peekAt(k+2).kind == tOp && p.peekAt(k+2).text == "\\in" {
				break
			}
			ok = false
			break
		}
		if ok {
			bs := p.parseBinders(false)
			if p.isOp(":") && len(bs) == 1 {
				p.advance()
				pred := p.parseExpr()
				p.expectOp("}")
				return &setFilter{exprBase: p.spanFrom(t), B: bs[0], Pred: pred}
			}
			p.i = save
		}
	}
	first := p.parseExpr()
	if p.isOp(":") {
		p.advance()
		if in, ok := first.(*opApp); ok && in.Op == "\\in" {
			if id, ok := in.Args[0].(*ident); ok && id.Args == nil && id.Prefix == nil {
				pred := p.parseExpr()
				p.expectOp("}")
				return &setFilter{exprBase: p.spanFrom(t), B: binder{Names: []string{id.Name}, Set: in.Args[1]}, Pred: pred}
			}
		}
		bs := p.parseBinders(false)
		p.expectOp("}")
		return &setMap{exprBase: p.spanFrom(t), Elem: first, Binders: bs}
	}
	elems := []expr{first}
	for p.isOp(",") {
		p.advance()
		elems = append(elems, p.parseExpr())
	}
	p.expectOp("}")
	return &setEnum{exprBase: p.spanFrom(t), Elems: elems}
}

func (p *parser) parseBracket() expr {
	t := p.advance()
	c := p.cur()
	n := p.peekAt(1)
	if c.kind == tIdent && !reserved[c.text] && n.kind == tOp {
		switch n.text {
		case "|->":
			r := &recordLit{}
			for {
				r.Names = append(r.Names, p.expectIdent().text)
				p.expectOp("|->")
				r.Vals = append(r.Vals, p.parseExpr())
				if !p.isOp(",") {
					break
				}
				p.advance()
			}
			p.expectOp("]")
			r.exprBase = p.spanFrom(t)
			return r
		case ":":
			r := &recordSet{}
			for {
				r.Names = append(r.Names, p.expectIdent().text)
				p.expectOp(":")
				r.Sets = append(r.Sets, p.parseExpr())
				if !p.isOp(",") {
					break
				}
				p.advance()
			}
			p.expectOp("]")
			r.exprBase = p.spanFrom(t)
			return r
		}
	}
	if p.looksLikeFcnCons() {
		bs := p.parseBinders(false)
		p.expectOp("|->")
		body := p.parseExpr()
		p.expectOp("]")
		return &fcnCons{exprBase: p.spanFrom(t), Binders: bs, Body: body}
	}
	e := p.parseExpr()
	switch {
	case p.isKw("EXCEPT"):
		p.advance()
		ex := &except{Fcn: e}
		for {
			p.expectOp("!")
			var u exceptUpdate
			for {
				if p.isOp(".") {
					p.advance()
					f := p.advance()
					u.Path = append(u.Path, &strLit{exprBase: exprBase{sp: span{pos{f.line, f.col}, pos{f.endLine, f.endCol}}}, Val: f.text})
				} else if p.isOp("[") {
					p.advance()
					args := p.parseList("]")
					p.expectOp("]")
					if len(args) == 1 {
						u.Path = append(u.Path, args[0])
					} else {
						u.Path = append(u.Path, &tupleLit{Elems: args})
					}
				} else {
					break
				}
			}
			if len(u.Path) == 0 {
				p.fail(p.cur(), "expected [ or . after ! in EXCEPT")
			}
			p.expectOp("=")
			u.Val = p.parseExpr()
			ex.Updates = append(ex.Updates, u)
			if !p.isOp(",") {
				break
			}
			p.advance()
		}
		p.expectOp("]")
		ex.exprBase = p.spanFrom(t)
		return ex
	case p.isOp("->"):
		p.advance()
		r := p.parseExpr()
		p.expectOp("]")
		return &fcnSet{exprBase: p.spanFrom(t), Dom: e, Rng: r}
	}
	cl := p.expectOp("]")
	if sub, ok := p.subscriptAfter(cl); ok {
		return &actionBox{exprBase: p.spanFrom(t), A: e, Sub: sub}
	}
	p.fail(cl, "expected EXCEPT, -> or ]_v in brackets")
	return nil
}

// looksLikeFcnCons reports whether the tokens after [ are binders followed by |->.
func (p *parser) looksLikeFcnCons() bool {
	k := 0
	if x := p.peekAt(0); x.kind == tOp && x.text == "<<" {
		k = 1
		for {
			if p.peekAt(k).kind != tIdent {
				return false
			}
			k++
			if y := p.peekAt(k); y.kind == tOp && y.text == "," {
				k++
				continue
			}
			break
		}
		return p.peekAt(k).text == ">>" && p.peekAt(k+1).text == "\\in"
	}
	for {
		if p.peekAt(k).kind != tIdent || reserved[p.peekAt(k).text] {
			return false
		}
		k++
		y := p.peekAt(k)
		if y.kind == tOp && y.text == "," {
			k++
			continue
		}
		return y.kind == tOp && y.text == "\\in"
	}
}

// tryTheoremDef parses "Name == expr" after THEOREM, or returns nil and leaves the
// position unchanged.
func (p *parser) tryTheoremDef() (d *def) {
	t := p.cur()
	if t.kind != tIdent || reserved[t.text] || p.peekAt(1).kind != tOp || p.peekAt(1).text != "==" {
		return nil
	}
	save, saveLimits := p.i, p.limits
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(parseError); !ok {
				panic(r)
			}
			p.i, p.limits, d = save, saveLimits, nil
		}
	}()
	d = p.parseDef()
	// the statement must end where a proof or the next unit starts
	if n := p.raw(); n.col != 1 && !(n.kind == tIdent && (n.text == "PROOF" || n.text == "BY" || n.text == "OBVIOUS" || n.text == "OMITTED")) &&
		n.kind != tStep && n.kind != tEOF {
		p.i, p.limits = save, saveLimits
		return nil
	}
	return d
}
