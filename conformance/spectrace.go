package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
	"github.com/gvisorfsm/gvisorfsm/tla"
)

// SpecPath is the lifecycle spec, relative to this package's directory.
const SpecPath = "../spec/NucleusSecurity_GVisor_GVisorRuntime.tla"

// SpecTraces turns a runtime step trace that starts at a fresh runtime into
// traces of the spec's variables for tla.ValidateTrace, one per container,
// each with a single container c1 and every runtime step: the spec's initial
// state, then one line per step that the spec has an action for, naming the
// action and logging rt (runtime steps) or cs[c1], and res for ok, failed and
// refused steps.
//
// One trace per container is the same check as one trace of them all, and
// much cheaper: a container step of the spec reads and writes only its own
// container's variables (and rt, res), and the one guard over every
// container, AllGone, is their conjunction, so each trace checks its share.
// A container is one life of an ID: the runtime may reuse an ID once its
// container is deleted, the spec never leaves Deleted.
//
// Left out, because the spec has no step for them and the Go model checks
// them (ValidateTrace): queries; refusals where the spec's guard does not
// hold (an operation on a container the wrapper does not have, or not
// allowed in its state: the spec has refusals only where runsc itself would
// misbehave); and cleanup steps that changed nothing.
func SpecTraces(steps []steptrace.Step) []string {
	type line struct {
		container int // 0 for a runtime step
		obj       map[string]any
	}
	var lines []line
	current := map[string]int{} // ID -> its container's number
	deleted := map[int]bool{}
	n := 0
	for _, s := range steps {
		if steptrace.IsQuery(s.Op) {
			continue
		}
		obj := map[string]any{"action": s.Op}
		switch s.Result {
		case steptrace.OK, steptrace.Failed, steptrace.Refused:
			obj["res"] = s.Result
		}
		if s.ID == "" {
			obj["rt"] = s.To
			lines = append(lines, line{0, obj})
			continue
		}
		if s.Result == steptrace.Refused && !specRefuses(fsm.Event(s.Op), s.From) {
			continue
		}
		if s.Result == steptrace.Cleanup && s.From == s.To {
			continue
		}
		k, ok := current[s.ID]
		if !ok || gone(s.From) && deleted[k] {
			n++
			k = n
			current[s.ID] = k
		}
		deleted[k] = s.To == fsm.Deleted
		obj["action"] = s.Op + "(c1)"
		obj["cs[c1]"] = s.To
		lines = append(lines, line{k, obj})
	}
	out := make([]string, max(n, 1))
	for k := range out {
		var b strings.Builder
		b.WriteString(`{"rt":"Unresolved","res":"none"}` + "\n")
		for _, l := range lines {
			if l.container == 0 || l.container == k+1 {
				data, _ := json.Marshal(l.obj)
				b.Write(data)
				b.WriteByte('\n')
			}
		}
		out[k] = b.String()
	}
	return out
}

// specRefuses reports whether the spec has a refusal of op in state from
// (WrapperRefused): a create of a live container, a pause of a created or a
// running one (after a kill), a delete of a created one.
func specRefuses(op fsm.Event, from fsm.State) bool {
	switch op {
	case fsm.EventCreate:
		return !gone(from)
	case fsm.EventPause:
		return from == fsm.Created || from == fsm.Running
	case fsm.EventDelete:
		return from == fsm.Created
	}
	return false
}

// ValidateSpecTrace checks a runtime step trace (from a fresh runtime)
// against the spec's next-state relation with the Go TLA+ engine, container
// by container (SpecTraces).
func ValidateSpecTrace(ctx context.Context, specPath string, steps []steptrace.Step) error {
	dir, err := os.MkdirTemp("", "conformance-spec-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, "trace.cfg")
	cfg := "CONSTANTS\n    Containers = {c1}\n    ExitCodes = {0, 3, 143}\n    NoCode = NoCode\n    UnknownCode = UnknownCode\nSPECIFICATION Spec\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return err
	}
	for k, trace := range SpecTraces(steps) {
		key := specPath + "\x00" + trace
		if _, ok := specAccepted.Load(key); ok {
			continue
		}
		r, err := tla.ValidateTrace(ctx, specPath, cfgPath, strings.NewReader(trace), tla.TraceOptions{})
		if err != nil {
			return err
		}
		if r.Check != nil {
			return fmt.Errorf("loading the spec: %s", r.Check.Message)
		}
		if !r.OK {
			return fmt.Errorf("the spec rejects the trace of container %d: %s", k+1, r.Failure)
		}
		specAccepted.Store(key, true)
	}
	return nil
}

// specAccepted holds the per-container traces the spec has accepted in this
// process: short container lives recur across cases, and each validation
// parses the spec anew.
var specAccepted sync.Map
