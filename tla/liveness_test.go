package tla

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// temporalDifferences lists corpus entries where TLC's report of a temporal violation
// cannot be reproduced exactly, and why.
var temporalDifferences = map[string]string{}

// compareTemporalWithTLC checks a corpus entry TLC reported as a temporal violation: the
// verdict and counts must match; the counterexample must be a real one (checked
// independently of the tableau and the cycle search) and no longer than TLC's. Which of
// several counterexamples TLC prints depends on its fingerprint order, so the length is
// not always the same.
func compareTemporalWithTLC(t *testing.T, name, specPath, cfgPath string, res *Result, e expectation) {
	t.Helper()
	if res.Violation != "temporal" {
		t.Fatalf("violation %q (exit %d, %s), TLC %q", res.Violation, res.ExitCode, res.Message, e.Violation)
	}
	if why, ok := temporalDifferences[name]; ok {
		t.Logf("known difference from TLC: %s", why)
		if res.ExitCode != ExitTemporal {
			t.Errorf("exit code %d, want %d", res.ExitCode, ExitTemporal)
		}
	} else {
		if res.ExitCode != e.Exit {
			t.Errorf("exit code %d, TLC %d", res.ExitCode, e.Exit)
		}
		if len(res.Trace) > e.TraceLen {
			t.Errorf("counterexample has %d states, TLC's only %d", len(res.Trace), e.TraceLen)
		} else if len(res.Trace) < e.TraceLen {
			t.Logf("counterexample has %d states, TLC's %d", len(res.Trace), e.TraceLen)
		}
	}
	if res.Generated != e.Generated || res.Distinct != e.Distinct {
		t.Errorf("generated/distinct %d/%d, TLC %d/%d", res.Generated, res.Distinct, e.Generated, e.Distinct)
	}
	verifyLasso(t, specPath, cfgPath, res)
}

// verifyLasso checks that res.Trace with res.LoopBack is a behaviour of the spec that
// is fair and violates one of the temporal properties. It evaluates the formulas
// directly on the lasso, without the tableau or the cycle search (atoms are evaluated
// on the states and steps of the full graph, which ENABLED may need).
func verifyLasso(t *testing.T, specPath, cfgPath string, res *Result) {
	t.Helper()
	ch, r2, err := runCheckerNoLiveness(specPath, cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if r2.ExitCode != ExitOK {
		t.Fatalf("safety check of %s: exit %d (%s)", specPath, r2.ExitCode, r2.Message)
	}
	n := len(res.Trace)
	if n == 0 {
		t.Fatal("no counterexample")
	}
	full := ch.buildGraph(false)
	defer full.free()
	ids := make([]int32, n) // state id of each position
	for i, st := range res.Trace {
		id, ok := ch.store.lookup(ch.stateKeyBytes(st.Values))
		if !ok {
			t.Fatalf("state %d of the counterexample is not reachable", i+1)
		}
		ids[i] = id
	}
	isInit := false
	for _, s := range full.initial {
		isInit = isInit || s == ids[0]
	}
	if !isInit {
		t.Fatal("state 1 of the counterexample is not an initial state")
	}
	// step finds the graph edge of the step from position a to position b
	step := func(a, b int) int32 {
		for e, hi := full.outEdges(ids[a]); e < hi; e++ {
			if full.edges[e].to == ids[b] {
				return e
			}
		}
		t.Fatalf("state %d -> state %d is not a step of the spec", a+1, b+1)
		return -1
	}
	back := n - 1 // stuttering at the end
	if res.LoopBack > 0 {
		back = res.LoopBack - 1
	}
	edges := make([]int32, n) // edge taken from each position
	for i := 0; i < n; i++ {
		switch {
		case i+1 < n:
			edges[i] = step(i, i+1)
		case res.LoopBack > 0:
			edges[i] = step(i, back)
		default:
			_, hi := full.outEdges(ids[i])
			edges[i] = hi - 1 // the stuttering self-loop
		}
	}
	lb := newLiveBuilder(ch.p, full)
	for _, a := range ch.live.assume {
		lb.addFairness(a.e, a.en, a.sc)
	}
	prefixOnly := res.ExitCode == ExitInvariant // a bad prefix: any continuation violates
	for k, f := range lb.fair {
		if prefixOnly {
			break
		}
		taken, disabledSome, disabledAll := false, false, true
		for i := back; i < n; i++ {
			taken = taken || lb.holdsEdge(f.taken, edges[i])
			en := lb.holdsState(f.en, ids[i])
			disabledSome = disabledSome || !en
			disabledAll = disabledAll && !en
		}
		if !taken && (!f.strong && !disabledSome || f.strong && !disabledAll) {
			t.Fatalf("the counterexample is not fair: fairness condition %d (strong=%v) is violated on its cycle", k, f.strong)
		}
	}
	ev := &lassoEval{lb: lb, n: n, back: back, states: ids, edges: edges, memo: map[*tformula][]int8{}}
	for _, a := range lb.assume {
		if !ev.holds(a, 0) {
			t.Fatal("the counterexample does not satisfy the spec's temporal assumptions")
		}
	}
	for _, p := range ch.live.props {
		if ev.holds(lb.build(p.e, p.en, p.sc, true), 0) {
			return
		}
	}
	t.Fatal("the counterexample satisfies every temporal property")
}

// runCheckerNoLiveness runs the breadth-first search only, keeping the checker.
func runCheckerNoLiveness(specPath, cfgPath string) (*checker, *Result, error) {
	return runChecker(context.Background(), specPath, Options{Config: cfgPath, NoDeadlock: true}, true)
}

// lassoEval evaluates a tformula at the positions of a lasso: positions 0..n-1, the
// successor of n-1 being back.
type lassoEval struct {
	lb      *liveBuilder
	n, back int
	states  []int32 // graph state of each position
	edges   []int32 // graph edge taken from each position
	memo    map[*tformula][]int8
}

func (ev *lassoEval) holds(f *tformula, i int) bool {
	m := ev.memo[f]
	if m == nil {
		m = make([]int8, ev.n)
		ev.memo[f] = m
	}
	if m[i] != 0 {
		return m[i] == 2
	}
	var b bool
	switch f.op {
	case tfTrue:
		b = true
	case tfFalse:
		b = false
	case tfAtom, tfNotAtom:
		if ev.lb.atoms[f.atom].action {
			b = ev.lb.holdsEdge(f.atom, ev.edges[i])
		} else {
			b = ev.lb.holdsState(f.atom, ev.states[i])
		}
		b = b != (f.op == tfNotAtom)
	case tfAnd:
		b = true
		for _, k := range f.kids {
			b = b && ev.holds(k, i)
		}
	case tfOr:
		for _, k := range f.kids {
			b = b || ev.holds(k, i)
		}
	case tfAlways, tfEventually:
		// the positions reachable from i are i..n-1 and the cycle
		lo := min(i, ev.back)
		b = f.op == tfAlways
		for j := lo; j < ev.n; j++ {
			if v := ev.holds(f.kids[0], j); v != b {
				b = v
				break
			}
		}
	}
	m[i] = boolCache(b)
	return b
}

// TestLivenessForms checks each temporal form on a tiny inline spec, both ways.
func TestLivenessForms(t *testing.T) {
	dir := t.TempDir()
	spec := `---- MODULE Forms ----
EXTENDS Naturals
VARIABLES x, on
vars == <<x, on>>
Init == x = 0 /\ on = FALSE
Inc == x < 3 /\ x' = x + 1 /\ UNCHANGED on
Reset == x = 3 /\ x' = 0 /\ UNCHANGED on
Toggle == on' = ~on /\ UNCHANGED x
Next == Inc \/ Reset \/ Toggle
Weak == Init /\ [][Next]_vars /\ WF_vars(Inc) /\ WF_vars(Reset)
None == Init /\ [][Next]_vars
Strong == Init /\ [][Next]_vars /\ WF_vars(Toggle) /\ SF_vars(on /\ Inc) /\ SF_vars(on /\ Reset)
WeakOn == Init /\ [][Next]_vars /\ WF_vars(Toggle) /\ WF_vars(on /\ Inc) /\ WF_vars(on /\ Reset)
EvThree == <>(x = 3)
InfZero == []<>(x = 0)
StableOn == <>[]on
LeadsTo == \A k \in 0..2 : (x = k) ~> (x = k + 1)
ImplAlw == (x = 0) => [](x \in 0..3)
ImplEv == (x = 0) => <>(x = 2)
BoxImpl == [](x = 1 => <>(x = 2))
InfInc == []<><<Inc>>_vars
Cond == IF on THEN <>(x = 3) ELSE <>(x = 1)
Both == EvThree /\ InfZero
====
`
	cases := []struct {
		spec, prop string
		holds      bool
	}{
		{"Weak", "EvThree", true}, {"None", "EvThree", false},
		{"Weak", "InfZero", true}, {"Weak", "StableOn", false},
		{"Weak", "LeadsTo", true}, {"None", "LeadsTo", false},
		{"None", "ImplAlw", true}, {"Weak", "ImplEv", true}, {"None", "ImplEv", false},
		{"Weak", "BoxImpl", true}, {"Weak", "InfInc", true}, {"None", "InfInc", false},
		{"Weak", "Cond", true}, {"Weak", "Both", true}, {"None", "Both", false},
		// Inc is enabled only while on holds, and Toggle keeps flipping on: strong
		// fairness forces it, weak fairness does not.
		{"Strong", "InfZero", true}, {"WeakOn", "InfZero", false},
	}
	specPath := filepath.Join(dir, "Forms.tla")
	writeFile(t, specPath, spec)
	for _, c := range cases {
		t.Run(c.spec+"_"+c.prop, func(t *testing.T) {
			cfg := filepath.Join(dir, c.spec+c.prop+".cfg")
			writeFile(t, cfg, "SPECIFICATION "+c.spec+"\nPROPERTY "+c.prop+"\nCHECK_DEADLOCK FALSE\n")
			var out strings.Builder
			res, err := CheckFile(context.Background(), specPath, Options{Config: cfg, Out: &out})
			if err != nil {
				t.Fatal(err)
			}
			if c.holds {
				if res.ExitCode != ExitOK {
					t.Fatalf("exit %d, want 0:\n%s", res.ExitCode, out.String())
				}
				return
			}
			if res.ExitCode != ExitTemporal || res.Violation != "temporal" {
				t.Fatalf("exit %d (%s), want a temporal violation:\n%s", res.ExitCode, res.Violation, out.String())
			}
			if !strings.Contains(out.String(), "Error: The following behavior constitutes a counter-example:") ||
				!strings.Contains(out.String(), "Back to state") && !strings.Contains(out.String(), ": Stuttering") {
				t.Errorf("output is not a TLC-style counterexample:\n%s", out.String())
			}
			verifyLasso(t, specPath, cfg, res)
		})
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLivenessSafetyPrefix checks properties whose violation TLC reports during its
// search, as a finite prefix with exit code 12. The expected numbers were observed
// with TLC 2.20 (-workers 1) on these specs.
func TestLivenessSafetyPrefix(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "Prefix.tla")
	writeFile(t, specPath, `---- MODULE Prefix ----
EXTENDS Naturals
VARIABLE x
Init == x \in {0, 5}
Next == x < 6 /\ x' = x + 1
Spec == Init /\ [][Next]_x /\ WF_x(Next)
P1 == (x = 0) => [](x < 3)
P3 == IF x = 0 THEN [](x < 3) ELSE <>(x = 6)
Q1 == (x = 0) => []<>(x = 1)
Q2 == (x # 0) \/ <>[](x = 6)
====
`)
	cases := []struct {
		prop                string
		exit                int
		generated, distinct int64
		left, traceLen      int
	}{
		{"P1", ExitInvariant, 7, 7, 1, 4},
		{"P3", ExitInvariant, 7, 7, 1, 4},
		{"Q1", ExitInvariant, 3, 3, 2, 1},
		// Q2 holds (every behaviour ends at 6 for ever), but TLC 2.20 reports the
		// initial state x = 0 as a violating prefix with exit 12: it sets []<>(x # 6)
		// apart from the tableau of ~Q2 and does not check that it can be met after
		// the prefix. A prefix is only reported here when the property is violated.
		{"Q2", ExitOK, 8, 7, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.prop, func(t *testing.T) {
			cfg := filepath.Join(dir, c.prop+".cfg")
			writeFile(t, cfg, "SPECIFICATION Spec\nPROPERTY "+c.prop+"\nCHECK_DEADLOCK FALSE\n")
			var out strings.Builder
			res, err := CheckFile(context.Background(), specPath, Options{Config: cfg, Out: &out})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != c.exit || res.Generated != c.generated || res.Distinct != c.distinct || len(res.Trace) != c.traceLen {
				t.Fatalf("exit %d, %d/%d, trace %d; TLC: exit %d, %d/%d, trace %d\n%s", res.ExitCode, res.Generated, res.Distinct,
					len(res.Trace), c.exit, c.generated, c.distinct, c.traceLen, out.String())
			}
			if c.exit != ExitOK && !strings.Contains(out.String(), fmt.Sprintf("%d states left on queue.", c.left)) {
				t.Errorf("TLC leaves %d states on the queue:\n%s", c.left, out.String())
			}
			if c.exit != ExitOK {
				verifyLasso(t, specPath, cfg, res)
			}
		})
	}
}

// TestLivenessRefinementMapping checks an abstract spec's fairness through a refinement
// mapping that replaces its variable by an expression (ENABLED of the abstract action
// cannot be computed by enumerating it), the way EWD840 checks TD!Spec.
func TestLivenessRefinementMapping(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Abstract.tla"), `---- MODULE Abstract ----
VARIABLE done
Init == done = FALSE
Finish == ~done /\ done' = TRUE
Spec == Init /\ [][Finish]_done /\ WF_done(Finish)
====
`)
	specPath := filepath.Join(dir, "Counter.tla")
	writeFile(t, specPath, `---- MODULE Counter ----
EXTENDS Naturals
VARIABLE n
Init == n = 0
Next == n < 3 /\ n' = n + 1
Fair == Init /\ [][Next]_n /\ WF_n(Next)
Unfair == Init /\ [][Next]_n
A == INSTANCE Abstract WITH done <- (n = 3)
Refines == A!Spec
====
`)
	for spec, want := range map[string]int{"Fair": ExitOK, "Unfair": ExitTemporal} {
		t.Run(spec, func(t *testing.T) {
			cfg := filepath.Join(dir, spec+".cfg")
			writeFile(t, cfg, "SPECIFICATION "+spec+"\nPROPERTY Refines\nCHECK_DEADLOCK FALSE\n")
			var out strings.Builder
			res, err := CheckFile(context.Background(), specPath, Options{Config: cfg, Out: &out})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != want {
				t.Fatalf("exit %d, want %d:\n%s", res.ExitCode, want, out.String())
			}
			if want != ExitOK {
				verifyLasso(t, specPath, cfg, res)
			}
		})
	}
}

// TestExpansionLogKeepsCounts records growing counts, with additions past 32 bits and
// depths that change between entries, and reads every entry back.
func TestExpansionLogKeepsCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var l expansionLog
	var want []searchCounts
	var c searchCounts
	for i := range 5000 {
		switch {
		case i%997 == 5:
			c.generated += 1 << 33
		case i%1009 == 7:
			c.distinct += math.MaxUint32
		default:
			c.generated += int64(r.IntN(40))
			c.distinct += int64(r.IntN(3))
		}
		if r.IntN(300) == 0 {
			c.depth++
		}
		l.add(c)
		want = append(want, c)
	}
	if l.len() != len(want) {
		t.Fatalf("%d entries, want %d", l.len(), len(want))
	}
	for i := 0; i < len(want); i += 1 + r.IntN(7) {
		if got := l.at(i); got != want[i] {
			t.Fatalf("entry %d: %+v, want %+v", i, got, want[i])
		}
	}
}
