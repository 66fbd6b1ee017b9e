package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/procfs"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// How the runtime tells a workload's status from a sandbox killed from outside (both
// runsc lines, measured): runsc reports the workload's status as the sandbox
// process's exit code (a workload killed by signal n inside the sandbox makes the
// sandbox exit 128+n, not die of n), and `runsc wait` and `runsc run` pass that on,
// so 137 alone cannot tell. What can is how the sandbox's processes ended, which the
// kernel records and only their parent (or a fork-events listener) learns:
//   - the sandbox process killed by a signal (SIGKILL: it cannot be caught) means the
//     workload's status is lost;
//   - the gofer killed by a signal, or exiting non-zero, before the sandbox ended
//     means the same: the sandbox then kills the workload and exits 137 on its own
//     account. A gofer that exits 0, or is killed by runsc once the sandbox has
//     ended (teardown), is normal;
//   - a catchable signal sent to the sandbox process (SIGTERM, SIGINT, ...) is
//     forwarded by runsc to the workload, like `runsc kill`: the workload decides
//     (a trap may exit 7), so the status reported is the workload's own.
// For Create/Start the runtime is the parent of both (child subreaper) and sees their
// wait statuses; for Run, runsc run is, and the runtime reads its children's ends from
// fork events (as root). Without either (WithoutSubreaper; Run without root) the
// status is passed on as runsc reports it.

// goferReportWait bounds how long a sandbox's exit waits for the report of a gofer that
// has already died: its reaper reports it at once, but on another goroutine.
const goferReportWait = 2 * time.Second

// exited records the workload's exit status (first report wins) and moves the machine
// Running -> Stopped, unless the gofer was killed first: then the status is the
// sandbox's, not the workload's, and the container's sandbox died (ErrExitUnknown).
// The step is recorded before waiters are released.
func (c *container) exited(r *Runtime, code int, note string) {
	if err := c.goferKilled(); err != nil {
		c.sandboxGone(r, err, note+"; but "+err.Error())
		return
	}
	c.report(r, fsm.EventExit, code, nil, note)
}

// sandboxGone records that the sandbox died without a known workload status; err
// matches ErrExitUnknown.
func (c *container) sandboxGone(r *Runtime, err error, note string) {
	c.report(r, fsm.EventSandboxDied, -1, err, note)
}

// goferKilled returns a *SandboxKilledError if the container's gofer has ended by a
// signal or a non-zero exit (see the rule above), nil if it lives, ended normally, or
// is not ours to know.
func (c *container) goferKilled() error {
	if c.gofer == nil {
		return nil
	}
	g := c.gofer
	select {
	case <-g.done:
	default:
		if st, ok := procfs.ReadStat(g.pid); ok && st.State != 'Z' && st.Start == g.start {
			return nil // alive: whatever ended, it was not the gofer
		}
		select {
		case <-g.done:
		case <-time.After(goferReportWait):
			return nil
		}
	}
	if g.ws.Signaled() || g.ws.ExitStatus() != 0 {
		return killedError(c.id, "gofer", g.pid, g.ws)
	}
	return nil
}

// killedError describes a process of the sandbox that ended with ws from outside.
func killedError(id, process string, pid int, ws syscall.WaitStatus) *SandboxKilledError {
	e := &SandboxKilledError{ID: id, Process: process, Pid: pid}
	if ws.Signaled() {
		e.Signal = ws.Signal()
	} else {
		e.ExitCode = ws.ExitStatus()
	}
	return e
}

// runChildrenKilled applies the rule to how `runsc run`'s direct children (sandbox,
// gofer, helpers) ended, in order, runsc having exited with exit: the workload's status
// stands once a child has ended with exactly that status (the sandbox passing it on;
// anything after is teardown), and is lost if a child was killed by a signal, or exited
// non-zero with another status, before. Helpers and a gofer exit 0.
func runChildrenKilled(id string, ends []childEnd, exit int) error {
	for _, e := range ends {
		switch {
		case !e.ws.Signaled() && e.ws.ExitStatus() == exit:
			return nil
		case e.ws.Signaled() || e.ws.ExitStatus() != 0:
			return killedError(id, "sandbox or gofer", e.pid, e.ws)
		}
	}
	if len(ends) == 0 {
		return nil // nothing known (no fork events): runsc's word stands
	}
	return &SandboxKilledError{ID: id, Process: "sandbox", Pid: -1, ExitCode: exit}
}

// sandboxLost returns a *SandboxKilledError when runsc failed because its connection
// to the sandbox broke mid-call (msg, runsc's logged error) and one of its children
// ended by a signal or a non-zero exit: the sandbox went away before runsc could tear
// it down, so it was ended from outside, perhaps with the workload already running.
// A failure runsc detects itself (a missing command, a bad spec) leaves the
// connection whole, and its teardown kills the sandbox only afterwards.
func sandboxLost(id, msg string, ends []childEnd) error {
	if !connectionLost(msg) {
		return nil
	}
	for _, e := range ends {
		if e.ws.Signaled() || e.ws.ExitStatus() != 0 {
			return killedError(id, "sandbox or gofer", e.pid, e.ws)
		}
	}
	return nil
}

// connectionLost reports whether runsc's error says a control call to the sandbox
// found the other end gone (the urpc client's wording, on both runsc lines).
func connectionLost(msg string) bool {
	if !strings.Contains(msg, "urpc method") {
		return false
	}
	for _, s := range []string{"failed: EOF", "failed: unexpected EOF", "connection reset by peer", "broken pipe"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
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
	c.sandboxGone(r, fmt.Errorf("container %q: %w: runsc wait: %s", c.id, ErrExitUnknown, printable(msg)), "runsc wait: "+msg)
}

// sandboxExited is the reaper's report that pid exited with ws: if pid was a
// container's sandbox, its exit is the container's.
func (r *Runtime) sandboxExited(pid int, ws syscall.WaitStatus) {
	r.mu.Lock()
	c := r.byPid[pid]
	delete(r.byPid, pid)
	g := r.byGofer[pid]
	delete(r.byGofer, pid)
	r.mu.Unlock()
	if g != nil {
		g.ws = ws
		close(g.done)
	}
	if c == nil {
		return
	}
	if ws.Signaled() {
		// Killed from outside (or by a force-delete): the workload's status is lost.
		c.sandboxGone(r, killedError(c.id, "sandbox", pid, ws), fmt.Sprintf("sandbox pid %d killed by signal %d", pid, ws.Signal()))
		return
	}
	c.exited(r, ws.ExitStatus(), fmt.Sprintf("sandbox pid %d exit status (reaped)", pid))
}

// watchGofer has the reaper wait for the gofer runsc recorded for c's sandbox, if it is
// our child, and keep how it ends for exited.
func (r *Runtime) watchGofer(c *container, sandbox int) {
	for _, pid := range recordedPids(r.root, c.id) {
		if pid == sandbox || ppidOf(pid) != os.Getpid() {
			continue
		}
		st, ok := procfs.ReadStat(pid)
		if !ok {
			continue
		}
		g := &goferEnd{pid: pid, start: st.Start, done: make(chan struct{})}
		r.mu.Lock()
		r.byGofer[pid] = g
		r.mu.Unlock()
		r.reaper.adoptPid(pid)
		select {
		case <-g.done: // reaped already: how it ended is known
		default:
			if r.reaper.waitsFor(pid) {
				break
			}
			// Not ours to reap after all (reaped already, or another reaper's).
			r.mu.Lock()
			delete(r.byGofer, pid)
			r.mu.Unlock()
			continue
		}
		c.gofer = g
		return
	}
}
