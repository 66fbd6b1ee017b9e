package tla

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runtimeStep is one line of the runtime's NDJSON step trace.
type runtimeStep struct {
	Seq    int    `json:"seq"`
	Op     string `json:"op"`
	ID     string `json:"id"`
	From   string `json:"from"`
	To     string `json:"to"`
	Result string `json:"result"`
}

// specTrace turns a runtime step trace of a fresh runtime into a trace of the spec's
// variables, starting in the spec's initial state: runtime
// steps log rt, container steps the container's entry of cs (IDs become the model
// values c1, c2 in order of appearance), every step its action and, for ok, failed
// and refused steps, res. Queries change nothing and are left out, and so are refusals
// the spec does not name (specRefuses); "unknown" and "cleanup" steps leave res unlogged.
func specTrace(t *testing.T, steps []runtimeStep) string {
	t.Helper()
	var ids []string
	var b strings.Builder
	// the initial state: a fresh runtime
	b.WriteString(`{"rt":"Unresolved","res":"none"}` + "\n")
	for _, s := range steps {
		if slices.Contains([]string{"State", "List", "Version", "ProbePlatforms"}, s.Op) {
			continue
		}
		if s.Result == "refused" && s.ID != "" && !specRefuses(s.Op, s.From) {
			// The lifecycle machine refused a step it has no transition for, before
			// runsc ran: nothing changed, a stuttering step the spec does not name.
			continue
		}
		obj := map[string]any{"action": s.Op}
		if s.ID == "" {
			obj["rt"] = s.To
		} else {
			if !slices.Contains(ids, s.ID) {
				ids = append(ids, s.ID)
			}
			c := fmt.Sprintf("c%d", slices.Index(ids, s.ID)+1)
			obj["action"] = s.Op + "(" + c + ")"
			obj["cs["+c+"]"] = s.To
		}
		switch s.Result {
		case "ok", "failed", "refused":
			obj["res"] = s.Result
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

// specRefuses reports whether the spec itself has the wrapper refuse op on a container
// in state from (WrapperRefused): a duplicate create, a pause of a created container or
// one whose kill was accepted, a plain delete of a created container.
func specRefuses(op, from string) bool {
	switch op {
	case "Create":
		return from != "Absent" && from != "Deleted"
	case "Pause":
		return from == "Created" || from == "Running"
	case "Delete":
		return from == "Created"
	}
	return false
}

func readRuntimeTrace(t *testing.T, path string) []runtimeStep {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []runtimeStep
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var s runtimeStep
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestValidateRuntimeStepTrace validates a step trace in the runtime's format against
// the project's spec, and the same trace with one step the spec forbids.
func TestValidateRuntimeStepTrace(t *testing.T) {
	spec := filepath.Join("..", "spec", projectModule+".tla")
	if _, err := os.Stat(spec); err != nil {
		t.Skipf("SKIPPING: no project spec: %v", err)
	}
	steps := readRuntimeTrace(t, filepath.Join("testdata", "traces", "lifecycle.steps.ndjson"))
	r := validate(t, spec, specTrace(t, steps), TraceOptions{})
	if !r.OK {
		t.Fatalf("the lifecycle trace was rejected: %v", r.Failure)
	}

	// Pausing a created container: the wrapper must refuse it (runsc would wedge).
	bad := slices.Clone(steps)
	k := slices.IndexFunc(bad, func(s runtimeStep) bool { return s.Op == "Pause" })
	bad[k].To, bad[k].Result = "Paused", "ok"
	r = validate(t, spec, specTrace(t, bad), TraceOptions{})
	if r.OK || r.Failure == nil {
		t.Fatal("a pause of a created container was accepted")
	}
	if r.Failure.Step != k+2 || !strings.Contains(r.Failure.Line, `"Pause(c1)"`) { // the spec trace starts with the initial state
		t.Fatalf("failure at step %d (%s), want the pause at step %d", r.Failure.Step, r.Failure.Line, k+2)
	}
}
