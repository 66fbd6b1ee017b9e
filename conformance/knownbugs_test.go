package conformance

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// Each fault knownBugs keeps out of the fake tier must still break the
// runtime; once it no longer does, this fails so that the fault goes back
// into the tier. A Create with the fault armed must leave runsc, or a
// sandbox process, with a container the wrapper says is gone.
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
				if op != fsm.EventCreate {
					t.Fatalf("no reproduction written for %s on %s (%s)", f, op, why)
				}
				dir := t.TempDir()
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				_ = fakerunsc.SetFaults(bin, fakerunsc.Faults{})
				d, err := newRuntimeDriver(ctx, bin, dir, bundle, runBundle, runtime.WithoutSandboxProbe())
				if err != nil {
					t.Fatal(err)
				}
				defer d.closeTrace()
				w := &fakeWorld{bin: bin, root: d.rt.Root()}
				if err := fakerunsc.SetFaults(bin, fakeProfile(f, op, false, 200)); err != nil {
					t.Fatal(err)
				}
				octx, ocancel := context.WithTimeout(ctx, time.Second)
				call := d.Do(octx, "kb-a", op)
				ocancel()
				_ = fakerunsc.SetFaults(bin, fakerunsc.Faults{})
				d.Drain()
				view, _ := d.View(ctx, "kb-a")
				snap, _ := w.Snapshot(ctx)
				procs, _ := w.Processes()
				leaked := gone(view) && (observed(snap, "kb-a") != fsm.Absent || strings.Contains(strings.Join(procs, "\n"), " kb-a"))
				_ = d.Close(ctx)
				if procs, _ := w.Processes(); len(procs) > 0 {
					sweepFake(procs)
				}
				os.RemoveAll(dir)
				if !leaked {
					t.Errorf("%s on %s no longer leaks (result %s, wrapper %s, runsc %s): remove it from knownBugs (%s)",
						f, op, call.Result, view, observed(snap, "kb-a"), why)
				}
			})
		}
	}
}
