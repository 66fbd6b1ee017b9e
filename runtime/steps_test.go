package runtime

import (
	"context"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
)

// lastStepOf is the latest step of op on id.
func lastStepOf(t *testing.T, r *Runtime, op, id string) Step {
	t.Helper()
	tr := r.Trace()
	for i := len(tr) - 1; i >= 0; i-- {
		if tr[i].Op == op && tr[i].ID == id {
			return tr[i]
		}
	}
	t.Fatalf("no %s step for %q in %+v", op, id, tr)
	return Step{}
}

// Wait on a container that has stopped answers with the status recorded at the stop
// and records the step, refused: the lifecycle has no Wait from Stopped.
func TestFakeWaitOnStoppedIsRecorded(t *testing.T) {
	r, bin := newFake(t)
	ctx := context.Background()
	if err := r.Create(ctx, "w", fakeBundle(t, "sh", "-c", "exit 5"), nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx, "w", nil); err != nil {
		t.Fatal(err)
	}
	if code, err := r.Wait(ctx, "w"); err != nil || code != 5 {
		t.Fatalf("Wait = %d, %v; want 5", code, err)
	}
	// The first Wait may find it Running or already Stopped; the second finds it Stopped.
	before, _ := fakerunsc.Calls(bin)
	n := len(r.Trace())
	if code, err := r.Wait(ctx, "w"); err != nil || code != 5 {
		t.Fatalf("Wait on Stopped = %d, %v; want 5", code, err)
	}
	tr := r.Trace()
	if len(tr) != n+1 {
		t.Fatalf("Wait on a stopped container recorded %d steps, want 1: %+v", len(tr)-n, tr[n:])
	}
	s := tr[n]
	if s.Op != "Wait" || s.ID != "w" || s.From != "Stopped" || s.To != "Stopped" || s.Result != ResultRefused || s.Exit != -1 {
		t.Fatalf("step %+v: want Wait refused Stopped -> Stopped, exit -1", s)
	}
	if after, _ := fakerunsc.Calls(bin); len(after) != len(before) {
		t.Fatalf("runsc ran for Wait on a stopped container: %v", after[len(before):])
	}
	if err := replayTrace(tr); err != nil {
		t.Fatal(err)
	}
}

// A create that runsc completes but whose `runsc state` check reads garbage must not
// leave the container in runsc: Create fails and force-deletes it, as a cleanup step.
func TestFakeCreateGarbageStateLeavesNothing(t *testing.T) {
	r, bin := newFake(t)
	ctx := context.Background()
	b := fakeBundle(t, "sleep", "3600")
	if err := fakerunsc.SetFaults(bin, fakerunsc.Faults{Garbage: map[string]bool{"state": true}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Create(ctx, "g", b, nil); err == nil {
		t.Fatal("Create with an unreadable state check succeeded")
	}
	if err := fakerunsc.SetFaults(bin, fakerunsc.Faults{}); err != nil {
		t.Fatal(err)
	}
	l, err := r.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 0 {
		t.Fatalf("runsc still lists %+v after the failed Create", l)
	}
	if pids := processesUsingRoot(r.Root()); len(pids) > 0 {
		t.Fatalf("sandbox processes left: %v", pids)
	}
	c := lastStepOf(t, r, "ForceDelete", "g")
	if c.Result != ResultCleanup || c.Error != "" {
		t.Fatalf("cleanup step %+v: want a cleanup force-delete that succeeded", c)
	}
	if err := replayTrace(r.Trace()); err != nil {
		t.Fatal(err)
	}
	// The ID is free: nothing of the first create is left in the way.
	if err := r.Create(ctx, "g", b, nil); err != nil {
		t.Fatalf("Create after the cleanup: %v", err)
	}
}
