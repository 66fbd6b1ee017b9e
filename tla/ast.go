package tla

import "fmt"

// pos is a source position (1-based).
type pos struct {
	Line, Col int
}

// span is the source range of an expression, used for TLC-style action labels.
type span struct {
	from, to pos
}

// expr is a parsed TLA+ expression.
type expr interface {
	pos() pos
}

type exprBase struct {
	sp span
}

func (e *exprBase) pos() pos {
	p := e.sp.from
	if p.Col < 0 {
		p.Col = -p.Col
	}
	return p
}

func (e *exprBase) spanOf() span { return e.sp }

// identKind caches how an identifier resolved, so repeated evaluation skips the lookup.
type identKind uint8

const (
	identUnknown identKind = iota
	identLocal
	identGlobal
)

// ident is a name, possibly applied to arguments, possibly qualified by instance
// prefixes (M!N!Op(a)).
type ident struct {
	exprBase
	Prefix []instRef // instance path, outermost first
	Name   string
	Args   []expr // nil: no parentheses
	Sel    []int  // positional subexpression selectors (Op!2)
	// resolution cache
	kind identKind
	def  *def
	// variable resolution cache for assignment targets
	varKind varKind
	varDef  *def
}

type varKind uint8

const (
	varUnknown varKind = iota
	varNo
	varYes
)

// instRef is one M or M(args) segment of M!Op.
type instRef struct {
	Name string
	Args []expr
}

// numLit is an integer literal.
type numLit struct {
	exprBase
	Val int64
	v   Value
}

// strLit is a string literal.
type strLit struct {
	exprBase
	Val string
	v   Value
}

// boolLit is TRUE or FALSE.
type boolLit struct {
	exprBase
	Val bool
}

// opApp is a built-in prefix, infix or postfix operator application.
type opApp struct {
	exprBase
	Op   string
	Args []expr
}

// junction is a conjunction or disjunction (bulleted list or infix chain).
type junction struct {
	exprBase
	And   bool
	Items []expr
}

// binder is x \in S, <<x, y>> \in S, or an unbounded x.
type binder struct {
	Names []string
	Tuple bool // <<x, y>> \in S binds a tuple pattern
	Set   expr // nil when unbounded
}

// quant is \A or \E.
type quant struct {
	exprBase
	Forall  bool
	Binders []binder
	Body    expr
}

// choose is CHOOSE x \in S : P (Set nil when unbounded).
type choose struct {
	exprBase
	B    binder
	Body expr
}

// setEnum is {a, b, c}.
type setEnum struct {
	exprBase
	Elems []expr
}

// setFilter is {x \in S : P}.
type setFilter struct {
	exprBase
	B    binder
	Pred expr
}

// setMap is {e : x \in S, ...}.
type setMap struct {
	exprBase
	Elem    expr
	Binders []binder
}

// tupleLit is <<a, b>>.
type tupleLit struct {
	exprBase
	Elems []expr
}

// fcnCons is [x \in S |-> e].
type fcnCons struct {
	exprBase
	Binders []binder
	Body    expr
}

// fcnSet is [S -> T].
type fcnSet struct {
	exprBase
	Dom, Rng expr
}

// recordLit is [a |-> e, ...].
type recordLit struct {
	exprBase
	Names []string
	Vals  []expr
}

// recordSet is [a : S, ...].
type recordSet struct {
	exprBase
	Names []string
	Sets  []expr
}

// exceptUpdate is one ![a][b].c = e clause.
type exceptUpdate struct {
	Path []expr // each a key expression; field names become string literals
	Val  expr
}

// except is [f EXCEPT ...].
type except struct {
	exprBase
	Fcn     expr
	Updates []exceptUpdate
}

// fcnApp is f[a] (several arguments form a tuple).
type fcnApp struct {
	exprBase
	Fcn  expr
	Args []expr
}

// dot is r.field.
type dot struct {
	exprBase
	Rec   expr
	Field string
	field Value // Field as a value, boxed once rather than at every access
}

// ifThen is IF c THEN a ELSE b.
type ifThen struct {
	exprBase
	Cond, Then, Else expr
}

// caseArm is one p -> e arm.
type caseArm struct {
	Cond, Val expr
}

// caseExpr is CASE arms [] OTHER -> e.
type caseExpr struct {
	exprBase
	Arms  []caseArm
	Other expr
}

// let is LET defs IN body.
type let struct {
	exprBase
	Defs []*def
	Body expr
}

// prime is e'.
type prime struct {
	exprBase
	X expr
}

// actionBox is [A]_v (Angle false) or <<A>>_v (Angle true).
type actionBox struct {
	exprBase
	Angle bool
	A     expr
	Sub   expr
}

// fairness is WF_v(A) or SF_v(A).
type fairness struct {
	exprBase
	Strong bool
	Sub    expr
	A      expr
}

// lambda is LAMBDA x, y : e.
type lambda struct {
	exprBase
	Params []string
	Body   expr
}

// at is @ inside EXCEPT.
type at struct {
	exprBase
}

// param is a formal parameter; Arity > 0 for operator parameters F(_, _).
type param struct {
	Name  string
	Arity int
}

// defKind distinguishes the kinds of named things a module scope holds.
type defKind uint8

const (
	defOp       defKind = iota // operator definition (Params may be empty)
	defFcn                     // function definition f[x \in S] == e
	defConst                   // declared constant
	defVar                     // declared variable
	defBuiltin                 // standard-module operator implemented in Go
	defInstance                // named instance M == INSTANCE N
	defSubst                   // instance parameter replaced by an expression of the instantiating module
)

// def is a named definition or declaration.
type def struct {
	Name    string
	Kind    defKind
	Params  []param
	Binders []binder // function definitions
	Body    expr
	Local   bool
	Pos     pos
	Module  string
	bodySp  span
	headSp  span // the name and parameters, where TLC's coverage report locates an action

	scope   *scope // module scope the body is evaluated in
	varIdx  int    // defVar
	builtin builtinFn
	inst    *instanceDecl
	// substEnv binds instance parameters for defSubst bodies of parameterized instances
	substEnv *env
	// cache of zero-arity constant-level values (evaluated once per scope)
	cached   Value
	cacheSet bool
	noCache  bool // depends on state or is being evaluated
	// recursive function definitions are evaluated lazily with memoization.
	fcnVal *lazyFcnV
	// a LET definition without parameters found constant (keepLetConst): its value
	// in letConstScope; letOpen once it is found not to be
	letConst      Value
	letConstScope *scope
	letOpen       bool
	action        actionLevel // whether the body is an action (see isAction)
}

// instanceDecl is INSTANCE M WITH a <- e.
type instanceDecl struct {
	Module string
	Subs   map[string]expr
	Params []param // parameterized named instance P(x) == INSTANCE M
	Pos    pos
}

// module is a parsed module.
type module struct {
	text      string // source, for TLC's string order (see strorder.go)
	Name      string
	File      string
	Extends   []string
	Units     []unit
	Submodule []*module
}

// unit is one top-level item in source order.
type unit struct {
	kind     unitKind
	def      *def          // unitDef
	names    []param       // unitConst / unitVar
	inst     *instanceDecl // unitInstance (unnamed)
	expr     expr          // unitAssume
	local    bool
	pos      pos
	sp       span
	assumeNm string // unitAssume: the module it belongs to, once collected
}

type unitKind uint8

const (
	unitDef unitKind = iota
	unitConst
	unitVar
	unitInstance
	unitAssume
)

// specError is a positioned parse or semantic error.
type specError struct {
	File string
	Pos  pos
	Msg  string
}

func (e *specError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}
