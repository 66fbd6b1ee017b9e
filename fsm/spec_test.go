package fsm_test

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/fsm/specgraph"
)

// TestSpecGraphMatchesTables checks the fsm tables against the spec: it
// projects the spec's reachable state graph, recorded from TLC by
// testdata/record.sh, onto the runtime and onto each container and requires
// each projection to equal RuntimeTable / ContainerTable row for row.
func TestSpecGraphMatchesTables(t *testing.T) {
	checkRecordedSpecIsCurrent(t)
	f, err := os.Open("testdata/spec-graph.dot.gz")
	if err != nil {
		t.Fatal(err)
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

	rt, perContainer, err := specgraph.Project(edges)
	if err != nil {
		t.Fatal(err)
	}
	compareTables(t, "runtime", fsm.RuntimeTable(), rt)

	ids, err := specgraph.ContainerIDs(edges)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		t.Fatal("the recorded graph has no containers")
	}
	for _, id := range ids {
		// Each container by itself: a container never stepped would be
		// missing here and fail the comparison.
		compareTables(t, "container "+id, fsm.ContainerTable(), perContainer[id])
	}
}

func compareTables(t *testing.T, what string, table, spec []fsm.Transition) {
	t.Helper()
	missing, extra := specgraph.Diff(spec, table)
	for _, tr := range missing {
		t.Errorf("%s: the spec has %s, the fsm table does not", what, tr)
	}
	for _, tr := range extra {
		t.Errorf("%s: the fsm table has %s, the spec does not", what, tr)
	}
}

// checkRecordedSpecIsCurrent fails when the spec or its cfg changed since
// the graph was recorded.
func checkRecordedSpecIsCurrent(t *testing.T) {
	t.Helper()
	f, err := os.Open("testdata/spec.sha256")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, path, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("testdata/spec.sha256: bad line %q", sc.Text())
		}
		data, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(path)))
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(data)
		if hex.EncodeToString(got[:]) != sum {
			t.Fatalf("%s changed since its state graph was recorded: run fsm/testdata/record.sh", path)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("testdata/spec.sha256 lists %d files, want the spec and its cfg", n)
	}
}
