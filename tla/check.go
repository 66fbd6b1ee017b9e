package tla

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Options configures CheckFile.
type Options struct {
	Config     string // cfg path; "" = spec path with .cfg
	NoDeadlock bool   // like TLC's -deadlock flag: do not report deadlocks
	// Workers is the number of goroutines that compute successors: 0 or 1 for one,
	// WorkersAuto for one per CPU. Any number gives the results of one worker: the
	// same counts, verdict, counterexample and state graph.
	Workers int
	Out     io.Writer // TLC-style output (nil = discard)
	// DumpDot, if set, receives the explored state graph in Graphviz dot format.
	DumpDot io.Writer
	// Exact stores every distinct state in full instead of as a 64-bit fingerprint.
	// Fingerprints, TLC's way and the default, take about 20 bytes a state where
	// exact storage takes the state's encoding (often hundreds of bytes), so they
	// reach models tens of times larger; the price is a small chance, which the
	// success report estimates as TLC does, that two distinct states collide and
	// part of the state space is not explored. Liveness properties, DumpDot and
	// StateGraph need the complete state graph and always store states exactly.
	Exact bool
	// TraceJSON, if set, receives the counterexample of a failed check in the JSON
	// form TLC's -dumpTrace json writes.
	TraceJSON io.Writer
	// Simulation, if set, generates random behaviours instead of searching the
	// whole state space (TLC's -simulate).
	Simulation *Simulation
	// Continue reports an invariant violation and goes on searching, as TLC's
	// -continue does (the run then ends like a success, with exit code 0, as TLC's).
	Continue bool
	// FP selects the fingerprint function, like TLC's -fp: runs with different
	// values collide on different pairs of states, if any.
	FP int
	// Checkpoint, if positive, writes a checkpoint of the search (see
	// checkpoint.go) every Checkpoint, as TLC's -checkpoint does, to
	// CheckpointDir, or to states/<time> beside the spec if that is empty.
	// Recover, if set, is a checkpoint's directory: the search goes on from it
	// instead of starting from the initial states (TLC's -recover). Both need
	// fingerprint mode.
	Checkpoint    time.Duration
	CheckpointDir string
	Recover       string
	// Coverage, if positive, prints TLC's coverage report of the actions (for
	// each, the distinct states it found first and the states it generated)
	// every Coverage during the search and at its end, as TLC's -coverage does.
	// The search then runs on one goroutine, whatever Workers says.
	Coverage time.Duration

	batch    int // queued states per parallel batch; 0 = a default (tests set it small)
	queueMem int // bytes of queue kept in memory before it spills to disk; 0 = a default
	// productMap indexes the liveness check's product in a map, as where no memory
	// can be reserved for its index by address (tests)
	productMap bool
	// replaySteps builds the liveness check's state graph by enumerating Next again
	// from every state instead of from the steps the search took (tests)
	replaySteps bool
}

// State is one state of a behaviour: variable values in declaration order.
type State struct {
	Vars   []string
	Values []Value
	// Action is the TLC-style label of the step that produced the state
	// ("<Initial predicate>" for the first).
	Action string

	step *stepInfo // the action's details, for TraceJSON
}

// String prints the state the way TLC does in traces.
func (s State) String() string {
	var b strings.Builder
	for i, n := range s.Vars {
		if len(s.Vars) > 1 {
			b.WriteString("/\\ ")
		}
		b.WriteString(n + " = " + fmtValue(s.Values[i]) + "\n")
	}
	return b.String()
}

// Result is the outcome of a model-checking run.
type Result struct {
	ExitCode            int // TLC's exit codes
	Generated, Distinct int64
	Depth               int
	Violation           string // "", "assume", "deadlock", "invariant", "action", "temporal", "assert", "eval", "parse", "config"
	ViolatedName        string // invariant / property name where TLC names it
	Trace               []State
	// LoopBack is, for a temporal violation whose counterexample ends in a cycle, the
	// 1-based index of the state the cycle returns to (TLC's "Back to state k"); 0
	// when the behaviour ends by stuttering in its last state.
	LoopBack int
	// Message is the main error message, if any.
	Message string

	back *State // the action of the step closing a lasso (LoopBack, or stuttering)
}

// TLC exit codes.
const (
	ExitOK            = 0
	ExitAssume        = 10
	ExitDeadlock      = 11
	ExitInvariant     = 12
	ExitTemporal      = 13
	ExitAssert        = 14
	ExitUnassigned    = 75
	ExitInvariantEval = 76
	ExitParse         = 150
	ExitConfig        = 151
	ExitEval          = 255
)

// CheckFile model-checks the TLA+ module at specPath with its configuration, the way
// TLC does with -workers 1 (whatever opts.Workers says; more workers only make it
// faster). The error is only for I/O problems; problems with the spec are reported in
// Result.ExitCode and on opts.Out.
func CheckFile(ctx context.Context, specPath string, opts Options) (*Result, error) {
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	src, err := os.ReadFile(specPath)
	if err != nil {
		return nil, err
	}
	cfgPath := opts.Config
	if cfgPath == "" {
		cfgPath = strings.TrimSuffix(specPath, ".tla") + ".cfg"
	}
	cfgSrc, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	workers := "1 worker"
	if n := opts.workers(); n > 1 {
		workers = fmt.Sprintf("%d workers", n)
	}
	mode := "breadth-first search with " + workers
	if opts.Simulation != nil {
		mode = "random simulation"
	}
	fmt.Fprintf(out, "tlacheck (TLC 2.20 compatible) %s\n", mode)
	fmt.Fprintf(out, "Parsing file %s\n", specPath)
	m, err := parseModule(specPath, string(src))
	if err != nil {
		return parseFailure(out, err), nil
	}
	cfg, err := parseConfig(cfgPath, string(cfgSrc))
	if err != nil {
		// TLC reports configuration syntax errors as unexpected exceptions (exit 255).
		fmt.Fprintf(out, "Error: configuration file %s: %v\n", cfgPath, err)
		return &Result{ExitCode: ExitEval, Violation: "eval", Message: err.Error()}, nil
	}
	ch := &checker{out: out, cfg: cfg, opts: opts, ctx: ctx, cfgText: string(cfgSrc)}
	res := ch.run(m, specPath)
	if opts.TraceJSON != nil && len(res.Trace) > 0 {
		if err := writeTraceJSON(opts.TraceJSON, res); err != nil {
			return res, err
		}
	}
	if res.ExitCode == ExitOK || res.Violation != "parse" && res.Violation != "config" {
		fmt.Fprintf(out, "Finished in %s at (%s)\n", fmtElapsed(time.Since(start)), time.Now().Format("2006-01-02 15:04:05"))
	}
	return res, nil
}

func fmtElapsed(d time.Duration) string {
	s := int(d.Seconds())
	if s < 60 {
		return fmt.Sprintf("%02ds", s)
	}
	return fmt.Sprintf("%dmin %02ds", s/60, s%60)
}

func parseFailure(out io.Writer, err error) *Result {
	var le *loadError
	if errors.As(err, &le) {
		fmt.Fprintf(out, "%s\n", le.msg)
	} else {
		fmt.Fprintf(out, "***Parse Error***\n%v\n", err)
	}
	fmt.Fprintf(out, "Error: Parsing or semantic analysis failed.\n")
	return &Result{ExitCode: ExitParse, Violation: "parse", Message: err.Error()}
}

type namedExpr struct {
	name string
	expr expr
	sc   *scope
}

type checker struct {
	out  io.Writer
	cfg  *config
	opts Options
	ctx  context.Context
	p    *program
	c    *evaluator

	init, next       *namedExpr
	invariants       []namedExpr
	actionProps      []namedExpr
	constraints      []namedExpr
	actionConstraint []namedExpr
	view             *namedExpr
	alias            *namedExpr
	symmetry         []Value      // permutations (functions), nil without SYMMETRY
	symPerms         [][]*modelV  // the permutations as tables (symmetryKey)
	symBest          []byte       // symmetryKey's result buffer
	symFixed         [][]byte     // symmetryKey: encodings of variables without model values
	symPieces        []symPiece   // symEncodeSorted's stack of element positions
	symTmp           []byte       // symEncodeSorted's copy of the unsorted elements
	symHashed        bool         // fingerprint mode: symmetryKey is the orbit's smallest hash (symhash.go)
	symHasher        *symHasher   // symmetryHashKey's hasher, made at its first use
	decoded          []decodedVar // decodeState's last state, variable by variable
	recNames         recordNames  // decodeState's field-name lists, one per record shape
	initProps        []namedExpr
	cfgText          string
	specPath         string
	errID            int32   // state whose path ends an error trace (-1: none)
	errSucc          []Value // state appended to an error trace
	evalInv          string  // invariant being evaluated (its errors exit with 76)
	queueLeft        int
	checkDeadlock    bool

	live liveSpec // temporal assumptions and properties for the liveness check

	store     *stateStore
	queue     *stateQueue
	keepGraph bool   // StateGraph reads the graph afterwards: store states exactly
	buf       []byte // stateKeyBytes's
	encBuf    []byte // addState's encoding of a state
	res       *Result
	dotOut    io.Writer
	cov       *coverage // Options.Coverage's counts
	steps     *stepLog  // the search's steps, for the liveness check
}

func (ch *checker) run(m *module, specPath string) (res *Result) {
	ch.res = &Result{}
	defer func() {
		if r := recover(); r != nil {
			ee, ok := r.(*evalError)
			if !ok {
				panic(r)
			}
			res = ch.evalFailure(ee)
		}
	}()
	if r := ch.load(m, specPath); r != nil {
		return r
	}
	if r := ch.checkAssumes(m); r != nil {
		return r
	}
	if ch.init == nil {
		fmt.Fprintf(ch.out, "Model checking completed. No error has been found.\n")
		fmt.Fprintf(ch.out, "0 states generated, 0 distinct states found, 0 states left on queue.\n")
		fmt.Fprintf(ch.out, "The depth of the complete state graph search is 0.\n")
		return ch.res
	}
	if ch.live.prepareOnly {
		return ch.res // trace validation needs the loaded spec, not the search
	}
	if ch.opts.Simulation != nil {
		return ch.simulate()
	}
	return ch.bfs()
}

// load builds the program of module m and applies the configuration. Parallel
// workers call it too, each for its own copy of the program, because evaluation
// caches its results in the syntax tree and the program.
func (ch *checker) load(m *module, specPath string) *Result {
	ch.specPath = specPath
	p := &program{
		dir: filepath.Dir(specPath), rootMod: m, models: map[string]*modelV{},
		std: standardModules(), texts: map[string]string{}, files: map[string]string{},
		instMemo: map[*def]*scope{}, overrides: map[string]map[string]*override{},
	}
	ch.p = p
	ch.c = &evaluator{p: p, out: ch.out}
	p.root = p.newScope(m.Name)
	// configuration overrides are recorded before building so instances pick them up
	for _, ca := range ch.cfg.Constants {
		if ca.Module == "" {
			continue
		}
		if p.overrides[ca.Module] == nil {
			p.overrides[ca.Module] = map[string]*override{}
		}
		ov := &override{isSub: ca.Subst, target: ca.Target}
		if !ca.Subst {
			ov.value = p.cfgToValue(ca.Value)
		}
		p.overrides[ca.Module][ca.Name] = ov
	}
	// TLC orders strings by when it first met them: configuration, then identifiers
	// while parsing, then string literals during semantic processing.
	p.rankTokens(ch.cfgText, true)
	p.ranked[m.Name] = true
	p.rankTokens(m.text, false)
	if err := p.build(m, p.root, nil, map[string]bool{m.Name: true}); err != nil {
		return parseFailure(ch.out, err)
	}
	srcs := []string{m.text}
	for _, name := range slices.Sorted(maps.Keys(p.texts)) {
		srcs = append(srcs, p.texts[name])
	}
	if err := p.loadInstanced(srcs...); err != nil {
		return parseFailure(ch.out, err)
	}
	p.rankLiterals()
	if err := checkNames(p.root, m); err != nil {
		return parseFailure(ch.out, err)
	}
	fmt.Fprintf(ch.out, "Semantic processing of module %s\n", m.Name)
	return ch.setup(m)
}

func (ch *checker) configError(msg string) *Result {
	fmt.Fprintf(ch.out, "Error: %s\n", msg)
	return &Result{ExitCode: ExitConfig, Violation: "config", Message: msg}
}

// setup applies the configuration: constants, behaviour spec, checks.
func (ch *checker) setup(m *module) *Result {
	p, cfg := ch.p, ch.cfg
	for _, ca := range cfg.Constants {
		if ca.Module != "" {
			if ca.Module == m.Name {
				p.applyOverrides(p.root)
				continue
			}
			if !p.extendedByRoot[ca.Module] {
				continue
			}
			// The module was merged into the root by EXTENDS, so its definitions
			// are the root's: the override applies there (an approximation of
			// TLC, which would scope it to that module's own uses).
		}
		d := p.root.lookup(ca.Name)
		if d == nil && ca.Subst {
			return ch.configError(fmt.Sprintf("In the configuration file, the identifier %s does not appear in the specification.", ca.Name))
		}
		if d == nil || (d.Kind == defVar && !ca.Subst) {
			// TLC ignores value assignments to names the spec does not declare
			continue
		}
		nd := &def{Name: d.Name, Kind: defConst, Params: d.Params, Pos: d.Pos, Module: d.Module, scope: p.root}
		if ca.Subst {
			t := p.root.lookup(ca.Target)
			if t == nil {
				return ch.configError(fmt.Sprintf("The operator %s specified in the configuration file\nis not defined in the specification.", ca.Target))
			}
			if d.Kind == defVar {
				return ch.configError(fmt.Sprintf("%s is a variable and cannot be replaced.", ca.Name))
			}
			p.root.defs[ca.Name] = t
			replaceDef(p.root, d, t)
			continue
		}
		nd.cached, nd.cacheSet = p.cfgToValue(ca.Value), true
		p.root.defs[ca.Name] = nd
		replaceDef(p.root, d, nd)
	}
	for _, d := range p.root.defs {
		if d.Kind == defConst && !d.cacheSet {
			return ch.configError(fmt.Sprintf("The constant parameter %s is not assigned a value by the configuration file.", d.Name))
		}
	}
	named := func(kind, name string) (*namedExpr, *Result) {
		d := p.root.lookup(name)
		if d == nil {
			return nil, ch.configError(fmt.Sprintf("The %s %s specified in the configuration file\nis not defined in the specification.", kind, name))
		}
		return &namedExpr{name: name, expr: &ident{Name: name, exprBase: exprBase{sp: span{d.Pos, d.Pos}}}, sc: p.root}, nil
	}
	if cfg.Specification != "" {
		ne, r := named("specification", cfg.Specification)
		if r != nil {
			return r
		}
		if r := ch.splitSpec(ne); r != nil {
			return r
		}
	} else {
		if cfg.Init != "" {
			ne, r := named("initial predicate", cfg.Init)
			if r != nil {
				return r
			}
			ch.init = ne
		}
		if cfg.Next != "" {
			ne, r := named("next-state relation", cfg.Next)
			if r != nil {
				return r
			}
			ch.next = ne
		}
	}
	for _, n := range cfg.Invariants {
		ne, r := named("invariant", n)
		if r != nil {
			return r
		}
		ch.invariants = append(ch.invariants, *ne)
	}
	for _, n := range cfg.Constraints {
		ne, r := named("constraint", n)
		if r != nil {
			return r
		}
		ch.constraints = append(ch.constraints, *ne)
	}
	for _, n := range cfg.ActionConstraints {
		ne, r := named("action constraint", n)
		if r != nil {
			return r
		}
		ch.actionConstraint = append(ch.actionConstraint, *ne)
	}
	for _, n := range cfg.Properties {
		ne, r := named("property", n)
		if r != nil {
			return r
		}
		ch.classifyProperty("", ne.expr, nil, p.root)
	}
	if cfg.View != "" {
		ne, r := named("view", cfg.View)
		if r != nil {
			return r
		}
		ch.view = ne
	}
	if cfg.Alias != "" {
		ne, r := named("alias", cfg.Alias)
		if r != nil {
			return r
		}
		ch.alias = ne
	}
	if cfg.Symmetry != "" {
		ne, r := named("symmetry", cfg.Symmetry)
		if r != nil {
			return r
		}
		v := ch.c.eval(ne.expr, nil, ne.sc)
		ch.symmetry = symmetryGroup(ch.c.enumerate(v, pos{}))
	}
	ch.checkDeadlock = !ch.opts.NoDeadlock
	if cfg.CheckDeadlock != nil && !*cfg.CheckDeadlock {
		ch.checkDeadlock = false
	}
	ch.p.tlcConfig = ch.tlcConfig()
	if ch.init != nil && ch.next == nil {
		return ch.configError("The configuration names an initial predicate but no next-state relation.")
	}
	return nil
}

// replaceDef points every scope entry that referred to old at nd (unnamed instances,
// extensions and standard modules share definitions).
func replaceDef(sc *scope, old, nd *def) {
	p := sc.prog
	if p.replaced == nil {
		p.replaced = map[*def]*def{}
	}
	p.replaced[old] = nd
	for _, s := range p.scopes {
		for k, d := range s.defs {
			if d == old {
				s.defs[k] = nd
			}
		}
	}
}

// splitSpec finds Init and Next in a specification of the form Init /\ [][Next]_v /\ F.
func (ch *checker) splitSpec(ne *namedExpr) *Result {
	var walk func(e expr, en *env, sc *scope) *Result
	walk = func(e expr, en *env, sc *scope) *Result {
		switch x := e.(type) {
		case *junction:
			if x.And {
				for _, it := range x.Items {
					if r := walk(it, en, sc); r != nil {
						return r
					}
				}
				return nil
			}
		case *opApp:
			if x.Op == "[]" {
				if ab, ok := x.Args[0].(*actionBox); ok && !ab.Angle {
					ch.next = &namedExpr{name: "Next", expr: ab.A, sc: sc}
					return nil
				}
			}
		case *fairness:
			ch.live.addAssumption(x, en, sc)
			return nil
		case *quant:
			if x.Forall && isTemporal(x.Body, sc) {
				ch.live.addAssumption(x, en, sc)
				return nil
			}
		case *ident:
			if x.Args == nil {
				var d *def
				if x.Prefix != nil {
					d = ch.c.instanceScope(x, en, sc).lookup(x.Name)
				} else {
					d = sc.lookup(x.Name)
				}
				if d != nil && d.Kind == defOp && len(d.Params) == 0 && d.Body != nil && isTemporal(d.Body, d.scope) {
					return walk(d.Body, nil, d.scope)
				}
			}
		}
		if isTemporal(e, sc) {
			ch.live.addAssumption(e, en, sc)
			return nil
		}
		if ch.init != nil {
			prev := ch.init
			ch.init = &namedExpr{name: "Init", expr: &junction{And: true, Items: []expr{prev.expr, e}}, sc: sc}
			if prev.sc != sc {
				return ch.configError("The initial predicate is split across modules; this is not supported.")
			}
			return nil
		}
		ch.init = &namedExpr{name: "Init", expr: e, sc: sc}
		return nil
	}
	d := ch.p.root.lookup(ne.name)
	return walk(d.Body, nil, d.scope)
}

// isTemporal reports whether e contains temporal operators ([], <>, ~>, WF, SF).
func isTemporal(e expr, sc *scope) bool {
	found := false
	var walk func(e expr, depth int)
	walk = func(e expr, depth int) {
		if found || e == nil || depth > 20 {
			return
		}
		switch x := e.(type) {
		case *opApp:
			if x.Op == "[]" || x.Op == "<>" || x.Op == "~>" || x.Op == "-+->" {
				found = true
				return
			}
			for _, a := range x.Args {
				walk(a, depth)
			}
		case *fairness:
			found = true
		case *junction:
			for _, a := range x.Items {
				walk(a, depth)
			}
		case *quant:
			walk(x.Body, depth)
		case *ident:
			if x.Prefix == nil && x.Args == nil {
				if d := sc.lookup(x.Name); d != nil && d.Kind == defOp && d.Body != nil && d.scope == sc {
					walk(d.Body, depth+1)
				}
			}
		case *ifThen:
			walk(x.Then, depth)
			walk(x.Else, depth)
		case *let:
			walk(x.Body, depth)
		}
	}
	walk(e, 0)
	return found
}

// classifyProperty sorts a PROPERTY into checks this engine performs: []P (a state
// predicate, checked like an invariant) and [][A]_v (checked on every transition).
// whole is the name of the definition whose entire body is e ("" if none); TLC names a
// violated property after it, or after its location otherwise.
func (ch *checker) classifyProperty(whole string, e expr, en *env, sc *scope) {
	loc := func(e expr) string {
		sp := exprSpan(e)
		return fmt.Sprintf("line %d, col %d to line %d, col %d of module %s", sp.from.Line, sp.from.Col, sp.to.Line, sp.to.Col, sc.name)
	}
	name := whole
	if name == "" {
		name = loc(e)
	}
	switch x := e.(type) {
	case *junction:
		if x.And {
			for _, it := range x.Items {
				ch.classifyProperty("", it, en, sc)
			}
			return
		}
	case *ident:
		if x.Args == nil {
			var d *def
			if x.Prefix != nil {
				d = ch.c.instanceScope(x, en, sc).lookup(x.Name)
			} else {
				d = sc.lookup(x.Name)
			}
			if d != nil && d.Kind == defOp && len(d.Params) == 0 && d.Body != nil {
				ch.classifyProperty(d.Name, d.Body, nil, d.scope)
				return
			}
		}
	case *opApp:
		if x.Op == "[]" {
			if ab, ok := x.Args[0].(*actionBox); ok && !ab.Angle {
				ch.actionProps = append(ch.actionProps, namedExpr{name: name, expr: ab, sc: sc})
				return
			}
			if !isTemporal(x.Args[0], sc) && !hasPrime(x.Args[0]) {
				if id, ok := x.Args[0].(*ident); ok && id.Args == nil && id.Prefix == nil {
					name = id.Name
				}
				ch.invariants = append(ch.invariants, namedExpr{name: name, expr: x.Args[0], sc: sc})
				return
			}
		}
	}
	if !isTemporal(e, sc) {
		// a state predicate as a property constrains only initial states
		ch.initProps = append(ch.initProps, namedExpr{name: name, expr: e, sc: sc})
		return
	}
	ch.live.addProperty(name, e, en, sc)
}

func hasPrime(e expr) bool {
	found := false
	var walk func(e expr)
	walk = func(e expr) {
		if found || e == nil {
			return
		}
		switch x := e.(type) {
		case *prime:
			found = true
		case *opApp:
			if x.Op == "UNCHANGED" || x.Op == "ENABLED" {
				found = true
			}
			for _, a := range x.Args {
				walk(a)
			}
		case *junction:
			for _, a := range x.Items {
				walk(a)
			}
		case *actionBox:
			found = true
		}
	}
	walk(e)
	return found
}

func (ch *checker) checkAssumes(m *module) *Result {
	var units []unit
	var collect func(m *module, seen map[string]bool)
	collect = func(m *module, seen map[string]bool) {
		for _, e := range m.Extends {
			if seen[e] || ch.p.std[e] != nil {
				continue
			}
			seen[e] = true
			if em, err := ch.p.parseModuleNamed(e); err == nil {
				collect(em, seen)
			}
		}
		for _, u := range m.Units {
			if u.kind == unitAssume {
				u.assumeNm = m.Name
				units = append(units, u)
			}
		}
	}
	collect(m, map[string]bool{})
	// ASSUMEs of extended modules are evaluated on fresh parses in the root scope
	for _, u := range units {
		v, ee := ch.evalAssume(u.expr)
		b, ok := v.(boolV)
		if ee != nil || !ok || !bool(b) {
			// As TLC: an assumption that cannot be evaluated is reported as such,
			// not also as false; both end the run with the assumption exit code.
			var msg string
			if ee != nil {
				msg = fmt.Sprintf("Evaluating assumption line %d, col %d to line %d, col %d of module %s failed.\n%s",
					u.sp.from.Line, u.sp.from.Col, u.sp.to.Line, u.sp.to.Col, u.assumeNm, ee.Msg)
			} else {
				msg = fmt.Sprintf("Assumption line %d, col %d to line %d, col %d of module %s is false.",
					u.sp.from.Line, u.sp.from.Col, u.sp.to.Line, u.sp.to.Col, u.assumeNm)
			}
			fmt.Fprintf(ch.out, "Error: %s\n", msg)
			return &Result{ExitCode: ExitAssume, Violation: "assume", Message: msg}
		}
	}
	return nil
}

func (ch *checker) evalAssume(e expr) (v Value, ee *evalError) {
	defer func() {
		if r := recover(); r != nil {
			x, ok := r.(*evalError)
			if !ok {
				panic(r)
			}
			ee = x
		}
	}()
	return ch.c.eval(e, nil, ch.p.root), nil
}

func (ch *checker) evalFailure(ee *evalError) *Result {
	r := ch.res
	r.ExitCode = ee.Code
	r.Violation = ee.Kind
	r.Message = ee.Msg
	r.ViolatedName = ee.Name
	fmt.Fprintf(ch.out, "Error: %s\n", ee.Msg)
	if ee.Pos.Line > 0 {
		fmt.Fprintf(ch.out, "line %d, col %d\n", ee.Pos.Line, ee.Pos.Col)
	}
	if len(r.Trace) > 0 {
		ch.printTrace(r.Trace)
	}
	ch.printStats(false)
	return r
}

// tlcConfig is the record TLCGet("config") returns, with TLC's fields: the search
// mode, whether deadlock is checked, the seed and fingerprint function, the workers,
// and, when simulating, the behaviours asked for and their depth. Specs assert on it
// (tlaplus/Examples' DieHardest requires a breadth-first search on one worker).
func (ch *checker) tlcConfig() Value {
	install, _ := os.Executable()
	workers := max(ch.opts.Workers, 1)
	names := []string{"install", "mode", "deadlock", "seed", "worker"}
	vals := []Value{strV(install), strV("bfs"), boolV(ch.checkDeadlock), strV("0"), intV(int64(workers))}
	if sim := ch.opts.Simulation; sim != nil {
		depth := sim.Depth
		if depth <= 0 {
			depth = 100
		}
		vals[1], vals[3] = strV("simulate"), strV(strconv.FormatInt(sim.Seed, 10))
		names = append(names, "traces", "depth", "aril", "sched")
		vals = append(vals, intV(int64(sim.Traces)), intV(int64(depth)), strV("0"), strV("random"))
	} else {
		names = append(names, "fingerprint")
		vals = append(vals, strV(strconv.Itoa(ch.opts.FP)))
	}
	return newRecord(names, vals)
}
