package conformance

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// refDriver is an in-memory wrapper over an in-memory runsc, written from the
// contract. It tests the harness itself: the harness must pass it, and must
// catch it when one of its bugs is switched on.
type refDriver struct {
	mu     sync.Mutex
	runsc  map[string]fsm.State // what runsc knows: Created, Running, Paused, Stopped
	view   map[string]fsm.State
	kill   map[string]bool
	closed bool
	fault  Fault
	bug    string
}

func newRefDriver(bug string) *refDriver {
	return &refDriver{runsc: map[string]fsm.State{}, view: map[string]fsm.State{}, kill: map[string]bool{}, bug: bug}
}

var errRef = errors.New("ref: runsc failed")

func (d *refDriver) Do(ctx context.Context, id string, op fsm.Event) Call {
	d.mu.Lock()
	defer d.mu.Unlock()
	// Observe stops that happened under the wrapper (Exit, SandboxDied).
	if v := d.view[id]; d.runsc[id] == fsm.Stopped && v != fsm.Stopped && d.bug != "stale-view" {
		d.view[id] = fsm.Stopped
	}
	from := d.view[id]
	if from == "" {
		from = fsm.Absent
	}
	c := Container{State: from, KillRequested: d.kill[id]}
	if d.closed || !c.Allowed(op) {
		if !(d.bug == "delete-created" && op == fsm.EventDelete && from == fsm.Created) {
			return Call{Result: steptrace.Refused, To: from, Err: errRef}
		}
	}
	if d.bug == "check-then-act" {
		// The step is decided, then the lock is dropped before it is taken.
		d.mu.Unlock()
		time.Sleep(50 * time.Microsecond)
		d.mu.Lock()
	}
	fault := d.fault
	d.fault = NoFault
	if ctx.Err() != nil {
		return Call{Result: steptrace.Failed, To: from, Err: ctx.Err()}
	}
	if fault == FaultExit1 {
		if d.bug == "failed-moves" {
			d.apply(id, op)
		}
		return Call{Result: steptrace.Failed, To: from, Err: errRef}
	}
	to := d.apply(id, op)
	if fault == FaultHangAfter {
		if d.bug == "timeout-is-failure" {
			return Call{Result: steptrace.Failed, To: from, Err: context.DeadlineExceeded}
		}
		return Call{Result: steptrace.Unknown, To: to, Err: context.DeadlineExceeded}
	}
	return Call{Result: steptrace.OK, To: to}
}

// apply does op's effect in runsc and the wrapper; returns the new view.
func (d *refDriver) apply(id string, op fsm.Event) fsm.State {
	switch op {
	case fsm.EventCreate:
		d.runsc[id], d.view[id], d.kill[id] = fsm.Created, fsm.Created, false
	case fsm.EventStart, fsm.EventResume:
		d.runsc[id], d.view[id] = fsm.Running, fsm.Running
	case fsm.EventKill:
		d.runsc[id], d.kill[id] = fsm.Stopped, true // runsc stops it at once
	case fsm.EventPause:
		d.runsc[id], d.view[id] = fsm.Paused, fsm.Paused
	case fsm.EventDelete, fsm.EventForceDelete, fsm.EventRun:
		delete(d.runsc, id)
		d.view[id] = fsm.Deleted
	}
	return d.view[id]
}

func (d *refDriver) View(_ context.Context, id string) (fsm.State, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	// Like a wrapper with a waiter per container, it sees a stop at once.
	if v := d.view[id]; d.runsc[id] == fsm.Stopped && v != fsm.Stopped && d.bug != "stale-view" {
		d.view[id] = fsm.Stopped
	}
	if v, ok := d.view[id]; ok {
		return v, nil
	}
	return fsm.Absent, nil
}

func (d *refDriver) Close(context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	for id := range d.runsc {
		if d.bug == "close-leaks" && d.runsc[id] == fsm.Paused {
			continue
		}
		delete(d.runsc, id)
		d.view[id] = fsm.Deleted
	}
	return nil
}

func (d *refDriver) Snapshot(context.Context) (map[string]fsm.State, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]fsm.State, len(d.runsc))
	for id, s := range d.runsc {
		out[id] = s
	}
	return out, nil
}

func (d *refDriver) WorkloadExit(_ context.Context, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.runsc[id] = fsm.Stopped
	return nil
}

func (d *refDriver) KillSandbox(_ context.Context, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.runsc[id]; s != fsm.Created && s != fsm.Running && s != fsm.Paused {
		return errRef // no sandbox process to kill
	}
	d.runsc[id] = fsm.Stopped
	return nil
}

func (d *refDriver) Kinds() []Fault { return []Fault{FaultExit1, FaultHangAfter} }

func (d *refDriver) Arm(f Fault, _ fsm.Event, _ bool) func() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fault = f
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.fault = NoFault
	}
}
