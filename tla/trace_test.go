package tla

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

type tracePath struct {
	g      *Graph
	states []int
	labels []string // labels[i] is the action into states[i] ("" for the first)
}

// longPath returns a shortest path from an initial state to a state as far away as
// possible in the graph of the project's spec.
func longPath(t *testing.T) (string, tracePath) {
	t.Helper()
	spec, g := projectSpecGraph(t)
	prev := map[int]int{} // state -> edge index
	depth := map[int]int{}
	var queue []int
	for _, s := range g.Initial {
		depth[s] = 0
		queue = append(queue, s)
	}
	out := map[int][]int{}
	for i, e := range g.Edges {
		out[e.From] = append(out[e.From], i)
	}
	last := queue[0]
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		last = s
		for _, ei := range out[s] {
			to := g.Edges[ei].To
			if _, ok := depth[to]; !ok {
				depth[to] = depth[s] + 1
				prev[to] = ei
				queue = append(queue, to)
			}
		}
	}
	p := tracePath{g: g}
	for s := last; ; {
		p.states = append([]int{s}, p.states...)
		ei, ok := prev[s]
		if !ok {
			p.labels = append([]string{""}, p.labels...)
			break
		}
		e := g.Edges[ei]
		label := e.Action
		if len(e.Args) > 0 {
			args := make([]string, len(e.Args))
			for i, a := range e.Args {
				args[i] = Format(a)
			}
			label += "(" + strings.Join(args, ", ") + ")"
		}
		p.labels = append([]string{label}, p.labels...)
		s = e.From
	}
	return spec, p
}

// ndjson writes the path as a trace, logging only the variables in vars (all when
// nil), with action names when named is set. edit may change a step's object.
func (p tracePath) ndjson(t *testing.T, vars []string, named bool, edit func(i int, obj map[string]any)) string {
	t.Helper()
	var b strings.Builder
	for i, s := range p.states {
		obj := map[string]any{}
		for k, name := range p.g.Vars {
			if vars == nil || containsString(vars, name) {
				obj[name] = jsonValue(p.g.States[s][k])
			}
		}
		if named && p.labels[i] != "" {
			obj["action"] = p.labels[i]
		}
		if edit != nil {
			edit(i, obj)
		}
		line, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func validate(t *testing.T, spec, trace string, opts TraceOptions) *TraceResult {
	t.Helper()
	r, err := ValidateTrace(context.Background(), spec, "", strings.NewReader(trace), opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Check != nil {
		t.Fatalf("spec did not load: exit %d %s", r.Check.ExitCode, r.Check.Message)
	}
	return r
}

func TestValidateTraceBehaviours(t *testing.T) {
	spec, p := longPath(t)
	if len(p.states) < 5 {
		t.Fatalf("path of %d states is too short for the test", len(p.states))
	}
	for _, c := range []struct {
		name  string
		vars  []string
		named bool
	}{
		{"all variables, named actions", nil, true},
		{"all variables, no action names", nil, false},
		{"partial: runtime and containers only", []string{"rt", "cs"}, true},
		{"partial: runtime only, no names", []string{"rt"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := validate(t, spec, p.ndjson(t, c.vars, c.named, nil), TraceOptions{})
			if !r.OK || r.Steps != len(p.states) {
				t.Fatalf("not accepted (%d of %d steps): %v", r.Steps, len(p.states), r.Failure)
			}
			if r.Candidates < 1 {
				t.Fatalf("%d candidate states", r.Candidates)
			}
		})
	}
}

func TestValidateTraceWrongStep(t *testing.T) {
	spec, p := longPath(t)
	k := len(p.states) / 2 // 0-based step to corrupt
	// the runtime jumps to a state no action of the spec reaches in one step from here
	bad := func(i int, obj map[string]any) {
		if i == k {
			obj["rt"] = "Bogus"
		}
	}
	var out strings.Builder
	r := validate(t, spec, p.ndjson(t, nil, false, bad), TraceOptions{Out: &out})
	if r.OK || r.Failure == nil {
		t.Fatal("a corrupted trace was accepted")
	}
	if r.Failure.Step != k+1 || r.Steps != k {
		t.Fatalf("failure reported at step %d after %d matched, want step %d", r.Failure.Step, r.Steps, k+1)
	}
	if len(r.Failure.Actions) == 0 {
		t.Fatal("no per-action explanation")
	}
	if !strings.Contains(out.String(), "step "+strconv.Itoa(k+1)+" cannot be matched") || !strings.Contains(out.String(), `"Bogus"`) {
		t.Errorf("report does not name the step and the value:\n%s", out.String())
	}
	// every action enabled somewhere is explained by the variable that differs
	for _, a := range r.Failure.Actions {
		if a.Reason == "" {
			t.Errorf("%s: empty reason", a.Action)
		}
	}
}

func TestValidateTraceWrongAction(t *testing.T) {
	spec, p := longPath(t)
	k := -1
	for i := len(p.labels) - 1; i > 0; i-- {
		if !strings.HasPrefix(p.labels[i], "Retry") {
			k = i
			break
		}
	}
	rename := func(i int, obj map[string]any) {
		if i == k {
			obj["action"] = "Retry"
		}
	}
	r := validate(t, spec, p.ndjson(t, nil, true, rename), TraceOptions{})
	if r.OK || r.Failure == nil || r.Failure.Step != k+1 {
		t.Fatalf("step %d relabelled Retry (was %s): got %+v", k+1, p.labels[k], r.Failure)
	}
	if !strings.Contains(r.Failure.Reason, "no Retry step") {
		t.Errorf("reason %q does not name the action", r.Failure.Reason)
	}
}

func TestValidateTraceBadInitAndKeys(t *testing.T) {
	spec, p := longPath(t)
	r := validate(t, spec, p.ndjson(t, nil, false, func(i int, obj map[string]any) {
		if i == 0 {
			obj["rt"] = "Available"
		}
	}), TraceOptions{})
	if r.OK || r.Failure == nil || r.Failure.Step != 1 || len(r.Failure.Actions) == 0 || r.Failure.Actions[0].Action != "Init" {
		t.Fatalf("a wrong initial state was not reported at step 1: %+v", r.Failure)
	}
	withTime := p.ndjson(t, []string{"rt"}, true, func(i int, obj map[string]any) { obj["time"] = "2026-01-01T00:00:00Z" })
	if _, err := ValidateTrace(context.Background(), spec, "", strings.NewReader(withTime), TraceOptions{}); err == nil {
		t.Error("an unknown key was accepted")
	}
	if r := validate(t, spec, withTime, TraceOptions{IgnoreUnknown: true}); !r.OK {
		t.Errorf("IgnoreUnknown: %v", r.Failure)
	}
}

func TestMatchJSON(t *testing.T) {
	m := &modelV{Name: "c1"}
	fcn := makeFcn([]Value{m}, []Value{strV("Created")})
	rec := &recordV{Names: []string{"a", "b"}, Vals: []Value{intV(1), boolV(true)}}
	set := newSet([]Value{intV(1), intV(2)})
	cases := []struct {
		js   string
		v    Value
		want bool
	}{
		{`"x"`, strV("x"), true}, {`"x"`, strV("y"), false},
		{`"c1"`, m, true}, {`3`, intV(3), true}, {`3`, intV(4), false}, {`3.5`, intV(3), false},
		{`true`, boolV(true), true}, {`[1,2]`, &tupleV{Elems: []Value{intV(1), intV(2)}}, true},
		{`[2,1]`, set, true}, {`[1]`, set, false},
		{`{"c1":"Created"}`, fcn, true}, {`{"c1":"Running"}`, fcn, false},
		{`{"a":1,"b":true}`, rec, true}, {`{"a":1}`, rec, false}, {`null`, intV(7), true},
	}
	for _, c := range cases {
		dec := json.NewDecoder(strings.NewReader(c.js))
		dec.UseNumber()
		var j any
		if err := dec.Decode(&j); err != nil {
			t.Fatal(err)
		}
		if got := matchJSON(j, c.v); got != c.want {
			t.Errorf("matchJSON(%s, %s) = %v", c.js, fmtValue(c.v), got)
		}
	}
}

func TestValidateTraceSpecProblems(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "Bad.tla")
	writeFile(t, spec, "---- MODULE Bad ----\nVARIABLE x\nInit == x = \nNext == x' = x\n====\n")
	writeFile(t, filepath.Join(dir, "Bad.cfg"), "INIT Init\nNEXT Next\n")
	r, err := ValidateTrace(context.Background(), spec, "", strings.NewReader(`{"x":1}`+"\n"), TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.Check == nil || r.Check.ExitCode != ExitParse {
		t.Fatalf("a spec that does not parse: %+v", r)
	}
	writeFile(t, spec, "---- MODULE Bad ----\nVARIABLE x\nInit == x = 0\nNext == x' = x + 1\n====\n")
	if _, err := ValidateTrace(context.Background(), spec, "", strings.NewReader(`{"x":`+"\n"), TraceOptions{}); err == nil {
		t.Error("malformed JSON was accepted")
	}
	if _, err := ValidateTrace(context.Background(), spec, "", strings.NewReader(""), TraceOptions{}); err == nil {
		t.Error("an empty trace was accepted")
	}
	r, err = ValidateTrace(context.Background(), spec, "", strings.NewReader("{\"x\":0}\n{\"x\":1}\n{}\n{\"x\":3}\n"), TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Steps != 4 || r.Candidates != 1 {
		t.Fatalf("a trace with an unlogged step: %+v %v", r, r.Failure)
	}
}
