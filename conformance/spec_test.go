package conformance

import (
	"compress/gzip"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/fsm/specgraph"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

const specGraph = "../fsm/testdata/spec-graph.dot.gz"

func loadSpecGraph(t *testing.T) []specgraph.Edge {
	t.Helper()
	f, err := os.Open(specGraph)
	if err != nil {
		t.Fatalf("the spec's recorded state graph: %v (fsm/testdata/record.sh records it)", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	edges, err := specgraph.ParseDot(zr)
	if err != nil {
		t.Fatal(err)
	}
	return edges
}

var (
	funcEntry = regexp.MustCompile(`(\w+) :> ("[^"]*"|\w+)`)
	labelRe   = regexp.MustCompile(`^(\w+)(?:\((\w+)\))?$`)
)

// specFunc reads a TLA+ function over container IDs as TLC prints it.
func specFunc(t *testing.T, st specgraph.State, name string) map[string]string {
	t.Helper()
	v, ok := st[name]
	if !ok {
		t.Fatalf("spec state has no %s", name)
	}
	out := map[string]string{}
	for _, m := range funcEntry.FindAllStringSubmatch(v, -1) {
		out[m[1]] = strings.Trim(m[2], `"`)
	}
	return out
}

// specContainer is container id of a spec state, as the model sees it.
func specContainer(t *testing.T, st specgraph.State, id string) Container {
	t.Helper()
	exit := specFunc(t, st, "exit")[id]
	return Container{
		State:         fsm.State(specFunc(t, st, "cs")[id]),
		WaitArmed:     specFunc(t, st, "armed")[id] == "TRUE",
		KillRequested: specFunc(t, st, "killReq")[id] == "TRUE",
		ExitKnown:     exit != "NoCode" && exit != "UnknownCode",
	}
}

func specString(st specgraph.State, name string) string { return strings.Trim(st[name], `"`) }

// Beyond the tables: every container step of the spec (with its result and
// the waiter, kill and exit-code flags) is one the model allows, and from
// every reachable spec state, every successful step the model allows is in
// the spec. The only difference allowed is the wrapper's re-use of a deleted
// ID, which the spec leaves out (it is a new machine). The spec does not say
// whose step it is, so the model is asked for the steps the wrapper may take
// on its own as well as a caller's (acceptsOwn).
func TestModelOutcomesEqualSpecGraph(t *testing.T) {
	edges := loadSpecGraph(t)
	type key struct {
		rt string
		c  Container
		e  fsm.Event
		r  steptrace.Result
	}
	specHas := map[key][]Container{}
	type origin struct {
		rt string
		c  Container
	}
	var origins []origin
	seen := map[origin]bool{}
	for _, e := range edges {
		m := labelRe.FindStringSubmatch(e.Action)
		if m == nil {
			t.Fatalf("action label %q", e.Action)
		}
		rt := specString(e.From, "rt")
		for _, id := range []string{"c1", "c2"} {
			o := origin{rt, specContainer(t, e.From, id)}
			if !seen[o] {
				seen[o] = true
				origins = append(origins, o)
			}
		}
		if m[2] == "" {
			continue // a runtime step: the tables test covers it
		}
		ev, id := fsm.Event(m[1]), m[2]
		from, to := specContainer(t, e.From, id), specContainer(t, e.To, id)
		res := steptrace.Result(specString(e.To, "res"))
		k := key{rt, from, ev, res}
		specHas[k] = append(specHas[k], to)

		// spec ⊆ model
		mdl := Model{Phase: fsm.State(rt)}
		allowed := from.Outcomes(ev, mdl.acceptsOwn(ev))[res]
		if !slices.Contains(allowed, to) {
			t.Errorf("spec step %s(%s) from %v (runtime %s) -> %v [%s]: the model allows %v",
				ev, id, from, rt, to, res, allowed)
		}
	}
	// model ⊆ spec, for successful steps from every reachable container.
	for _, o := range origins {
		mdl := Model{Phase: fsm.State(o.rt)}
		for _, ev := range append(slices.Clone(ContainerOps), EnvironmentEvents...) {
			if o.c.State == fsm.Deleted && (ev == fsm.EventCreate || ev == fsm.EventRun) {
				continue // ID re-use: outside the spec
			}
			for _, n := range o.c.Outcomes(ev, mdl.acceptsOwn(ev))[steptrace.OK] {
				if !slices.Contains(specHas[key{o.rt, o.c, ev, steptrace.OK}], n) {
					t.Errorf("model step %s from %v (runtime %s) -> %v: not in the spec", ev, o.c, o.rt, n)
				}
			}
			if len(o.c.Outcomes(ev, mdl.acceptsOwn(ev))[steptrace.OK]) == 0 && len(specHas[key{o.rt, o.c, ev, steptrace.OK}]) > 0 {
				t.Errorf("model refuses %s from %v (runtime %s); the spec allows it", ev, o.c, o.rt)
			}
		}
	}
	if len(origins) < 10 {
		t.Fatalf("only %d distinct container views in the spec graph", len(origins))
	}
	t.Logf("%d spec edges, %d distinct (runtime, container) views checked", len(edges), len(origins))
}
