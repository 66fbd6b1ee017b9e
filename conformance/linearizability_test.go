package conformance

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

func TestLinearizabilityModelAcceptsARaceOneSideWins(t *testing.T) {
	h := NewHistory()
	// Two clients create the same ID at once: one wins, the other is refused.
	h.Add(0, Input{ID: "a", Op: fsm.EventCreate}, 0, Output{Result: steptrace.OK, To: fsm.Created}, 10)
	h.Add(1, Input{ID: "a", Op: fsm.EventCreate}, 1, Output{Result: steptrace.Refused, To: fsm.Created}, 9)
	h.Add(0, Input{ID: "a", Op: fsm.EventStart}, 11, Output{Result: steptrace.OK, To: fsm.Running}, 20)
	h.Add(1, Input{ID: "b", Op: fsm.EventStart}, 11, Output{Result: steptrace.Refused}, 20)
	res, err := h.Check(time.Second, "")
	if err != nil || res != porcupine.Ok {
		t.Fatalf("got %v, %v; history:\n%s", res, err, h)
	}
}

func TestLinearizabilityModelRejectsTwoWinners(t *testing.T) {
	h := NewHistory()
	h.Add(0, Input{ID: "a", Op: fsm.EventCreate}, 0, Output{Result: steptrace.OK, To: fsm.Created}, 10)
	h.Add(1, Input{ID: "a", Op: fsm.EventCreate, Fault: "none"}, 1, Output{Result: steptrace.OK, To: fsm.Created}, 9)
	viz := filepath.Join(t.TempDir(), "viz.html")
	res, err := h.Check(time.Second, viz)
	if err != nil {
		t.Fatal(err)
	}
	if res != porcupine.Illegal {
		t.Fatalf("two successful Creates of one ID: %v, want Illegal", res)
	}
	if fi, err := os.Stat(viz); err != nil || fi.Size() == 0 {
		t.Errorf("no visualization written: %v", err)
	}
}

func TestLinearizabilityModelUnknownThenObserved(t *testing.T) {
	h := NewHistory()
	h.Add(0, Input{ID: "a", Op: fsm.EventCreate}, 0, Output{Result: steptrace.OK, To: fsm.Created}, 1)
	// A Start that timed out; reconciliation found it running.
	h.Add(0, Input{ID: "a", Op: fsm.EventStart, Fault: "hang-after"}, 2, Output{Result: steptrace.Unknown, To: fsm.Running}, 5)
	h.Add(1, Input{ID: "a", Op: fsm.EventPause}, 6, Output{Result: steptrace.OK, To: fsm.Paused}, 7)
	if res, _ := h.Check(time.Second, ""); res != porcupine.Ok {
		t.Fatalf("got %v; history:\n%s", res, h)
	}
	// A failed Start must have left it Created: a Pause right after cannot succeed.
	h2 := NewHistory()
	h2.Add(0, Input{ID: "a", Op: fsm.EventCreate}, 0, Output{Result: steptrace.OK, To: fsm.Created}, 1)
	h2.Add(0, Input{ID: "a", Op: fsm.EventStart}, 2, Output{Result: steptrace.Failed, To: fsm.Created}, 5)
	h2.Add(1, Input{ID: "a", Op: fsm.EventPause}, 6, Output{Result: steptrace.OK, To: fsm.Paused}, 7)
	if res, _ := h2.Check(time.Second, ""); res != porcupine.Illegal {
		t.Fatalf("a failed Start that took effect: %v, want Illegal", res)
	}
}

func TestLinearizabilityModelKillThenExit(t *testing.T) {
	h := NewHistory()
	h.Add(0, Input{ID: "a", Op: fsm.EventCreate}, 0, Output{Result: steptrace.OK, To: fsm.Created}, 1)
	h.Add(0, Input{ID: "a", Op: fsm.EventStart}, 2, Output{Result: steptrace.OK, To: fsm.Running}, 3)
	h.Add(0, Input{ID: "a", Op: fsm.EventKill}, 4, Output{Result: steptrace.OK, To: fsm.Running}, 5)
	// The exit took effect; the wrapper refuses Pause and deletes without force.
	h.Add(1, Input{ID: "a", Op: fsm.EventPause}, 6, Output{Result: steptrace.Refused, To: fsm.Stopped}, 7)
	h.Add(1, Input{ID: "a", Op: fsm.EventDelete}, 8, Output{Result: steptrace.OK, To: fsm.Deleted}, 9)
	if res, _ := h.Check(time.Second, ""); res != porcupine.Ok {
		t.Fatalf("got %v; history:\n%s", res, h)
	}
}

// A force-delete of a paused container resumes it first; when the delete is then cut
// short, the container runs. Only a force-delete that did not complete may leave it so.
func TestLinearizabilityModelForceDeleteResumedFirst(t *testing.T) {
	paused := func(last Output) *History {
		h := NewHistory()
		h.Add(0, Input{ID: "a", Op: fsm.EventCreate}, 0, Output{Result: steptrace.OK, To: fsm.Created}, 1)
		h.Add(0, Input{ID: "a", Op: fsm.EventStart}, 2, Output{Result: steptrace.OK, To: fsm.Running}, 3)
		h.Add(0, Input{ID: "a", Op: fsm.EventPause}, 4, Output{Result: steptrace.OK, To: fsm.Paused}, 5)
		h.Add(0, Input{ID: "a", Op: fsm.EventForceDelete, Fault: "cancel"}, 6, last, 7)
		h.Add(1, Input{ID: "a", Op: fsm.EventResume}, 8, Output{Result: steptrace.Refused, To: fsm.Running}, 9)
		h.Add(1, Input{ID: "a", Op: fsm.EventPause}, 10, Output{Result: steptrace.OK, To: fsm.Paused}, 11)
		return h
	}
	for _, r := range []steptrace.Result{steptrace.Unknown, steptrace.Failed} {
		h := paused(Output{Result: r, To: fsm.Running})
		if res, _ := h.Check(time.Second, ""); res != porcupine.Ok {
			t.Errorf("%s force-delete that resumed: %v; history:\n%s", r, res, h)
		}
	}
	// Of a created container, which has nothing to resume: it cannot run after.
	h := NewHistory()
	h.Add(0, Input{ID: "a", Op: fsm.EventCreate}, 0, Output{Result: steptrace.OK, To: fsm.Created}, 1)
	h.Add(0, Input{ID: "a", Op: fsm.EventForceDelete, Fault: "cancel"}, 2, Output{Result: steptrace.Unknown, To: fsm.Running}, 3)
	if res, _ := h.Check(time.Second, ""); res != porcupine.Illegal {
		t.Errorf("an unknown force-delete of a created container that left it running: %v, want Illegal", res)
	}
}
