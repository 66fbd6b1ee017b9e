package tla

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
