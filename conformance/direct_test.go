package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// directDriver is a minimal wrapper that drives runsc itself, following the
// model's rules for what to refuse. It lets the real-runsc tier run (and be
// calibrated) independently of the runtime package; the tier's adapter for
// the runtime package replaces it.
type directDriver struct {
	mu        sync.Mutex
	r         *Runsc
	bundle    string // workload waits for the exit file
	runBundle string // workload exits at once (for Run)
	view      map[string]State
	kill      map[string]bool
	waiters   map[string]*exec.Cmd
	closed    bool
}

func newDirectDriver(r *Runsc, bundle, runBundle string) *directDriver {
	return &directDriver{r: r, bundle: bundle, runBundle: runBundle,
		view: map[string]State{}, kill: map[string]bool{}, waiters: map[string]*exec.Cmd{}}
}

func (d *directDriver) viewOf(id string) State {
	if v, ok := d.view[id]; ok {
		return v
	}
	return Absent
}

// reconcile observes a stop that happened under the wrapper.
func (d *directDriver) reconcile(ctx context.Context, id string) {
	v := d.viewOf(id)
	if v != Created && v != Running && v != Paused {
		return
	}
	if s, err := d.r.Status(ctx, id); err == nil && s == Stopped {
		d.view[id] = Stopped
	}
}

func (d *directDriver) arm(id string) {
	if w := d.waiters[id]; w != nil {
		return
	}
	cmd := exec.Command(d.r.Binary, append(append([]string{"--root", d.r.Root}, d.r.Flags...), "wait", id)...)
	if err := cmd.Start(); err != nil {
		return
	}
	d.waiters[id] = cmd
	go func() { _ = cmd.Wait() }()
}

func (d *directDriver) disarm(id string) {
	if w := d.waiters[id]; w != nil {
		_ = w.Process.Kill()
		delete(d.waiters, id)
	}
}

func (d *directDriver) Do(ctx context.Context, id string, op Event) Call {
	d.mu.Lock()
	defer d.mu.Unlock()
	bg, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d.reconcile(bg, id)
	from := d.viewOf(id)
	c := Container{State: from, KillRequested: d.kill[id]}
	if d.closed || !c.Allowed(op) {
		return Call{Result: ResultRefused, To: from, Err: fmt.Errorf("%s not permitted in %s", op, from)}
	}
	if op == EventCreate || op == EventRun {
		for other, v := range d.view {
			if other != id && (strings.HasPrefix(other, id) || strings.HasPrefix(id, other)) && v != Deleted && v != Absent {
				return Call{Result: ResultRefused, To: from, Err: fmt.Errorf("%s clashes with %s: runsc matches prefixes", id, other)}
			}
		}
	}
	var args []string
	switch op {
	case EventCreate:
		args = []string{"create", "--bundle", d.bundle, id}
	case EventStart:
		args = []string{"start", id}
	case EventWait:
		d.arm(id)
		return Call{Result: ResultOK, To: from}
	case EventKill:
		args = []string{"kill", id, "KILL"}
	case EventPause:
		args = []string{"pause", id}
	case EventResume:
		args = []string{"resume", id}
	case EventDelete:
		args = []string{"delete", id}
	case EventForceDelete:
		// This runsc panics force-deleting a paused container (it does
		// delete it): resume it first.
		// (A paused container whose sandbox died cannot be resumed; the
		// delete then panics, and the reconciling below sees it gone.)
		if from == Paused {
			_, _, _ = d.r.run(ctx, "resume", id)
		}
		args = []string{"delete", "-force", id}
	case EventRun:
		args = []string{"run", "--bundle", d.runBundle, id}
	}
	_, errOut, err := d.r.run(ctx, args...)
	if ctx.Err() != nil {
		// The outcome is unknown: reconcile with runsc.
		to := from
		if s, serr := d.r.Status(bg, id); serr == nil {
			to = s
			if s == Absent && from != Absent {
				to = Deleted
			}
		}
		d.view[id] = to
		return Call{Result: ResultUnknown, To: to, Err: ctx.Err()}
	}
	if err != nil {
		var ee *exec.ExitError
		if op == EventRun && errors.As(err, &ee) && ee.ExitCode() != 128 {
			err = nil // run reports the workload's status
		} else {
			err = fmt.Errorf("runsc %s: %v: %s", op, err, errOut)
			// runsc sometimes fails after the effect (delete -force of a
			// paused container panics, yet deletes it): look before
			// claiming nothing changed.
			if s, serr := d.r.Status(bg, id); serr == nil && !sameState(s, from) {
				if s == Absent {
					s = Deleted
					d.disarm(id)
				}
				d.view[id] = s
				return Call{Result: ResultUnknown, To: s, Err: err}
			}
			return Call{Result: ResultFailed, To: from, Err: err}
		}
	}
	to := from
	switch op {
	case EventCreate:
		to = Created
		d.kill[id] = false
	case EventStart:
		to = Running
		d.arm(id)
	case EventKill:
		d.kill[id] = true
	case EventPause:
		to = Paused
	case EventResume:
		to = Running
	case EventDelete, EventForceDelete, EventRun:
		to = Deleted
		d.disarm(id)
	}
	d.view[id] = to
	return Call{Result: ResultOK, To: to}
}

func (d *directDriver) View(_ context.Context, id string) (State, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.viewOf(id), nil
}

func (d *directDriver) Close(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	ids, err := d.r.List(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if s, _ := d.r.Status(ctx, id); s == Paused {
			_, _, _ = d.r.run(ctx, "resume", id)
		}
		if _, errOut, err := d.r.run(ctx, "delete", "-force", id); err != nil {
			if s, serr := d.r.Status(ctx, id); serr != nil || s != Absent {
				return fmt.Errorf("delete -force %s: %v: %s", id, err, errOut)
			}
		}
		d.view[id] = Deleted
		d.disarm(id)
	}
	for id := range d.waiters {
		d.disarm(id)
	}
	return nil
}

// newRealDirect builds a directDriver on the real runsc in dir.
func newRealDirect(dir string) (*directDriver, *Runsc, error) {
	r := &Runsc{
		Binary:   "/usr/bin/runsc",
		Root:     dir + "/root",
		Flags:    []string{"--platform=ptrace", "--network=none"},
		ExitFile: "/tmp/exit",
	}
	bundle, err := BusyboxBundle(dir, "/usr/bin/busybox", r.ExitFile)
	if err != nil {
		return nil, nil, err
	}
	runBundle, err := BusyboxScriptBundle(dir+"/run-bundle", "/usr/bin/busybox", "exit 0", "/tmp")
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(r.Root, 0o711); err != nil {
		return nil, nil, err
	}
	return newDirectDriver(r, bundle, runBundle), r, nil
}
