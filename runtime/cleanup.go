package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// cleanupTimeout bounds the runsc calls a failure path makes after the step that
// failed: force-deletes, and the `runsc state` that settles a killed step. Their
// caller's context has usually ended, so they run on their own.
const cleanupTimeout = 30 * time.Second

// cleanup force-deletes c's sandbox on a failure path (c.mu held) and records it as a
// "cleanup" step. The context has usually ended, so cleanup uses its own.
func (r *Runtime) cleanup(c *container, note string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	from := c.m.Current()
	var err error
	exit := -1
	resumed := false
	r.reaper.adoptOrphans(r.root) // before the kill: a zombie cannot be matched to our root
	// A sandbox whose runsc was killed may already be a zombie child of ours, which
	// runsc delete would wait on until it times out: reap the pids runsc recorded first.
	r.reaper.adoptRecorded(r.root, c.id)
	st, serr := r.exactState(ctx, c.id)
	if serr != nil && !errors.Is(serr, ErrNoContainer) && !errors.Is(serr, ErrMismatch) && hasStateFile(r.root, c.id) {
		// runsc keeps state under exactly this ID but its state answer cannot be
		// read (garbage, a failure): delete it by that ID all the same, or it stays
		// in runsc with nobody tracking it. Its status is unknown (runscDelete
		// resumes it first in case it is paused).
		note += "; runsc state unreadable (" + serr.Error() + "), its state file names it"
		st, serr = &ContainerState{ID: c.id}, nil
	}
	if serr == nil {
		r.reaper.adoptPid(st.Pid)
		o, e := r.runscDelete(ctx, st, true)
		exit, err, resumed = o.exit, e, o.resumed
		if e == nil && o.exit != 0 {
			err = o.failure("delete", c.id)
		}
		if err == nil && o.logMsg != "" {
			note += "; runsc logged: " + o.logMsg
		}
		if st.Pid > 0 {
			r.mu.Lock()
			delete(r.byPid, st.Pid)
			r.mu.Unlock()
		}
	} else {
		note += "; runsc does not know it"
		// A create killed before runsc recorded state leaves a sandbox nobody can
		// delete by ID: kill it by its command line (our root, this ID); its gofer
		// exits with it.
		if n := r.killSandboxProcess(c.id); n > 0 {
			note += fmt.Sprintf("; killed %d unrecorded sandbox process(es)", n)
		}
	}
	r.reaper.adoptOrphans(r.root)
	if err != nil && resumed {
		r.resumedFirst(c, 0)
		from = c.m.Current()
	}
	to := from
	if err == nil && c.m.Can(fsm.EventForceDelete) {
		_, to, _ = c.m.Fire(ctx, fsm.EventForceDelete)
	}
	r.record(c, string(fsm.EventForceDelete), from, to, steptrace.Cleanup, exit, err, note)
}

// runscDelete runs `runsc delete [--force]` on the container st describes (its ID
// checked exact). runsc delete --force of a paused container panics (exit 2), so a paused
// one is resumed first; if its sandbox is dead it cannot be, and runsc panics after
// removing it. What counts is whether runsc still knows the container afterwards.
//
// A resume that took effect is reported (outcome.resumed): if the delete then does not
// delete, the container runs. A resume or delete cut short by ctx is reported killed,
// for the caller to read what runsc has now.
func (r *Runtime) runscDelete(ctx context.Context, st *ContainerState, force bool) (outcome, error) {
	id := st.ID
	args := []string{id}
	resumed := false
	if force {
		if st.Status == "paused" || st.Status == "" {
			// "" is a status runsc could not tell: a resume of a container that is
			// not paused fails and changes nothing.
			ro, rerr := r.execRunsc(ctx, call{sub: "resume", id: id, args: []string{id}})
			switch {
			case rerr == nil && ro.exit == 0:
				resumed = true
			case ro.killed || ctx.Err() != nil || ro.signal != 0:
				// Whether the resume took effect is unknown.
				ro.killed, ro.ctxErr = true, ctx.Err()
				return ro, nil
			}
		}
		args = []string{"--force", id}
	}
	o, err := r.execRunsc(ctx, call{sub: "delete", id: id, args: args})
	o.resumed = resumed
	if err != nil && ctx.Err() != nil {
		// The delete did not start because ctx ended: what a resume before it did
		// is for the caller to read from runsc.
		o.killed, o.ctxErr, err = true, ctx.Err(), nil
	}

	if err != nil || o.exit == 0 || o.killed {
		return o, err
	}
	if _, serr := r.exactState(ctx, id); errors.Is(serr, ErrNoContainer) || errors.Is(serr, ErrMismatch) {
		// Gone: the failure came after the deletion.
		o.note = fmt.Sprintf("runsc delete exited %d after deleting it", o.exit)
		o.exit = 0
	}
	return o, nil
}

// forceCleanup is Close's force-delete of one container.
func (r *Runtime) forceCleanup(ctx context.Context, c *container, note string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer r.forget(c)
	if c.m.Current() == fsm.Deleted || c.m.Current() == fsm.Absent {
		return nil
	}
	r.cleanup(c, note)
	if c.m.Current() != fsm.Deleted {
		return fmt.Errorf("close: container %q left in state %s", c.id, c.m.Current())
	}
	return nil
}
