package tla

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"
)

// TraceOptions configures ValidateTrace.
type TraceOptions struct {
	// ActionKey is the JSON key that names the action of a step ("action" if empty).
	// Its value is an action name ("Start") or a name with TLC-formatted arguments
	// ("Start(c1)"); a step without it may be any step of Next, or stuttering.
	ActionKey string
	// IgnoreUnknown skips keys that are neither variables nor ActionKey (for logs
	// that carry timestamps and the like); by default they are an error.
	IgnoreUnknown bool
	// MaxCandidates bounds the set of states consistent with the trace so far
	// (unlogged variables are chosen existentially); 0 means 1,000,000.
	MaxCandidates int
	// Out receives a report of the first step that cannot be matched (nil = discard).
	Out io.Writer
}

// TraceResult is the outcome of ValidateTrace.
type TraceResult struct {
	// OK reports that the whole trace is a behaviour of the spec (a prefix of one).
	OK bool
	// Steps is the number of trace steps matched.
	Steps int
	// Candidates is the number of states consistent with the trace after the last
	// matched step.
	Candidates int
	// Failure describes the first step that could not be matched (nil when OK).
	Failure *TraceFailure
	// Check is set when the spec itself could not be loaded (parse, config, ASSUME
	// or evaluation errors); its ExitCode is TLC's.
	Check *Result
}

// TraceFailure is the first step of a trace that no step of the spec explains.
type TraceFailure struct {
	Step    int    // 1-based index of the step (line) in the trace
	Line    string // the step as logged
	Reason  string // summary
	Actions []ActionMismatch
}

// ActionMismatch says why one action of the spec cannot take the failed step.
type ActionMismatch struct {
	Action string // action name, with arguments where it has them
	Reason string
}

func (f *TraceFailure) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "step %d cannot be matched: %s\n  %s\n", f.Step, f.Reason, f.Line)
	for _, a := range f.Actions {
		fmt.Fprintf(&b, "  %s: %s\n", a.Action, a.Reason)
	}
	return b.String()
}

// ValidateTrace decides whether a logged trace is a behaviour of the spec.
//
// The trace is NDJSON, one object per step, the first being an initial state. Keys
// that name variables give their values; variables a step leaves out may take any
// value the spec allows (the set of candidate states is kept). JSON values match TLA+
// values this way:
//   - string: a string, or a model value of that name;
//   - number: an integer;
//   - boolean: a boolean;
//   - array: a sequence (tuple) of matching elements, or a set with exactly those
//     elements (in any order);
//   - object: a record with exactly those fields, or a function whose domain
//     elements print as the keys (model values c1, strings "a" as a, integers as
//     decimal), each mapping to a matching value;
//   - null: any value (the same as leaving the key out).
//
// A key v[k] logs one entry of a function-valued variable v (the entry whose domain
// element prints as k, as for object keys), leaving its other entries unlogged.
//
// Each step after the first must be a step of Next from one of the candidate states
// (of the named action when the step names one) leading to a state that matches the
// logged values, or a stuttering step when no action is named. The error is only for
// I/O and malformed JSON.
func ValidateTrace(ctx context.Context, specPath, cfgPath string, trace io.Reader, opts TraceOptions) (*TraceResult, error) {
	ch, res, err := prepareChecker(ctx, specPath, cfgPath)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != ExitOK || ch.init == nil || ch.next == nil {
		if res.ExitCode == ExitOK {
			res = &Result{ExitCode: ExitConfig, Violation: "config", Message: "the configuration names no behaviour spec"}
		}
		return &TraceResult{Check: res}, nil
	}
	tv := &traceValidator{ch: ch, opts: opts, c: &evaluator{p: ch.p, out: io.Discard}}
	if tv.opts.ActionKey == "" {
		tv.opts.ActionKey = "action"
	}
	if tv.opts.MaxCandidates == 0 {
		tv.opts.MaxCandidates = 1000000
	}
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	r := &TraceResult{}
	sc := bufio.NewScanner(trace)
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024)
	var cands [][]Value
	line := 0
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		line++
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, err := tv.parseStep(text)
		if err != nil {
			return nil, fmt.Errorf("trace step %d: %w", line, err)
		}
		var fail *TraceFailure
		if line == 1 {
			cands, fail = tv.first(st)
		} else {
			cands, fail = tv.step(cands, st)
		}
		if fail == nil && len(cands) > tv.opts.MaxCandidates {
			fail = &TraceFailure{Reason: fmt.Sprintf("more than %d states are consistent with the trace; log more variables", tv.opts.MaxCandidates)}
		}
		if fail != nil {
			fail.Step, fail.Line = line, text
			r.Failure = fail
			fmt.Fprint(out, fail.String())
			return r, nil
		}
		r.Steps = line
		r.Candidates = len(cands)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if line == 0 {
		return nil, errors.New("empty trace")
	}
	r.OK = true
	return r, nil
}

// prepareChecker loads the spec and applies the configuration without searching the
// state space.
func prepareChecker(ctx context.Context, specPath, cfgPath string) (*checker, *Result, error) {
	out := io.Discard
	src, err := os.ReadFile(specPath)
	if err != nil {
		return nil, nil, err
	}
	if cfgPath == "" {
		cfgPath = strings.TrimSuffix(specPath, ".tla") + ".cfg"
	}
	cfgSrc, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	m, err := parseModule(specPath, string(src))
	if err != nil {
		return nil, parseFailure(out, err), nil
	}
	cfg, err := parseConfig(cfgPath, string(cfgSrc))
	if err != nil {
		return nil, &Result{ExitCode: ExitEval, Violation: "eval", Message: err.Error()}, nil
	}
	ch := &checker{out: out, cfg: cfg, ctx: ctx}
	ch.live.prepareOnly = true
	res := ch.run(m, specPath)
	return ch, res, nil
}

type traceStep struct {
	vals    []any  // per variable; nil when not logged
	logged  []bool // per variable
	entries []traceEntry
	action  string // "" when not named
}

// traceEntry is one logged entry f[k] of a function-valued variable.
type traceEntry struct {
	v   int
	key string
	val any
}

type traceValidator struct {
	ch   *checker
	c    *evaluator
	opts TraceOptions
}

func (tv *traceValidator) parseStep(text string) (*traceStep, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	vars := tv.ch.p.vars
	st := &traceStep{vals: make([]any, len(vars)), logged: make([]bool, len(vars))}
	for k, v := range obj {
		if k == tv.opts.ActionKey {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("%s is not a string", k)
			}
			st.action = s
			continue
		}
		name, key, isEntry := strings.Cut(k, "[")
		if isEntry && strings.HasSuffix(key, "]") {
			i := slices.IndexFunc(vars, func(d *def) bool { return d.Name == name })
			if i >= 0 {
				if v != nil {
					st.entries = append(st.entries, traceEntry{i, strings.TrimSuffix(key, "]"), v})
				}
				continue
			}
		}
		i := slices.IndexFunc(vars, func(d *def) bool { return d.Name == k })
		if i < 0 {
			if tv.opts.IgnoreUnknown {
				continue
			}
			return nil, fmt.Errorf("%q is not a variable of the spec", k)
		}
		if v != nil {
			st.vals[i], st.logged[i] = v, true
		}
	}
	return st, nil
}

// mismatch returns "" if state s agrees with the logged values, or the first
// variable that differs, with both values.
func (tv *traceValidator) mismatch(s []Value, st *traceStep) string {
	for i, d := range tv.ch.p.vars {
		if st.logged[i] && !matchJSON(st.vals[i], s[i]) {
			b, _ := json.Marshal(st.vals[i])
			return fmt.Sprintf("%s is %s, the trace says %s", d.Name, fmtValue(s[i]), b)
		}
	}
	for _, e := range st.entries {
		name := tv.ch.p.vars[e.v].Name
		dom, vals, _ := fcnParts(s[e.v])
		k := slices.IndexFunc(dom, func(d Value) bool { return keyText(d) == e.key })
		b, _ := json.Marshal(e.val)
		if k < 0 {
			return fmt.Sprintf("%s has no entry %s, the trace says %s", name, e.key, b)
		}
		if !matchJSON(e.val, vals[k]) {
			return fmt.Sprintf("%s[%s] is %s, the trace says %s", name, e.key, fmtValue(vals[k]), b)
		}
	}
	return ""
}

func (tv *traceValidator) first(st *traceStep) ([][]Value, *TraceFailure) {
	c := tv.c
	nv := len(tv.ch.p.vars)
	c.initMode, c.split = true, false
	c.cur, c.next = make([]Value, nv), nil
	var inits [][]Value
	c.enum(tv.ch.init.expr, nil, tv.ch.init.sc, func() bool {
		for _, v := range c.cur {
			if v == nil {
				return false
			}
		}
		inits = append(inits, slices.Clone(c.cur))
		return false
	})
	c.initMode = false
	seen := map[string]bool{}
	var out [][]Value
	var why []string
	for _, s := range inits {
		if m := tv.mismatch(s, st); m != "" {
			why = append(why, m)
			continue
		}
		if k := encodeState(s); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		f := &TraceFailure{Reason: "no initial state matches"}
		for _, w := range firstDistinct(why, 5) {
			f.Actions = append(f.Actions, ActionMismatch{Action: "Init", Reason: w})
		}
		return nil, f
	}
	return out, nil
}

func firstDistinct(xs []string, n int) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// step advances the candidate states by one logged step.
func (tv *traceValidator) step(cands [][]Value, st *traceStep) ([][]Value, *TraceFailure) {
	c := tv.c
	nv := len(tv.ch.p.vars)
	next := make([]Value, nv)
	seen := map[string]bool{}
	var out [][]Value
	why := map[string][]string{} // action label -> reasons
	var order []string
	note := func(label, reason string) {
		if _, ok := why[label]; !ok {
			order = append(order, label)
		}
		why[label] = append(why[label], reason)
	}
	for _, s := range cands {
		if st.action == "" {
			// a stuttering step
			if tv.mismatch(s, st) == "" {
				if k := encodeState(s); !seen[k] {
					seen[k] = true
					out = append(out, s)
				}
			}
		}
		c.cur = s
		clear(next)
		c.next, c.split, c.primed, c.initMode = next, true, false, false
		c.label, c.labelArgs = nil, nil
		c.enum(tv.ch.next.expr, nil, tv.ch.next.sc, func() bool {
			for _, v := range next {
				if v == nil {
					return false
				}
			}
			name, full := "Next", "Next"
			if c.label != nil {
				name = c.label.Name
				full = name
				if len(c.labelArgs) > 0 {
					args := make([]string, len(c.labelArgs))
					for i, a := range c.labelArgs {
						args[i] = fmtValue(a)
					}
					full += "(" + strings.Join(args, ", ") + ")"
				}
			}
			if st.action != "" && st.action != name && st.action != full {
				return false
			}
			if m := tv.mismatch(next, st); m != "" {
				note(full, m)
				return false
			}
			if k := encodeState(next); !seen[k] {
				seen[k] = true
				out = append(out, slices.Clone(next))
			}
			return false
		})
	}
	if len(out) > 0 {
		return out, nil
	}
	f := &TraceFailure{}
	if st.action != "" {
		f.Reason = fmt.Sprintf("no %s step from the %d candidate state(s) matches", st.action, len(cands))
	} else {
		f.Reason = fmt.Sprintf("no step of Next from the %d candidate state(s) matches", len(cands))
	}
	for _, label := range order {
		reasons := firstDistinct(why[label], 3)
		f.Actions = append(f.Actions, ActionMismatch{Action: label, Reason: strings.Join(reasons, "; ")})
	}
	for _, name := range tv.actionNames() {
		if st.action != "" && st.action != name && !strings.HasPrefix(st.action, name+"(") {
			continue
		}
		tried := false
		for _, label := range order {
			tried = tried || label == name || strings.HasPrefix(label, name+"(")
		}
		if !tried {
			f.Actions = append(f.Actions, ActionMismatch{Action: name, Reason: "not enabled in any candidate state"})
		}
	}
	return nil, f
}

// actionNames lists the named actions Next is a disjunction of (through \E and
// definitions), for reporting the ones that were not enabled.
func (tv *traceValidator) actionNames() []string {
	var names []string
	var walk func(e expr, sc *scope, depth int)
	walk = func(e expr, sc *scope, depth int) {
		if depth > 20 {
			return
		}
		switch x := e.(type) {
		case *junction:
			if !x.And {
				for _, it := range x.Items {
					walk(it, sc, depth)
				}
			}
		case *opApp:
			if x.Op == "\\/" {
				walk(x.Args[0], sc, depth)
				walk(x.Args[1], sc, depth)
			}
		case *quant:
			if !x.Forall {
				walk(x.Body, sc, depth)
			}
		case *ident:
			if x.Prefix != nil {
				return
			}
			d := sc.lookup(x.Name)
			if d == nil || d.Kind != defOp || d.Body == nil {
				return
			}
			before := len(names)
			if isDisjunction(d.Body) {
				walk(d.Body, d.scope, depth+1)
			}
			if len(names) == before && !slices.Contains(names, d.Name) {
				names = append(names, d.Name)
			}
		}
	}
	walk(tv.ch.next.expr, tv.ch.next.sc, 0)
	return names
}

func isDisjunction(e expr) bool {
	switch x := e.(type) {
	case *junction:
		return !x.And
	case *opApp:
		return x.Op == "\\/"
	case *quant:
		return !x.Forall
	}
	return false
}

// matchJSON reports whether the decoded JSON value j denotes v (see ValidateTrace).
func matchJSON(j any, v Value) bool {
	switch x := j.(type) {
	case nil:
		return true
	case string:
		switch y := v.(type) {
		case strV:
			return string(y) == x
		case *modelV:
			return y.Name == x
		}
	case json.Number:
		n, ok := new(big.Int).SetString(x.String(), 10)
		if !ok {
			return false
		}
		if y, isInt := v.(intV); isInt {
			return n.IsInt64() && n.Int64() == int64(y)
		}
	case bool:
		if y, ok := v.(boolV); ok {
			return bool(y) == x
		}
	case []any:
		switch y := v.(type) {
		case *tupleV:
			if len(y.Elems) != len(x) {
				return false
			}
			for i := range x {
				if !matchJSON(x[i], y.Elems[i]) {
					return false
				}
			}
			return true
		case *setV:
			if len(y.Elems) != len(x) {
				return false
			}
			used := make([]bool, len(y.Elems))
			for _, je := range x {
				found := false
				for k, e := range y.Elems {
					if !used[k] && matchJSON(je, e) {
						used[k], found = true, true
						break
					}
				}
				if !found {
					return false
				}
			}
			return true
		}
	case map[string]any:
		dom, vals, ok := fcnParts(v)
		if !ok || len(dom) != len(x) {
			return false
		}
		for i, d := range dom {
			je, ok := x[keyText(d)]
			if !ok || !matchJSON(je, vals[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// keyText is how a function's domain element is written as a JSON object key.
func keyText(v Value) string {
	switch x := v.(type) {
	case strV:
		return string(x)
	case *modelV:
		return x.Name
	case intV:
		return strconv.FormatInt(int64(x), 10)
	}
	return fmtValue(v)
}
