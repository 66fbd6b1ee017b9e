package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// exited records the workload's exit status (first report wins) and moves the machine
// Running -> Stopped. The step is recorded before waiters are released.
func (c *container) exited(r *Runtime, code int, note string) {
	c.report(r, fsm.EventExit, code, nil, note)
}

// sandboxGone records that the sandbox died without a known workload status.
func (c *container) sandboxGone(r *Runtime, note string) {
	c.report(r, fsm.EventSandboxDied, -1, ErrExitUnknown, note)
}

func (c *container) report(r *Runtime, e fsm.Event, code int, err error, note string) {
	c.rmu.Lock()
	first := !c.reported
	c.reported = true
	c.rmu.Unlock()
	if !first {
		return
	}
	r.environment(c, e, code, note)
	// Its output is the caller's before its status is.
	c.outErr = c.stdio.finish(relayGrace)
	c.code, c.err = code, err
	close(c.done)
}

// environment records an event the runtime observed rather than caused.
func (r *Runtime) environment(c *container, e fsm.Event, exit int, note string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e == fsm.EventExit && !c.m.Can(e) && c.m.Can(fsm.EventSandboxDied) {
		e = fsm.EventSandboxDied // e.g. Paused: the lifecycle calls it a death
	}
	if !c.m.Can(e) {
		return // already deleted (force-delete kills the sandbox): nothing to record
	}
	from, to, _ := c.m.Fire(context.Background(), e)
	r.tr.add(steptrace.Step{Op: string(e), ID: c.id, From: from, To: to, Result: steptrace.OK, Exit: exit, Note: note})
}

// waiter is the `runsc wait` armed by Start. runsc reports the status only while the
// sandbox lives; if it has gone already, the reaper (our child subreaper) has the status.
func (r *Runtime) waiter(c *container) {
	defer r.wg.Done()
	o, err := r.execRunsc(r.ctx, call{sub: "wait", id: c.id, args: []string{c.id}})
	if err == nil && o.exit == 0 {
		var res struct {
			ID         string `json:"id"`
			ExitStatus *int   `json:"exitStatus"`
		}
		if json.Unmarshal(o.stdout, &res) == nil && res.ID == c.id && res.ExitStatus != nil {
			c.exited(r, *res.ExitStatus, "runsc wait")
			return
		}
	}
	if r.ctx.Err() != nil {
		return
	}
	if r.reaper.waitsFor(c.pid) {
		return // the reaper reports the sandbox's status
	}
	msg := o.logMsg
	if err != nil {
		msg = err.Error()
	}
	c.sandboxGone(r, "runsc wait: "+msg)
}

// sandboxExited is the reaper's report that pid exited with ws: if pid was a
// container's sandbox, its exit is the container's.
func (r *Runtime) sandboxExited(pid int, ws syscall.WaitStatus) {
	r.mu.Lock()
	c := r.byPid[pid]
	delete(r.byPid, pid)
	r.mu.Unlock()
	if c == nil {
		return
	}
	if ws.Signaled() {
		// Killed from outside (or by a force-delete): the workload's status is lost.
		c.sandboxGone(r, fmt.Sprintf("sandbox pid %d killed by signal %d", pid, ws.Signal()))
		return
	}
	c.exited(r, ws.ExitStatus(), fmt.Sprintf("sandbox pid %d exit status (reaped)", pid))
}
