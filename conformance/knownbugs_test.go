package conformance

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// Each fault knownBugs keeps out of the fake tier must still break the
// runtime; once it no longer does, this fails so that the fault goes back
// into the tier. The reproduction: a paused container resumed with the
// fault armed must end with the wrapper's view and runsc's apart.
func TestKnownBugsStillReproduce(t *testing.T) {
	if len(knownBugs) == 0 {
		t.Skip("no known bugs")
	}
	bin := fakerunsc.Build(t)
	bundle, runBundle, err := testBundles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for f, ops := range knownBugs {
		for op, why := range ops {
			t.Run(string(f)+"/"+string(op), func(t *testing.T) {
				op := op
				if op == "" {
					op = fsm.EventResume // every operation: Resume shows it
				}
				if op != fsm.EventResume {
					t.Fatalf("no reproduction written for %s on %s (%s)", f, op, why)
				}
				dir := t.TempDir()
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				d, w, err := newFakeDriver(ctx, bin, dir, bundle, runBundle)
				if err != nil {
					t.Fatal(err)
				}
				defer d.closeTrace()
				for _, e := range []fsm.Event{fsm.EventCreate, fsm.EventStart, fsm.EventPause} {
					if c := d.Do(ctx, "kb-a", e); c.Result != steptrace.OK {
						t.Fatalf("%s: %s (%v)", e, c.Result, c.Err)
					}
				}
				if err := fakerunsc.SetFaults(bin, fakeProfile(f, op, false, 200)); err != nil {
					t.Fatal(err)
				}
				octx, ocancel := context.WithTimeout(ctx, 10*time.Second)
				call := d.Do(octx, "kb-a", op)
				ocancel()
				_ = fakerunsc.SetFaults(bin, fakerunsc.Faults{})
				d.Drain()
				view, _ := d.View(ctx, "kb-a")
				snap, _ := w.Snapshot(ctx)
				apart := !gone(view) && view != observed(snap, "kb-a")
				_ = d.Close(ctx)
				if procs, _ := w.Processes(); len(procs) > 0 {
					sweepFake(procs)
				}
				os.RemoveAll(dir)
				if !apart {
					t.Errorf("%s on %s no longer breaks the runtime (result %s, wrapper %s, runsc %s): remove it from knownBugs (%s)",
						f, op, call.Result, view, observed(snap, "kb-a"), why)
				}
			})
		}
	}
}
