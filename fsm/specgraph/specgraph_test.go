package specgraph

import (
	"strings"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

// A two-state excerpt in the shape TLC writes.
const smallDot = `strict digraph DiskGraph {
nodesep=0.35;
subgraph cluster_graph {
1 [label="/\\ cs = (c1 :> \"Absent\")\n/\\ res = \"none\"\n/\\ rt = \"Available\"",style = filled]
1 -> -2 [label="Create(c1)",color="black",fontcolor="black"];
-2 [label="/\\ cs = (c1 :> \"Created\")\n/\\ res = \"ok\"\n/\\ rt = \"Available\"",tooltip="x"];
1 -> 3 [label="Create(c1)",color="black",fontcolor="black"];
3 [label="/\\ cs = (c1 :> \"Absent\")\n/\\ res = \"failed\"\n/\\ rt = \"Available\"",tooltip="x"];
-2 -> -2 [label="Terminated",color="black",fontcolor="black"];
}
}
`

func TestParseDotAndProject(t *testing.T) {
	edges, err := ParseDot(strings.NewReader(smallDot))
	if err != nil {
		t.Fatal(err)
	}
	if len(edges) != 3 {
		t.Fatalf("%d edges, want 3", len(edges))
	}
	if got := edges[0].To["cs"]; got != `(c1 :> "Created")` {
		t.Errorf("cs = %s", got)
	}
	got, err := ProjectContainer(edges, "c1")
	if err != nil {
		t.Fatal(err)
	}
	want := []fsm.Transition{{Event: fsm.EventCreate, From: fsm.Absent, To: fsm.Created}}
	if missing, extra := Diff(want, got); missing != nil || extra != nil {
		t.Errorf("projection %v, want %v", got, want)
	}
	if ids, err := ContainerIDs(edges); err != nil || len(ids) != 1 || ids[0] != "c1" {
		t.Errorf("ContainerIDs = %v, %v", ids, err)
	}
}

func st(rt, c1, c2, res string) State {
	return State{"rt": `"` + rt + `"`, "cs": `(c1 :> "` + c1 + `" @@ c2 :> "` + c2 + `")`, "res": `"` + res + `"`}
}

func TestProjectionRejectsMalformedGraphs(t *testing.T) {
	cases := map[string][]Edge{
		"failed step moved":  {{st("Available", "Created", "Absent", "ok"), st("Available", "Running", "Absent", "failed"), "Start(c1)"}},
		"refused step moved": {{st("Available", "Created", "Absent", "ok"), st("Available", "Deleted", "Absent", "refused"), "Delete(c1)"}},
		"unknown action":     {{st("Available", "Created", "Absent", "ok"), st("Available", "Running", "Absent", "ok"), "Launch(c1)"}},
		"moves other":        {{st("Available", "Created", "Absent", "ok"), st("Available", "Running", "Created", "ok"), "Start(c1)"}},
		"container moves rt": {{st("Available", "Absent", "Absent", "ok"), st("Closing", "Created", "Absent", "ok"), "Create(c1)"}},
		"runtime moves cs":   {{st("Available", "Created", "Absent", "ok"), st("Closing", "Deleted", "Absent", "ok"), "Close"}},
		"stutter changes":    {{st("Closed", "Deleted", "Absent", "ok"), st("Closed", "Deleted", "Absent", "failed"), "Terminated"}},
		"two targets": {
			{st("Available", "Running", "Absent", "ok"), st("Available", "Stopped", "Absent", "ok"), "Exit(c1)"},
			{st("Available", "Running", "Absent", "ok"), st("Available", "Deleted", "Absent", "ok"), "Exit(c1)"},
		},
	}
	for name, edges := range cases {
		if _, err := ProjectContainer(edges, "c1"); err == nil {
			t.Errorf("%s: projection accepted %v", name, edges)
		}
	}
}

func TestDiff(t *testing.T) {
	a := fsm.Transition{Event: fsm.EventStart, From: fsm.Created, To: fsm.Running}
	b := fsm.Transition{Event: fsm.EventExit, From: fsm.Running, To: fsm.Stopped}
	c := fsm.Transition{Event: fsm.EventPause, From: fsm.Running, To: fsm.Paused}
	missing, extra := Diff([]fsm.Transition{a, b}, []fsm.Transition{b, c})
	if len(missing) != 1 || missing[0] != a || len(extra) != 1 || extra[0] != c {
		t.Errorf("Diff = %v, %v; want [%v], [%v]", missing, extra, a, c)
	}
}
