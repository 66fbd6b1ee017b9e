package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// ContainerState is runsc's view of a container (`runsc state`, `runsc list`).
type ContainerState struct {
	OCIVersion string    `json:"ociVersion"`       // OCI runtime-spec version runsc reports
	ID         string    `json:"id"`               // checked to be the ID asked for (State)
	Status     string    `json:"status"`           // created, running, paused, stopped
	Pid        int       `json:"pid"`              // the sandbox process; -1 once stopped
	Bundle     string    `json:"bundle"`           // absolute bundle directory (a private copy naming the host, if it named none)
	Created    time.Time `json:"created,omitzero"` // creation time (runsc list)
	Owner      string    `json:"owner,omitempty"`  // creating user, if runsc reports it
}

// CreateOpts are the options of Create.
//
// Stdin, Stdout and Stderr are the workload's stdio, as for os/exec's Cmd: any Reader
// and Writers. Whatever they are (files, terminals, pipes and sockets included), the
// workload gets sockets the runtime owns and the runtime copies between them and the
// caller's: runsc makes the sandbox's stdio the sandbox user's (nobody) and would do so
// to a caller's file, device or terminal. What a caller must know:
//   - A nil Stdin reads as empty; a nil Stdout or Stderr is discarded. Stdout and Stderr
//     that are the same Writer (or *os.Files open on the same file, 2>&1) get one
//     stream, in the order the workload wrote it.
//   - Output is written with the Writer's own Write: to an *os.File, at its offset, as
//     by the caller's own writes (a regular file not opened with O_APPEND is written from
//     its current offset, which another writer sharing it moves too).
//   - The workload's stdio is a socket, not a terminal, even when the caller's is one.
//   - Stdin is read only while the workload lives. An *os.File is read only when it has
//     data, so reading stops when the container stops, leaving the rest for the caller;
//     another Reader may be left blocked in one Read, as with os/exec.
//   - All output has been written when Wait returns the status (or when the container
//     is deleted); nothing is written after.
//   - A Writer that fails is not written to again: the runtime closes its end of that
//     stream, so the workload's next write to it fails with EPIPE, as a write to a pipe
//     whose reader has gone. A Writer that is an *os.File on a pipe or socket gets that
//     as soon as its reader goes, before the workload writes again. gVisor raises no
//     SIGPIPE for such a write: the workload sees the error and decides (one that
//     ignores write errors runs on; end it with ctx or Kill). Wait (and Run) then
//     return the exit status and an *OutputError naming the stream.
//   - Writing to the program's own stdout or stderr (os.Stdout, os.Stderr) after its
//     reader has gone kills the program with SIGPIPE, as Go does for any write to them,
//     unless the program handles SIGPIPE (signal.Notify).
type CreateOpts struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Client, if set, creates the container as a runc-style client expects (see
	// ClientCreate): the stdio above, which must then be *os.File or nil, is given to
	// the sandbox itself.
	Client *ClientCreate
}

// RunOpts are the options of Run (stdio as in CreateOpts; all output has been written
// when Run returns).
type RunOpts struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// StartOpts are the options of Start.
type StartOpts struct {
	// NoWait arms no `runsc wait`: the exit status is for the sandbox's parent to
	// collect (a runc-style client waiting for the pid ClientCreate.PidFile names), and
	// the stop is observed later by Reconcile.
	NoWait bool
}

// KillOpts are the options of Kill.
type KillOpts struct {
	All bool // signal every process in the container (--all)
}

// DeleteOpts are the options of Delete.
type DeleteOpts struct {
	// Force deletes a container in any state, killing its sandbox (ForceDelete).
	// Without it only a Stopped container may be deleted.
	Force bool
}

// Create creates container id from an OCI bundle (runsc create). The bundle is
// validated first (LoadBundle) and never modified. If ctx ends during the create, runsc
// is let to finish (for a bounded time) and the container is then force-deleted, so a
// failed Create leaves nothing behind.
func (r *Runtime) Create(ctx context.Context, id, bundle string, opts *CreateOpts) error {
	op := string(fsm.EventCreate)
	r.life.RLock()
	defer r.life.RUnlock()
	c, err := r.reserve(op, id)
	if err != nil {
		return err
	}
	defer c.mu.Unlock()
	if opts == nil {
		opts = &CreateOpts{}
	}
	b, err := r.specs.load(bundle, opts.Client != nil)
	if err == nil {
		err = opts.Client.check(b)
	}
	if err != nil {
		r.forget(c)
		return r.refuse(id, op, fsm.Absent, err)
	}
	// A client's bundle is used as it is: its runtime names the hostname.
	bdir, drop, err := r.prepare(c, b, opts.Client == nil)
	if err != nil {
		r.forget(c)
		return r.refuse(id, op, fsm.Absent, err)
	}
	c.dropBundle = drop // runsc start reads it too: it goes when the container does
	var cl call
	var rel *relay
	if opts.Client != nil {
		if cl, err = opts.Client.stdio(opts.Stdin, opts.Stdout, opts.Stderr); err != nil {
			r.forget(c)
			return r.refuse(id, op, fsm.Absent, err)
		}
	} else {
		if cl, rel, err = stdio(id, opts.Stdin, opts.Stdout, opts.Stderr); err != nil {
			r.forget(c)
			return r.refuse(id, op, fsm.Absent, err)
		}
	}
	cl.sub, cl.id, cl.args, cl.grace = "create", id, append(cl.args, "--bundle", bdir, id), r.cfg.createGrace
	o, err := r.execRunsc(ctx, cl)
	if rel != nil {
		rel.handedOver()
	}
	if err == nil && o.exit != 0 {
		err = o.failure("create", id)
	}
	if err == nil && ctx.Err() != nil {
		// runsc finished the create, but the caller has gone: undo it.
		err = &RunscError{Op: "create", ID: id, Args: o.args, ExitCode: o.exit, Msg: "context ended during create", Err: ctx.Err()}
		o.killed = true
	}
	if err != nil {
		r.record(c, op, fsm.Absent, fsm.Absent, steptrace.Failed, o.exit, err, "")
		switch {
		case o.killed || ctx.Err() != nil:
			r.cleanup(c, "context ended during create")
		case o.signal != 0:
			// Killed from outside, maybe after starting the sandbox and before
			// recording its state: nothing else would ever stop that sandbox.
			r.cleanup(c, fmt.Sprintf("runsc create killed by signal %d", int(o.signal)))
		}
		rel.finish(relayGrace)
		r.forget(c)
		return err
	}
	st, err := r.exactState(ctx, id)
	if err != nil {
		r.record(c, op, fsm.Absent, fsm.Absent, steptrace.Failed, o.exit, err, "created, but runsc state does not confirm it")
		r.cleanup(c, "unconfirmed create")
		rel.finish(relayGrace)
		r.forget(c)
		return err
	}
	c.bundle, c.pid, c.stdio = b.Dir, st.Pid, rel
	from, to, _ := c.m.Fire(ctx, fsm.EventCreate)
	r.record(c, op, from, to, steptrace.OK, o.exit, nil, "sandbox pid "+strconv.Itoa(st.Pid))
	r.watchGofer(c, st.Pid) // before the sandbox's reaper, which reads c.gofer
	r.mu.Lock()
	r.byPid[st.Pid] = c
	r.mu.Unlock()
	r.reaper.adoptPid(st.Pid)
	r.reaper.adoptOrphans(r.root) // the gofer, and anything else runsc left
	return nil
}

// Start starts a created container (runsc start) and arms `runsc wait`, so the exit
// status of a workload that exits at once is still caught.
func (r *Runtime) Start(ctx context.Context, id string, opts *StartOpts) error {
	_, err := r.step(ctx, id, fsm.EventStart, func(c *container) (outcome, error) {
		if _, err := r.exactState(ctx, id); err != nil {
			return outcome{exit: -1}, err
		}
		o, err := r.execRunsc(ctx, call{sub: "start", id: id, args: []string{id}})
		if err == nil && o.exit == 0 && (opts == nil || !opts.NoWait) {
			r.wg.Add(1)
			go r.waiter(c)
			// The sandbox's platform stubs and helpers start now: note them while
			// they live, so that they can be reaped once they die (reapStrays).
			r.reaper.adoptOrphans(r.root)
		}
		return o, err
	})
	return err
}

// Wait waits for the container's workload to exit and returns its exit status (128+n
// for signal n). A Running container is waited for (the Wait step); a Stopped one
// returns the status recorded when it stopped, or ErrExitUnknown, and its Wait step
// is recorded as refused (the lifecycle has no Wait from Stopped; runsc is not run).
// If ctx ends first, the error is a *StillRunningError: the container runs on. A status
// comes with an *OutputError when a Writer of the workload's output failed (CreateOpts).
func (r *Runtime) Wait(ctx context.Context, id string) (int, error) {
	c, err := r.step(ctx, id, fsm.EventWait, nil)
	if err != nil {
		// The lifecycle has no Wait from Stopped (runsc wait would only answer that
		// the status is unavailable), so the step is refused; the call still answers
		// with the status recorded when the container stopped.
		var se *StepError
		if c == nil || !errors.As(err, &se) || se.State != string(fsm.Stopped) {
			return -1, err
		}
	}
	select {
	case <-c.done:
		if c.err != nil {
			return -1, c.err
		}
		return c.code, c.outErr
	case <-ctx.Done():
		return -1, &StillRunningError{ID: id, Err: ctx.Err()}
	}
}

// Kill sends sig to the container's workload (runsc kill; 0 means SIGTERM). The stop
// itself arrives later as an Exit.
func (r *Runtime) Kill(ctx context.Context, id string, sig syscall.Signal, opts *KillOpts) error {
	if opts == nil {
		opts = &KillOpts{}
	}
	_, err := r.step(ctx, id, fsm.EventKill, func(c *container) (outcome, error) {
		if _, err := r.exactState(ctx, id); err != nil {
			return outcome{exit: -1}, err
		}
		args := []string{}
		if opts.All {
			args = append(args, "--all")
		}
		args = append(args, id)
		if sig != 0 {
			args = append(args, strconv.Itoa(int(sig)))
		}
		return r.execRunsc(ctx, call{sub: "kill", id: id, args: args})
	})
	return err
}

// Pause pauses a running container (runsc pause). Pausing a created container is
// refused (runsc would wedge it), and so is pausing one whose Kill was accepted
// (the stop is on its way; pausing would hold it back).
func (r *Runtime) Pause(ctx context.Context, id string) error {
	return r.simple(ctx, id, fsm.EventPause, "pause")
}

// Resume resumes a paused container (runsc resume).
func (r *Runtime) Resume(ctx context.Context, id string) error {
	return r.simple(ctx, id, fsm.EventResume, "resume")
}

func (r *Runtime) simple(ctx context.Context, id string, e fsm.Event, verb string) error {
	_, err := r.step(ctx, id, e, func(c *container) (outcome, error) {
		if _, err := r.exactState(ctx, id); err != nil {
			return outcome{exit: -1}, err
		}
		return r.execRunsc(ctx, call{sub: verb, id: id, args: []string{id}})
	})
	return err
}

// Delete deletes a stopped container (runsc delete), or with Force one in any state
// (runsc delete --force). A container runsc no longer knows (its sandbox died and its
// state went with it) is deleted without calling runsc, never by prefix.
func (r *Runtime) Delete(ctx context.Context, id string, opts *DeleteOpts) error {
	if opts == nil {
		opts = &DeleteOpts{}
	}
	e := fsm.EventDelete
	if opts.Force {
		e = fsm.EventForceDelete
	}
	_, err := r.step(ctx, id, e, func(c *container) (outcome, error) {
		st, err := r.exactState(ctx, id)
		if err != nil {
			// Gone from runsc (a mismatch means another container matched the prefix):
			// there is nothing to delete, and runsc must not be let near the prefix.
			if errors.Is(err, ErrNoContainer) || errors.Is(err, ErrMismatch) {
				return outcome{sub: "delete", exit: 0, note: "runsc no longer knows it: nothing to delete"}, nil
			}
			return outcome{exit: -1}, err
		}
		// runsc never marks a paused container whose sandbox died as stopped, and
		// refuses to delete it without --force: the lifecycle already knows it stopped.
		// Nor, on lines with the zombie window (Behaviour.StaleRunning), a running one
		// whose sandbox is a zombie that is another process's to reap (Reconcile).
		stale := st.Status == "running" && st.Pid > 0 && !alive(st.Pid)
		force := opts.Force || ((st.Status == "paused" || stale) && c.m.Current() == fsm.Stopped)
		return r.runscDelete(ctx, st, force)
	})
	if err == nil {
		r.reaper.reapStrays()
	}
	return err
}

// State returns runsc's view of the container, checked to be about id exactly.
func (r *Runtime) State(ctx context.Context, id string) (*ContainerState, error) {
	c, err := r.lookup("State", id)
	if err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	st, err := r.exactState(ctx, id)
	r.recordState(c, err)
	return st, err
}

// recordState records a state query of c (c.mu held) that ended with err.
func (r *Runtime) recordState(c *container, err error) {
	cur := c.m.Current()
	res, exit := steptrace.OK, 0
	if err != nil {
		res, exit = steptrace.Failed, -1
		var re *RunscError
		if errors.As(err, &re) {
			exit = re.ExitCode
		}
	}
	r.record(c, "State", cur, cur, res, exit, err, "")
}

// List returns runsc's view of every container under the runtime's root.
func (r *Runtime) List(ctx context.Context) ([]ContainerState, error) {
	if err := r.closedErr(); err != nil {
		return nil, err
	}
	cur := r.m.Current()
	s := steptrace.Step{Op: "List", From: cur, To: cur, Result: steptrace.OK}
	o, err := r.execRunsc(ctx, call{sub: "list", args: []string{"--format", "json"}})
	s.Exit = o.exit
	var out []ContainerState
	if err == nil && o.exit != 0 {
		err = o.failure("list", "")
	}
	if err == nil {
		if jerr := json.Unmarshal(o.stdout, &out); jerr != nil {
			err = &RunscError{Op: "list", Args: o.args, ExitCode: o.exit, Msg: "unparsable list JSON: " + jerr.Error()}
		}
	}
	if err != nil {
		s.Result, s.Error = steptrace.Failed, err.Error()
	}
	r.tr.add(s)
	return out, err
}

// prepare writes to the state directory what a create of c from b needs before runsc
// starts: the record of the cgroups runsc will make (c.cgroups, see cgroupsBefore) and,
// if hostname, the copy of the bundle that names c's ID as hostname (hostnamed), which
// drop removes; without it, the bundle is b's own directory. The two are written side
// by side: each is a file created on the state directory's file system, the larger
// part of what the library adds to a run before runsc starts.
func (r *Runtime) prepare(c *container, b *Bundle, hostname bool) (bdir string, drop func(), err error) {
	record := func() { c.cgroups = cgroupsBefore(r.cgroupMounts(), cgroupPath(c.id, b.Spec), r.cgroupRecord(c.id)) }
	if !hostname {
		record()
		return b.Dir, nil, nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		record()
	}()
	bdir, drop, err = b.hostnamed(&r.copyDirs, r.work, c.id)
	<-done
	return bdir, drop, err
}

// Run runs a container to completion (runsc run: create, start, wait, delete) and
// returns the workload's exit status. runsc exits with the workload's status, so a
// non-zero exit counts as a runsc failure only when runsc logged an error; a status
// of 128 from the workload is returned as such. If runsc is killed — because ctx ended,
// or by a signal from elsewhere (a Ctrl-C to the process group) — Run returns -1 and a
// *RunscError (with Signal set), records the step as failed or unknown, and
// force-deletes whatever the killed runsc left. When the workload finished but a Writer
// of its output failed, Run returns the status and an *OutputError (see CreateOpts).
func (r *Runtime) Run(ctx context.Context, id, bundle string, opts *RunOpts) (int, error) {
	op := string(fsm.EventRun)
	r.life.RLock()
	defer r.life.RUnlock()
	c, err := r.reserve(op, id)
	if err != nil {
		return -1, err
	}
	defer c.mu.Unlock()
	defer r.forget(c)
	b, err := r.specs.load(bundle, false)
	if err != nil {
		return -1, r.refuse(id, op, fsm.Absent, err)
	}
	bdir, drop, err := r.prepare(c, b, true)
	if err != nil {
		return -1, r.refuse(id, op, fsm.Absent, err)
	}
	defer drop()
	if opts == nil {
		opts = &RunOpts{}
	}
	cl, rel, err := stdio(id, opts.Stdin, opts.Stdout, opts.Stderr)
	if err != nil {
		return -1, r.refuse(id, op, fsm.Absent, err)
	}
	// After any cleanup below: the sandbox is gone, and its last output with it.
	defer rel.finish(relayGrace)
	cl.sub, cl.id, cl.args, cl.watch = "run", id, []string{"--bundle", bdir, id}, true
	o, err := r.execRunsc(ctx, cl)
	rel.handedOver()
	result, note := steptrace.Failed, ""
	switch {
	case err != nil:
	case o.killed:
		err = o.failure("run", id)
	case o.signal != 0:
		// Killed by a signal that was not the context's (a Ctrl-C to the process
		// group, a kill from outside): runsc reported nothing, and its sandbox may run
		// on, orphaned. The outcome is unknown, never an exit status.
		err = o.failure("run", id)
		result, note = steptrace.Unknown, "runsc killed by signal "+strconv.Itoa(int(o.signal))+"; runsc state: "+r.stateNote(id)
	case o.exit != 0 && o.logMsg != "":
		err = o.failure("run", id)
		// A sandbox ended from outside while runsc was still talking to it (the
		// workload may already run) makes runsc fail, not pass a status on.
		if kerr := sandboxLost(id, o.logMsg, o.children); kerr != nil {
			err, result, note = kerr, steptrace.Unknown, "runsc run lost its sandbox: "+err.Error()
		}
	default:
		// runsc passes on the sandbox's exit code, whoever ended the sandbox.
		if kerr := runChildrenKilled(id, o.children, o.exit); kerr != nil {
			err, result, note = kerr, steptrace.Unknown, "runsc run exit status "+strconv.Itoa(o.exit)+" is not the workload's"
		}
	}
	if err != nil {
		r.record(c, op, fsm.Absent, fsm.Absent, result, o.exit, err, note)
		r.cleanup(c, "after failed run")
		return -1, err
	}
	from, to, _ := c.m.Fire(ctx, fsm.EventRun)
	r.record(c, op, from, to, steptrace.OK, o.exit, nil, "workload exit status")
	// Nothing of the run is left a zombie until some later step (or another
	// runtime's check) finds it.
	r.reaper.awaitGone(o.descendants, cleanupTimeout)
	return o.exit, rel.finish(relayGrace)
}
