package tla

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var projectGraph struct {
	once sync.Once
	g    *Graph
	err  error
}

// projectSpecGraph returns the state graph of the project's spec, computed once for
// all the tests that read it.
func projectSpecGraph(t *testing.T) (string, *Graph) {
	t.Helper()
	spec := filepath.Join("..", "spec", projectModule+".tla")
	if _, err := os.Stat(spec); err != nil {
		t.Skipf("SKIPPING: no project spec at %s: %v", spec, err)
	}
	projectGraph.once.Do(func() {
		g, res, err := StateGraph(context.Background(), spec, Options{})
		if err == nil && res.ExitCode != ExitOK {
			err = fmt.Errorf("exit %d: %s", res.ExitCode, res.Message)
		}
		projectGraph.g, projectGraph.err = g, err
	})
	if projectGraph.err != nil {
		t.Fatal(projectGraph.err)
	}
	return spec, projectGraph.g
}

// TestGraphDecodesStatesOnDemand checks that the graph the liveness check builds
// holds no decoded copy of every state, and that the states it decodes when asked,
// in any order and through its cache's collisions, are the stored ones; the graph
// built for StateGraph keeps them all.
func TestGraphDecodesStatesOnDemand(t *testing.T) {
	spec := filepath.Join("testdata", "corpus", "Bakery", "Bakery.tla")
	ch, res, err := runCheckerNoLiveness(spec, strings.TrimSuffix(spec, ".tla")+".cfg")
	if err != nil || res.ExitCode != ExitOK {
		t.Fatalf("check: %v, %+v", err, res)
	}
	g := ch.buildGraph(false)
	defer g.free()
	if g.states != nil {
		t.Fatal("the liveness graph decoded every state")
	}
	if g.n != ch.store.len() || g.n < 2 {
		t.Fatalf("graph of %d states, store of %d", g.n, ch.store.len())
	}
	g.recent = g.recent[:1] // every state collides with every other
	r := rand.New(rand.NewPCG(1, 2))
	for range 4 * g.n {
		s := int32(r.IntN(g.n))
		if got, want := encodeState(g.state(s)), string(ch.store.enc(s)); got != want {
			t.Fatalf("state %d decoded as %q, stored as %q", s, got, want)
		}
	}
	full := ch.buildGraph(true)
	defer full.free()
	if len(full.states) != g.n {
		t.Fatalf("StateGraph's graph kept %d of %d states", len(full.states), g.n)
	}
}
