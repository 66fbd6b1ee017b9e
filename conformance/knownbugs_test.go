package conformance

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// Each fault knownBugs keeps out of the fake tier must still break the
// runtime; once it no longer does, this fails so that the fault goes back
// into the tier.
func TestKnownBugsStillReproduce(t *testing.T) {
	bin := fakerunsc.Build(t)
	bundle, runBundle, err := testBundles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		fault Fault
		op    fsm.Event
	}{{FaultGarbageJSON, fsm.EventCreate}} {
		t.Run(string(c.fault), func(t *testing.T) {
			why, ok := knownBug(c.fault, c.op)
			if !ok {
				t.Skipf("%s on %s is not a known bug any more", c.fault, c.op)
			}
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_ = fakerunsc.SetFaults(bin, fakerunsc.Faults{})
			d, err := newRuntimeDriver(ctx, bin, dir, bundle, runBundle, runtime.WithoutSandboxProbe())
			if err != nil {
				t.Fatal(err)
			}
			w := &fakeWorld{bin: bin, root: d.rt.Root()}
			var p fakerunsc.Faults
			switch c.fault {
			case FaultGarbageJSON:
				p.Garbage = map[string]bool{"state": true, "list": true, "wait": true}
			}
			if err := fakerunsc.SetFaults(bin, p); err != nil {
				t.Fatal(err)
			}
			octx, ocancel := context.WithTimeout(ctx, 50*time.Millisecond)
			call := d.Do(octx, "kb-a", fsm.EventCreate)
			ocancel()
			_ = fakerunsc.SetFaults(bin, fakerunsc.Faults{})
			snap, _ := w.Snapshot(ctx)
			view, _ := d.View(ctx, "kb-a")
			d.Drain()
			leaked := gone(view) && observed(snap, "kb-a") != fsm.Absent
			_ = d.Close(ctx)
			if procs, _ := w.Processes(); len(procs) > 0 {
				leaked = true
				sweepFake(procs)
			}
			os.RemoveAll(dir)
			if !leaked {
				t.Errorf("%s on %s no longer leaks (result %s, wrapper %s, runsc %s): remove it from knownBugs (%s)",
					c.fault, c.op, call.Result, view, observed(snap, "kb-a"), why)
			}
		})
	}
}
