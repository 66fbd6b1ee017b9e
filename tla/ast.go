package tla

import "fmt"

// Pos is a source position (1-based).
type Pos struct {
	Line, Col int
}

// span is the source range of an expression, used for TLC-style action labels.
type span struct {
	from, to Pos
}

// Expr is a parsed TLA+ expression.
type Expr interface {
	pos() Pos
}

type exprBase struct {
	sp span
}

func (e *exprBase) pos() Pos {
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

// Ident is a name, possibly applied to arguments, possibly qualified by instance
// prefixes (M!N!Op(a)).
type Ident struct {
	exprBase
	Prefix []instRef // instance path, outermost first
	Name   string
	Args   []Expr // nil: no parentheses
	Sel    []int  // positional subexpression selectors (Op!2)
	// resolution cache
	kind identKind
	def  *Def
	// variable resolution cache for assignment targets
	varKind varKind
	varDef  *Def
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
	Args []Expr
}

// NumLit is an integer literal.
type NumLit struct {
	exprBase
	Val int64
	v   Value
}

// StrLit is a string literal.
type StrLit struct {
	exprBase
	Val string
	v   Value
}

// BoolLit is TRUE or FALSE.
type BoolLit struct {
	exprBase
	Val bool
}

// OpApp is a built-in prefix, infix or postfix operator application.
type OpApp struct {
	exprBase
	Op   string
	Args []Expr
}

// Junction is a conjunction or disjunction (bulleted list or infix chain).
type Junction struct {
	exprBase
	And   bool
	Items []Expr
}

// Binder is x \in S, <<x, y>> \in S, or an unbounded x.
type Binder struct {
	Names []string
	Tuple bool // <<x, y>> \in S binds a tuple pattern
	Set   Expr // nil when unbounded
}

// Quant is \A or \E.
type Quant struct {
	exprBase
	Forall  bool
	Binders []Binder
	Body    Expr
}

// Choose is CHOOSE x \in S : P (Set nil when unbounded).
type Choose struct {
	exprBase
	B    Binder
	Body Expr
}

// SetEnum is {a, b, c}.
type SetEnum struct {
	exprBase
	Elems []Expr
}

// SetFilter is {x \in S : P}.
type SetFilter struct {
	exprBase
	B    Binder
	Pred Expr
}

// SetMap is {e : x \in S, ...}.
type SetMap struct {
	exprBase
	Elem    Expr
	Binders []Binder
}

// TupleLit is <<a, b>>.
type TupleLit struct {
	exprBase
	Elems []Expr
}

// FcnCons is [x \in S |-> e].
type FcnCons struct {
	exprBase
	Binders []Binder
	Body    Expr
}

// FcnSet is [S -> T].
type FcnSet struct {
	exprBase
	Dom, Rng Expr
}

// RecordLit is [a |-> e, ...].
type RecordLit struct {
	exprBase
	Names []string
	Vals  []Expr
}

// RecordSet is [a : S, ...].
type RecordSet struct {
	exprBase
	Names []string
	Sets  []Expr
}

// ExceptUpdate is one ![a][b].c = e clause.
type ExceptUpdate struct {
	Path []Expr // each a key expression; field names become string literals
	Val  Expr
}

// Except is [f EXCEPT ...].
type Except struct {
	exprBase
	Fcn     Expr
	Updates []ExceptUpdate
}

// FcnApp is f[a] (several arguments form a tuple).
type FcnApp struct {
	exprBase
	Fcn  Expr
	Args []Expr
}

// Dot is r.field.
type Dot struct {
	exprBase
	Rec   Expr
	Field string
}

// IfThen is IF c THEN a ELSE b.
type IfThen struct {
	exprBase
	Cond, Then, Else Expr
}

// CaseArm is one p -> e arm.
type CaseArm struct {
	Cond, Val Expr
}

// Case is CASE arms [] OTHER -> e.
type Case struct {
	exprBase
	Arms  []CaseArm
	Other Expr
}

// Let is LET defs IN body.
type Let struct {
	exprBase
	Defs []*Def
	Body Expr
}

// Prime is e'.
type Prime struct {
	exprBase
	X Expr
}

// ActionBox is [A]_v (Angle false) or <<A>>_v (Angle true).
type ActionBox struct {
	exprBase
	Angle bool
	A     Expr
	Sub   Expr
}

// Fairness is WF_v(A) or SF_v(A).
type Fairness struct {
	exprBase
	Strong bool
	Sub    Expr
	A      Expr
}

// Lambda is LAMBDA x, y : e.
type Lambda struct {
	exprBase
	Params []string
	Body   Expr
}

// At is @ inside EXCEPT.
type At struct {
	exprBase
}

// Param is a formal parameter; Arity > 0 for operator parameters F(_, _).
type Param struct {
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

// Def is a named definition or declaration.
type Def struct {
	Name    string
	Kind    defKind
	Params  []Param
	Binders []Binder // function definitions
	Body    Expr
	Local   bool
	Pos     Pos
	Module  string
	bodySp  span

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
	fcnVal *LazyFcnV
}

// instanceDecl is INSTANCE M WITH a <- e.
type instanceDecl struct {
	Module string
	Subs   map[string]Expr
	Params []Param // parameterized named instance P(x) == INSTANCE M
	Pos    Pos
}

// Module is a parsed module.
type Module struct {
	text      string // source, for TLC's string order (see strorder.go)
	Name      string
	File      string
	Extends   []string
	Units     []unit
	Submodule []*Module
}

// unit is one top-level item in source order.
type unit struct {
	kind     unitKind
	def      *Def          // unitDef
	names    []Param       // unitConst / unitVar
	inst     *instanceDecl // unitInstance (unnamed)
	expr     Expr          // unitAssume
	local    bool
	pos      Pos
	sp       span
	assumeNm string
}

type unitKind uint8

const (
	unitDef unitKind = iota
	unitConst
	unitVar
	unitInstance
	unitAssume
)

// Error is a positioned parse or semantic error.
type Error struct {
	File string
	Pos  Pos
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}
