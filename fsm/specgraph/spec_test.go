package specgraph_test

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/fsm/specgraph"
	"github.com/gvisorfsm/gvisorfsm/tla"
)

// The project's spec, whose state graph the fsm tables must equal.
const specModule = "NucleusSecurity_GVisor_GVisorRuntime"

var graphOnce struct {
	once sync.Once
	g    *tla.Graph
	err  error
}

// specGraph is the state graph of the project's spec, as package tla computes it, once
// for all the tests that read it.
func specGraph(t *testing.T) *tla.Graph {
	t.Helper()
	spec := filepath.Join("..", "..", "spec", specModule+".tla")
	graphOnce.once.Do(func() {
		g, res, err := tla.StateGraph(context.Background(), spec, tla.Options{})
		if err == nil && res.ExitCode != 0 {
			err = &os.PathError{Op: "check", Path: spec, Err: os.ErrInvalid}
		}
		graphOnce.g, graphOnce.err = g, err
	})
	if graphOnce.err != nil {
		t.Fatal(graphOnce.err)
	}
	return graphOnce.g
}

// specEdges returns the project's spec graph as specgraph edges, labelled the way TLC
// labels them ("Start(c1)").
func specEdges(t *testing.T) []specgraph.Edge {
	t.Helper()
	g := specGraph(t)
	states := make([]specgraph.State, len(g.States))
	for i, vals := range g.States {
		st := specgraph.State{}
		for k, name := range g.Vars {
			st[name] = tla.Format(vals[k])
		}
		states[i] = st
	}
	edges := make([]specgraph.Edge, 0, len(g.Edges))
	for _, e := range g.Edges {
		edges = append(edges, specgraph.Edge{From: states[e.From], To: states[e.To], Action: e.Label()})
	}
	return edges
}

// TestWriteDotReadsLikeTLCs writes the spec's graph in TLC's dot format and reads it
// back with the parser fsm uses for TLC's dumps.
func TestWriteDotReadsLikeTLCs(t *testing.T) {
	g := specGraph(t)
	var buf strings.Builder
	if err := g.WriteDot(&buf); err != nil {
		t.Fatal(err)
	}
	parsed, err := specgraph.ParseDot(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	key := func(e specgraph.Edge) string { return stateText(e.From) + " -" + e.Action + "-> " + stateText(e.To) }
	var got, want []string
	for _, e := range parsed {
		got = append(got, key(e))
	}
	for _, e := range specEdges(t) {
		want = append(want, key(e))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the dump reads back as %d edges, the graph has %d (or they differ)", len(got), len(want))
	}
}

// TestSpecGraphProjectsToFSMTables projects the graph this engine computes for the
// project's spec onto the runtime and each container, and compares the projections
// with the fsm package's tables, without any graph recorded from TLC.
func TestSpecGraphProjectsToFSMTables(t *testing.T) {
	edges := specEdges(t)
	rt, perContainer, err := specgraph.Project(edges)
	if err != nil {
		t.Fatal(err)
	}
	compare := func(what string, table, spec []fsm.Transition) {
		missing, extra := specgraph.Diff(spec, table)
		for _, tr := range missing {
			t.Errorf("%s: the spec has %s, the fsm table does not", what, tr)
		}
		for _, tr := range extra {
			t.Errorf("%s: the fsm table has %s, the spec does not", what, tr)
		}
	}
	compare("runtime", fsm.RuntimeTable(), rt)
	ids, err := specgraph.ContainerIDs(edges)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		t.Fatal("the graph has no containers")
	}
	for _, id := range ids {
		compare("container "+id, fsm.ContainerTable(), perContainer[id])
	}
}

// TestSpecGraphEqualsTLCGraph compares the engine's graph of the project's spec, edge
// for edge, with the one TLC dumped (fsm/testdata/spec-graph.dot.gz), when that
// recording is of the current spec.
func TestSpecGraphEqualsTLCGraph(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "testdata", "spec-graph.dot.gz"))
	if err != nil {
		t.Skipf("SKIPPING: no TLC graph recorded: %v", err)
	}
	defer f.Close()
	if !recordedSpecIsCurrent(t) {
		t.Skip("SKIPPING: fsm/testdata/spec-graph.dot.gz was recorded from an older spec")
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tlc, err := specgraph.ParseDot(zr)
	if err != nil {
		t.Fatal(err)
	}
	key := func(e specgraph.Edge) string {
		return stateText(e.From) + " -" + e.Action + "-> " + stateText(e.To)
	}
	set := func(edges []specgraph.Edge) []string {
		var out []string
		for _, e := range edges {
			out = append(out, key(e))
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	want, got := set(tlc), set(specEdges(t))
	if len(want) != len(got) {
		t.Errorf("%d distinct labelled edges, TLC %d", len(got), len(want))
	}
	for _, w := range want {
		if _, ok := slices.BinarySearch(got, w); !ok {
			t.Errorf("TLC's edge missing: %s", w)
			break
		}
	}
	for _, g := range got {
		if _, ok := slices.BinarySearch(want, g); !ok {
			t.Errorf("edge TLC does not have: %s", g)
			break
		}
	}
}

func stateText(s specgraph.State) string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + strings.Join(strings.Fields(s[k]), " ") + ";")
	}
	return b.String()
}

// recordedSpecIsCurrent reports whether the checksums in fsm/testdata/spec.sha256
// match the spec files they name.
func recordedSpecIsCurrent(t *testing.T) bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "spec.sha256"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		sum, path, ok := strings.Cut(line, "  ")
		if !ok {
			return false
		}
		data, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(path)))
		if err != nil {
			return false
		}
		got := sha256.Sum256(data)
		if hex.EncodeToString(got[:]) != sum {
			return false
		}
	}
	return true
}
