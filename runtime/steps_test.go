package runtime

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// lastStepOf is the latest step of op on id.
func lastStepOf(t *testing.T, r *Runtime, op, id string) steptrace.Step {
	t.Helper()
	tr := r.Trace()
	for i := len(tr) - 1; i >= 0; i-- {
		if tr[i].Op == op && tr[i].ID == id {
			return tr[i]
		}
	}
	t.Fatalf("no %s step for %q in %+v", op, id, tr)
	return steptrace.Step{}
}

// awaitCall waits until the fake at bin has recorded a call of verb on id and returns
// the calls recorded so far.
func awaitCall(t *testing.T, bin, verb, id string) []fakerunsc.Call {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		calls, _ := fakerunsc.Calls(bin)
		for _, c := range calls {
			if n := len(c.Args); n >= 2 && c.Args[n-2] == verb && c.Args[n-1] == id {
				return calls
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("runsc %s %s never ran; calls: %+v", verb, id, calls)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Wait on a container that has stopped answers with the status recorded at the stop
// and records the step, refused: the lifecycle has no Wait from Stopped.
func TestFakeWaitOnStoppedIsRecorded(t *testing.T) {
	r, bin := newFake(t)
	ctx := context.Background()
	mustStart(t, ctx, r, "w", fakeBundle(t, "sh", "-c", "exit 5"), nil)
	mustWait(t, ctx, r, "w", 5)
	// The first Wait may find it Running or already Stopped; the second finds it Stopped.
	// The exit may reach the runtime through its reaper before the `runsc wait` that
	// Start armed has even begun, so that wait is awaited first: it belongs to Start.
	before := awaitCall(t, bin, "wait", "w")
	n := len(r.Trace())
	mustWait(t, ctx, r, "w", 5)
	tr := r.Trace()
	if len(tr) != n+1 {
		t.Fatalf("Wait on a stopped container recorded %d steps, want 1: %+v", len(tr)-n, tr[n:])
	}
	s := tr[n]
	if s.Op != "Wait" || s.ID != "w" || s.From != "Stopped" || s.To != "Stopped" || s.Result != steptrace.Refused || s.Exit != -1 {
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
	setFaults(t, bin, fakerunsc.Faults{Garbage: map[string]bool{"state": true}})
	if err := r.Create(ctx, "g", b, nil); err == nil {
		t.Fatal("Create with an unreadable state check succeeded")
	}
	setFaults(t, bin, fakerunsc.Faults{})
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
	if c.Result != steptrace.Cleanup || c.Error != "" {
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

// ForceDelete of a paused container resumes it first (runsc's delete --force panics
// on a paused one). When the resume takes effect and the delete then does not, the
// container runs: the trace must say so, never that it is still Paused.
func TestFakeForceDeletePausedResumeTakesEffect(t *testing.T) {
	for name, f := range map[string]fakerunsc.Faults{
		"resume-and-delete-hang-after": {HangAfter: map[string]bool{"resume": true, "delete": true}},
		"delete-hangs-before":          {HangBefore: map[string]bool{"delete": true}},
		"delete-fails":                 {Exit: map[string]int{"delete": 128}},
	} {
		t.Run(name, func(t *testing.T) {
			r, bin := newFake(t)
			ctx := context.Background()
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			mustStart(t, ctx, r, "p", fakeBundle(t, "sleep", "3600"), nil)
			must(r.Pause(ctx, "p"))
			setFaults(t, bin, f)
			dctx, cancel := context.WithTimeout(ctx, time.Second)
			err := r.Delete(dctx, "p", &DeleteOpts{Force: true})
			cancel()
			setFaults(t, bin, fakerunsc.Faults{})
			if err == nil {
				t.Fatal("ForceDelete succeeded though runsc's delete did not")
			}
			st, serr := r.State(ctx, "p")
			if serr != nil {
				t.Fatal(serr)
			}
			if st.Status != "running" {
				t.Fatalf("runsc says %s; the test wants the resume to have taken effect", st.Status)
			}
			fd := lastStepOf(t, r, "ForceDelete", "p")
			if fd.To != "Running" {
				t.Fatalf("ForceDelete recorded %+v while runsc has the container running", fd)
			}
			if err := replayTrace(r.Trace()); err != nil {
				t.Fatal(err)
			}
			must(r.Delete(ctx, "p", &DeleteOpts{Force: true}))
			if s := lastStepOf(t, r, "ForceDelete", "p"); s.Result != steptrace.OK || s.From != "Running" || s.To != "Deleted" {
				t.Fatalf("second ForceDelete %+v: want ok Running -> Deleted", s)
			}
		})
	}
}

// A process of a runtime's sandboxes may still be running under another parent when
// Close has killed the sandboxes — a platform stub whose parent stub is dying — and
// reach us, as subreaper, only when that parent has gone. Close must wait for it and
// reap it. Here the stand-in is a session leader P noted as the runtime's, under a
// parent that is not ours, and P's child Q, which outlives P (and so is reparented to
// us) and then exits.
func TestFakeCloseReapsLateOrphans(t *testing.T) {
	r, _ := newFake(t)
	if !reaping() {
		t.Skip("SKIPPING: the process is no child subreaper here")
	}
	cmd := exec.Command("/bin/sh", "-c", `setsid /bin/sh -c 'sleep 0.6 & sleep 0.3' & wait`)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var p, q int
	for i := 0; i < 500 && q == 0; i++ {
		time.Sleep(2 * time.Millisecond)
		for _, c := range kidsOf(cmd.Process.Pid) {
			if st, ok := procfs.ReadStat(c); ok && st.Session == c {
				p = c
				if kids := kidsOf(p); len(kids) > 0 {
					q = kids[0]
				}
			}
		}
	}
	if q == 0 {
		t.Fatal("the process tree did not appear")
	}
	r.reaper.own.note(p) // as adoptOrphans notes a sandbox, and its session with it
	if err := r.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if st, ok := procfs.ReadStat(q); ok {
		t.Errorf("Close returned while %d (state %c, parent %d, our pid %d) of its session still exists", q, st.State, st.PPid, os.Getpid())
		waitDead(q)
		var ws syscall.WaitStatus
		syscall.Wait4(q, &ws, 0, nil)
	}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
}

// A runsc create killed by a signal from outside after starting the sandbox and before
// recording its state leaves a sandbox no ID names: Create must kill it, as it does
// when its own context cuts the create short.
func TestFakeCreateKilledBySignalLeavesNothing(t *testing.T) {
	r, bin := newFake(t)
	ctx := context.Background()
	setFaults(t, bin, fakerunsc.Faults{KillMid: map[string]bool{"create": true}})
	err := r.Create(ctx, "k", fakeBundle(t, "sleep", "3600"), nil)
	setFaults(t, bin, fakerunsc.Faults{})
	if err == nil {
		t.Fatal("Create whose runsc was killed succeeded")
	}
	if pids := processesUsingRoot(r.Root()); len(pids) > 0 {
		t.Fatalf("sandbox processes left: %v", pids)
	}
	if c := lastStepOf(t, r, "ForceDelete", "k"); c.Result != steptrace.Cleanup {
		t.Fatalf("step %+v: want the cleanup recorded", c)
	}
	if err := replayTrace(r.Trace()); err != nil {
		t.Fatal(err)
	}
}

// A runsc killed by a signal that is not its context's, after its effect, leaves the
// outcome unknown: the step is recorded "unknown" with the state runsc reports, never
// "failed" with the state unchanged while runsc has moved on.
func TestFakeStepKilledAfterEffectIsReconciled(t *testing.T) {
	for _, tc := range []struct {
		verb, op, status, to string
		prepare              func(r *Runtime) error
	}{
		{"resume", "Resume", "running", "Running", func(r *Runtime) error { return r.Pause(context.Background(), "k") }},
		{"pause", "Pause", "paused", "Paused", func(*Runtime) error { return nil }},
		{"delete", "ForceDelete", "", "Deleted", func(*Runtime) error { return nil }},
	} {
		t.Run(tc.verb, func(t *testing.T) {
			r, bin := newFake(t)
			ctx := context.Background()
			mustStart(t, ctx, r, "k", fakeBundle(t, "sleep", "3600"), nil)
			if err := tc.prepare(r); err != nil {
				t.Fatal(err)
			}
			setFaults(t, bin, fakerunsc.Faults{KillMid: map[string]bool{tc.verb: true}})
			var err error
			switch tc.op {
			case "Resume":
				err = r.Resume(ctx, "k")
			case "Pause":
				err = r.Pause(ctx, "k")
			default:
				err = r.Delete(ctx, "k", &DeleteOpts{Force: true})
			}
			setFaults(t, bin, fakerunsc.Faults{})
			s := lastStepOf(t, r, tc.op, "k")
			if tc.op == "ForceDelete" && err == nil {
				// runsc delete removed it before dying: success, read back.
				if s.Result != steptrace.OK || s.To != "Deleted" {
					t.Fatalf("step %+v: want ok -> Deleted", s)
				}
			} else {
				if err == nil {
					t.Fatalf("%s whose runsc was SIGKILLed succeeded", tc.op)
				}
				if s.Result != steptrace.Unknown || string(s.To) != tc.to {
					t.Fatalf("step %+v: want unknown -> %s (runsc's effect happened)", s, tc.to)
				}
			}
			if tc.status != "" {
				st, err := r.State(ctx, "k")
				if err != nil {
					t.Fatal(err)
				}
				if st.Status != tc.status {
					t.Fatalf("runsc says %s; the fake's kill_mid should act after the effect", st.Status)
				}
			}
			if err := replayTrace(r.Trace()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// kidsOf lists pid's children (none once it has gone).
func kidsOf(pid int) []int {
	kids, _ := procfs.Children(pid)
	return kids
}
