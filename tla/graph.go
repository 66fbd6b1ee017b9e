package tla

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// sgraph is the reachable state graph: the states the breadth-first search stored, and
// every step Next takes between them. Each state also has a stuttering self-loop, so
// every behaviour of the graph is infinite, as TLA+ behaviours are.
//
// The steps leaving state s are edges first[s] up to first[s+1], its stuttering
// self-loop last: a step costs the liveness check 12 bytes, which on models of
// millions of steps is most of what it holds.
type sgraph struct {
	n       int       // states
	states  [][]Value // every state decoded, when built for StateGraph (buildGraph's labels)
	decode  func(int32) []Value
	recent  []decodedState // the states decoded last, by id modulo its length
	initial []int32
	edges   []sedge
	first   []int32     // per state, its first edge; one more entry ends the last state's
	labels  []edgeLabel // per edge, when built for StateGraph (buildGraph's labels)
	// edges and first live outside the heap, where the collector neither scans
	// them nor lets the heap grow by a multiple of them: free releases them.
	edgeMem  bigSlice[sedge]
	firstMem bigSlice[int32]
}

// free releases the memory of edges and first; the graph is unusable afterwards.
func (g *sgraph) free() {
	g.edgeMem.free()
	g.firstMem.free()
	g.edges, g.first = nil, nil
}

// recentStates is how many decoded states state keeps: the liveness check reads a
// state's atoms and then its steps' together, and its search mostly moves between
// neighbours, so a small cache saves most decoding without holding every state.
const recentStates = 1 << 14

type decodedState struct {
	id   int32
	vals []Value
}

// state returns the values of state s. Unless the graph was built with every state
// decoded (for StateGraph), it decodes s from the checker's store: a million states
// decoded take a hundred megabytes and more, which the liveness check does not need.
// The slice is the caller's to read, not to change.
func (g *sgraph) state(s int32) []Value {
	if g.states != nil {
		return g.states[s]
	}
	r := &g.recent[int(s)%len(g.recent)]
	if r.vals == nil || r.id != s {
		r.id, r.vals = s, g.decode(s)
	}
	return r.vals
}

// sedge is one step of the graph.
type sedge struct {
	from, to int32
	stutter  bool
}

// edgeLabel is the action that produced a step.
type edgeLabel struct {
	label *def // nil for stuttering or when Next is not split into named actions
	args  []Value
}

// outEdges returns the ids of the edges leaving s: lo up to hi, the last one its
// stuttering self-loop.
func (g *sgraph) outEdges(s int32) (lo, hi int32) { return g.first[s], g.first[s+1] }

// stepLog keeps the steps of the search as it takes them, in the form of sgraph's
// edges, so that the liveness check need not enumerate Next from every state again
// (buildGraph): that second enumeration took as long as the search itself. The
// search expands states in id order, so each state's steps come together; a state
// expanded out of that order (which the search never does) makes the log unusable,
// and the graph is then built the old way.
type stepLog struct {
	firstMem bigSlice[int32]
	edgeMem  bigSlice[sedge]
	nFirst   int
	nEdges   int
	broken   bool
}

// begin starts the steps of state from.
func (l *stepLog) begin(from int32) {
	if int(from) != l.nFirst {
		l.broken = true
		return
	}
	l.firstMem.grow(l.nFirst + 2)
	l.firstMem.s[l.nFirst] = int32(l.nEdges)
	l.nFirst++
}

// step records a step from state from to the stored state to.
func (l *stepLog) step(from, to int32) { l.add(sedge{from: from, to: to}) }

// end closes the steps of state from with its stuttering self-loop.
func (l *stepLog) end(from int32) { l.add(sedge{from: from, to: from, stutter: true}) }

func (l *stepLog) add(e sedge) {
	if l.broken {
		return
	}
	l.edgeMem.grow(l.nEdges + 1)
	l.edgeMem.s[l.nEdges] = e
	l.nEdges++
}

// graph hands the log's memory to a graph of n states, or returns nil if the log
// does not hold exactly the steps of states 0 to n-1 (and then frees it).
func (l *stepLog) graph(ch *checker, n int) *sgraph {
	if l.broken || l.nFirst != n {
		l.free()
		return nil
	}
	g := &sgraph{n: n, decode: func(s int32) []Value { return ch.decodeState(ch.store.enc(s)) }}
	g.recent = make([]decodedState, max(1, min(n, recentStates)))
	for i := range n {
		if ch.store.parent.s[i] < 0 {
			g.initial = append(g.initial, int32(i))
		}
	}
	l.firstMem.grow(n + 1)
	l.firstMem.s[n] = int32(l.nEdges)
	g.firstMem, g.edgeMem = l.firstMem, l.edgeMem
	g.first, g.edges = g.firstMem.s[:n+1], g.edgeMem.s[:l.nEdges]
	l.firstMem, l.edgeMem = bigSlice[int32]{}, bigSlice[sedge]{}
	return g
}

// free releases the log's memory.
func (l *stepLog) free() {
	l.firstMem.free()
	l.edgeMem.free()
}

// buildGraph enumerates Next again from every stored state and keeps the steps whose
// target was stored (states cut off by a CONSTRAINT are not part of the graph, as in
// TLC). With labels, it also keeps each step's action (sgraph.labels).
func (ch *checker) buildGraph(labels bool) *sgraph {
	n := ch.store.len()
	if steps := ch.steps; steps != nil && !labels {
		// the log has no actions: a labelled graph enumerates, and the search
		// frees the log
		ch.steps = nil
		if g := steps.graph(ch, n); g != nil {
			return g
		}
	}
	g := &sgraph{n: n, decode: func(s int32) []Value { return ch.decodeState(ch.store.enc(s)) }}
	if labels {
		g.states = make([][]Value, n)
	} else {
		g.recent = make([]decodedState, max(1, min(n, recentStates)))
	}
	g.firstMem.grow(n + 1)
	first := g.firstMem.s[:0]
	// The search counted the steps it generated: room for them all (and the
	// stuttering ones) at once, not the doublings of appending.
	steps := max(int(min(ch.res.Generated, 1<<31))+n, 1)
	g.edgeMem.grow(steps)
	edges := g.edgeMem.s[:0]
	addEdge := func(e sedge) {
		if len(edges) == len(g.edgeMem.s) {
			g.edgeMem.grow(len(edges) + 1)
			edges = g.edgeMem.s[:len(edges)]
		}
		edges = append(edges, e)
	}
	if labels {
		g.labels = make([]edgeLabel, 0, steps)
	}
	c := &evaluator{p: ch.p, out: io.Discard}
	next := make([]Value, len(ch.p.vars))
	for i := range n {
		from := int32(i)
		if ch.store.parent.s[i] < 0 {
			g.initial = append(g.initial, from)
		}
		s := ch.decodeState(ch.store.enc(from))
		if g.states != nil {
			g.states[i] = s
		}
		first = append(first, int32(len(edges)))
		c.cur = s
		for k := range next {
			next[k] = nil
		}
		c.next, c.split, c.primed, c.initMode = next, true, false, false
		c.label, c.labelArgs = nil, nil
		c.enum(ch.next.expr, nil, ch.next.sc, func() bool {
			for _, v := range next {
				if v == nil {
					return false
				}
			}
			if len(ch.actionConstraint) > 0 && !ch.satisfies(ch.actionConstraint, s, next) {
				return false
			}
			to, ok := ch.store.lookup(ch.stateKeyBytes(next))
			if !ok {
				return false
			}
			addEdge(sedge{from: from, to: to})
			if labels {
				l := edgeLabel{label: c.label}
				if c.label != nil {
					l.args = append([]Value(nil), c.labelArgs...)
				}
				g.labels = append(g.labels, l)
			}
			return false
		})
		addEdge(sedge{from: from, to: from, stutter: true})
		if labels {
			g.labels = append(g.labels, edgeLabel{})
		}
	}
	g.first, g.edges = append(first, int32(len(edges))), edges
	return g
}

// Graph is the reachable state graph of a specification, with every step labelled by
// the action that produced it, for tests that compare a spec with an implementation's
// transition table.
type Graph struct {
	Vars    []string  // variable names in declaration order
	States  [][]Value // values of Vars per state, indexed by state id
	Initial []int     // ids of the initial states
	Edges   []Edge    // steps of Next between reachable states (no stuttering steps)
}

// Edge is one step from state From to state To.
type Edge struct {
	From, To int
	// Action is the name of the action definition that produced the step (the
	// innermost named disjunct of Next, as in TLC's traces), "" if Next has none.
	Action string
	// Args are the values of the action's parameters (e.g. c1 for Start(c1)).
	Args []Value
}

// Value returns the value of variable name in state id, or nil.
func (g *Graph) Value(id int, name string) Value {
	for i, v := range g.Vars {
		if v == name {
			return g.States[id][i]
		}
	}
	return nil
}

// Format prints v the way TLC prints values in traces.
func Format(v Value) string { return fmtValue(v) }

// StateGraph model-checks the spec like CheckFile and, when the check succeeds,
// returns the reachable state graph. When the check fails the graph is nil and the
// result says why.
func StateGraph(ctx context.Context, specPath string, opts Options) (*Graph, *Result, error) {
	ch, res, err := runChecker(ctx, specPath, opts, false)
	if err != nil || res.ExitCode != ExitOK {
		return nil, res, err
	}
	if ch.next == nil {
		return &Graph{}, res, nil
	}
	sg := ch.buildGraph(true)
	defer sg.free()
	g := &Graph{States: sg.states}
	for _, d := range ch.p.vars {
		g.Vars = append(g.Vars, d.Name)
	}
	for _, i := range sg.initial {
		g.Initial = append(g.Initial, int(i))
	}
	for i, e := range sg.edges {
		if e.stutter {
			continue
		}
		l := sg.labels[i]
		ed := Edge{From: int(e.from), To: int(e.to), Args: l.args}
		if l.label != nil {
			ed.Action = l.label.Name
		}
		g.Edges = append(g.Edges, ed)
	}
	return g, res, nil
}

// runChecker parses and checks the spec the way CheckFile does, and keeps the checker
// so its state graph can be read afterwards. noLiveness skips the temporal properties.
func runChecker(ctx context.Context, specPath string, opts Options, noLiveness bool) (*checker, *Result, error) {
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	src, err := os.ReadFile(specPath)
	if err != nil {
		return nil, nil, err
	}
	cfgPath := opts.Config
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
		fmt.Fprintf(out, "Error: configuration file %s: %v\n", cfgPath, err)
		return nil, &Result{ExitCode: ExitEval, Violation: "eval", Message: err.Error()}, nil
	}
	ch := &checker{out: out, cfg: cfg, opts: opts, ctx: ctx, keepGraph: true}
	ch.live.skip = noLiveness
	res := ch.run(m, specPath)
	return ch, res, nil
}

// Label returns the edge's action as TLC labels it in traces and graph dumps:
// "Resolve", "Start(c1)", "Request(c3,{r1, r2})".
func (e Edge) Label() string {
	if len(e.Args) == 0 {
		return e.Action
	}
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = fmtValue(a)
	}
	return e.Action + "(" + strings.Join(args, ",") + ")"
}

// WriteDot writes the graph in the Graphviz format of TLC's `-dump dot,actionlabels`:
// one node per state labelled with its variables, one edge per step labelled with its
// action. Node IDs are state ids (TLC uses fingerprints).
func (g *Graph) WriteDot(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "strict digraph DiskGraph {")
	fmt.Fprintln(bw, "node [shape=box,style=rounded]")
	fmt.Fprintln(bw, "nodesep=0.35;")
	fmt.Fprintln(bw, "subgraph cluster_graph {")
	fmt.Fprintln(bw, `color="white";`)
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	initial := map[int]bool{}
	for _, i := range g.Initial {
		initial[i] = true
	}
	for id, vals := range g.States {
		var b strings.Builder
		for k, name := range g.Vars {
			if k > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(`/\ ` + name + " = " + fmtValue(vals[k]))
		}
		style := ""
		if initial[id] {
			style = ",style = filled"
		}
		fmt.Fprintf(bw, "%d [label=\"%s\"%s]\n", id, esc.Replace(b.String()), style)
	}
	for _, e := range g.Edges {
		fmt.Fprintf(bw, "%d -> %d [label=\"%s\",color=\"black\",fontcolor=\"black\"];\n", e.From, e.To, esc.Replace(e.Label()))
	}
	fmt.Fprintln(bw, "}")
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}
