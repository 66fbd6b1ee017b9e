package fsm_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

var update = flag.Bool("update", false, "rewrite docs/lifecycle.md from LifecycleMarkdown")

const lifecycleDoc = "../docs/lifecycle.md"

// TestLifecycleDoc fails when docs/lifecycle.md is not what LifecycleMarkdown
// renders; `go test ./fsm -run TestLifecycleDoc -update` (make diagrams)
// rewrites it.
func TestLifecycleDoc(t *testing.T) {
	want := fsm.LifecycleMarkdown()
	if *update {
		if err := os.WriteFile(lifecycleDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(lifecycleDoc)
	if err != nil {
		t.Fatalf("%v (run make diagrams)", err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: run make diagrams", lifecycleDoc)
	}
}

// TestLifecycleMarkdownShowsEveryTransition: each row of both tables appears
// as an arrow of a Mermaid diagram.
func TestLifecycleMarkdownShowsEveryTransition(t *testing.T) {
	md := fsm.LifecycleMarkdown()
	if n := strings.Count(md, "```mermaid\nstateDiagram-v2\n"); n != 2 {
		t.Errorf("%d Mermaid state diagrams, want 2", n)
	}
	for _, tab := range [][]fsm.Transition{fsm.RuntimeTable(), fsm.ContainerTable()} {
		for _, tr := range tab {
			arrow := "    " + string(tr.From) + " --> " + string(tr.To) + ": " + string(tr.Event) + "\n"
			if !strings.Contains(md, arrow) {
				t.Errorf("no arrow for %s", tr)
			}
		}
	}
	for _, initial := range []fsm.State{fsm.Unresolved, fsm.Absent} {
		if !strings.Contains(md, "[*] --> "+string(initial)+"\n") {
			t.Errorf("no start arrow into %s", initial)
		}
	}
}
