package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// TestAttachAcrossRuntimes plays a runc-style front-end on the fake runsc: each step in
// a runtime of its own on one shared root, the container handed from one to the next by
// Attachment and Attach. The lifecycle's refusals hold across runtimes, a client create
// writes the pid file, the stop is observed by Reconcile, and Release leaves the
// container for the next runtime.
func TestAttachAcrossRuntimes(t *testing.T) {
	bin := fakerunsc.Build(t)
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "runsc")
	open := func() *Runtime {
		t.Helper()
		r, err := NewWithPath(ctx, bin, WithRoot(root), WithoutSandboxProbe(), WithoutSubreaper())
		if err != nil {
			t.Fatalf("NewWithPath: %v", err)
		}
		return r
	}
	var rec Attached
	// step opens a runtime, attaches the container as the last one left it, runs f and
	// records the container's state for the next, as a front-end's process would.
	step := func(f func(r *Runtime) error) ([]steptrace.Step, error) {
		t.Helper()
		r := open()
		if rec.State != "" {
			if err := r.Attach("web", rec); err != nil {
				t.Fatalf("Attach(%+v): %v", rec, err)
			}
		}
		err := f(r)
		var ok bool
		rec, ok = r.Attachment("web")
		if !ok {
			rec = Attached{}
		}
		tr := r.Trace()
		if err := r.Release(); err != nil {
			t.Fatalf("Release: %v", err)
		}
		if _, err := os.Stat(r.StateDir()); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("Release left its state directory: %v", err)
		}
		if r.Create(ctx, "other", fakeBundle(t, "sleep", "1"), nil) == nil {
			t.Fatal("a released runtime created a container")
		}
		return tr, err
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	if _, err := step(func(r *Runtime) error {
		return r.Create(ctx, "web", fakeBundle(t, "sleep", "3600"), &CreateOpts{Client: &ClientCreate{PidFile: pidFile}})
	}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	data, err := os.ReadFile(pidFile)
	if pid, _ := strconv.Atoi(string(data)); err != nil || pid != rec.Pid || rec.State != fsm.Created {
		t.Fatalf("after create: pid file %q (%v), record %+v", data, err, rec)
	}
	// The next runtime refuses what the lifecycle forbids in Created, before runsc.
	calls := func() int { // container verbs only: not each New's version, not the fake's sandbox
		cs, _ := fakerunsc.Calls(bin)
		n := 0
		for _, c := range cs {
			if sub, _ := subcommand(c); sub != "boot" && !slices.Equal(c.Args, []string{"--version"}) {
				n++
			}
		}
		return n
	}
	before := calls()
	if _, err := step(func(r *Runtime) error { return r.Pause(ctx, "web") }); !errors.Is(err, ErrIllegal) {
		t.Fatalf("Pause of the created container in the next runtime: %v, want ErrIllegal", err)
	}
	if _, err := step(func(r *Runtime) error { return r.Create(ctx, "we", fakeBundle(t, "true"), nil) }); !errors.Is(err, ErrAmbiguousID) {
		t.Fatalf("Create of a prefix of the attached ID: %v, want ErrAmbiguousID", err)
	}
	if n := calls() - before; n != 0 {
		t.Fatalf("the refused steps ran runsc %d times", n)
	}
	if _, err := step(func(r *Runtime) error { return r.Start(ctx, "web", &StartOpts{NoWait: true}) }); err != nil || rec.State != fsm.Running {
		t.Fatalf("Start: %v, record %+v", err, rec)
	}
	if _, err := step(func(r *Runtime) error { return r.Kill(ctx, "web", syscall.SIGKILL, nil) }); err != nil || !rec.KillRequested {
		t.Fatalf("Kill: %v, record %+v", err, rec)
	}
	if _, err := step(func(r *Runtime) error { return r.Pause(ctx, "web") }); err == nil || !strings.Contains(err.Error(), "kill was accepted") {
		t.Fatalf("Pause after an accepted kill, in the next runtime: %v", err)
	}
	tr, err := step(func(r *Runtime) error { _, err := r.Reconcile(ctx, "web"); return err })
	if err != nil || rec.State != fsm.Stopped {
		t.Fatalf("Reconcile after the kill: %v, record %+v, trace %+v", err, rec, tr)
	}
	if k := len(tr) - 2; k < 0 || tr[k].Op != string(fsm.EventExit) || tr[k].To != fsm.Stopped || tr[k+1].Op != "State" {
		t.Fatalf("Reconcile's trace: %+v, want the Exit observed, then the query", tr)
	}
	if _, err := step(func(r *Runtime) error { return r.Delete(ctx, "web", nil) }); err != nil || rec.State != "" {
		t.Fatalf("Delete: %v, record %+v", err, rec)
	}
	ents, _ := os.ReadDir(root)
	for _, e := range ents {
		if strings.Contains(e.Name(), "web") {
			t.Fatalf("runsc's state of the deleted container is left in the root: %s", e.Name())
		}
	}
}

// TestAttachRefusals: an attached ID must be valid, live and not held already, and a
// runtime with its own root cannot be released.
func TestAttachRefusals(t *testing.T) {
	r, _ := newFake(t)
	for _, a := range []struct {
		id string
		at Attached
	}{{"bad/id", Attached{State: fsm.Running}}, {"x", Attached{State: fsm.Deleted}}, {"x", Attached{State: "Bogus"}}} {
		if err := r.Attach(a.id, a.at); err == nil {
			t.Errorf("Attach(%q, %+v) was accepted", a.id, a.at)
		}
	}
	if err := r.Attach("x", Attached{State: fsm.Stopped}); err != nil {
		t.Fatal(err)
	}
	if err := r.Attach("x", Attached{State: fsm.Stopped}); !errors.Is(err, ErrExists) {
		t.Errorf("second Attach: %v, want ErrExists", err)
	}
	if err := r.Delete(context.Background(), "x", nil); err != nil {
		t.Errorf("Delete of an attached stopped container runsc does not know: %v", err)
	}
	if err := r.Release(); err == nil {
		t.Error("Release of a runtime with its own root was accepted")
	}
}
