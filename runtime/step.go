package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// runtimeStep fires e on the runtime machine and records it.
func (r *Runtime) runtimeStep(ctx context.Context, e fsm.Event, exit int, err error, note string) {
	from, to, ferr := r.m.Fire(ctx, e)
	s := steptrace.Step{Op: string(e), From: from, To: to, Result: steptrace.OK, Exit: exit, Note: note}
	if err != nil {
		s.Error = err.Error()
	}
	if ferr != nil {
		s.Result, s.Error = steptrace.Refused, ferr.Error()
	}
	r.tr.add(s)
}

func (r *Runtime) record(c *container, op string, from, to fsm.State, result steptrace.Result, exit int, err error, note string) {
	s := steptrace.Step{Op: op, ID: c.id, From: from, To: to, Result: result, Exit: exit, Note: note}
	if err != nil {
		s.Error = err.Error()
	}
	r.tr.add(s)
}

// refuse records a step refused before runsc ran.
func (r *Runtime) refuse(id, op string, st fsm.State, err error) error {
	r.tr.add(steptrace.Step{Op: op, ID: id, From: st, To: st, Result: steptrace.Refused, Exit: -1, Error: err.Error()})
	return err
}

// step runs one lifecycle step on an existing container: lifecycle check, exact-ID
// check, the runsc verb (act; nil for a step that runs none), then the machine moves.
// c.mu is held throughout. The container is returned whenever it was found, refused
// or not.
func (r *Runtime) step(ctx context.Context, id string, e fsm.Event, act func(c *container) (outcome, error)) (*container, error) {
	op := string(e)
	r.life.RLock()
	defer r.life.RUnlock()
	c, err := r.lookup(op, id)
	if err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	defer r.forgetDeleted(c)
	from := c.m.Current()
	if e != fsm.EventForceDelete {
		if err := r.availableErr(); err != nil {
			return c, r.refuse(id, op, from, err)
		}
	}
	if !c.m.Can(e) {
		se := &StepError{ID: id, Op: op, State: string(from),
			Err: &fsm.TransitionError{Machine: "container", ID: id, State: from, Event: e}}
		if e == fsm.EventDelete && c.m.Can(fsm.EventForceDelete) {
			se.Hint = "DeleteOpts{Force: true} deletes it in any state, killing its workload"
		}
		return c, r.refuse(id, op, from, se)
	}
	if e == fsm.EventPause && c.killReq {
		return c, r.refuse(id, op, from, &StepError{ID: id, Op: op, State: string(from),
			Reason: "a kill was accepted and its stop is on its way"})
	}
	o := outcome{exit: -1} // a step with no runsc call (act == nil: Wait)
	if act != nil {
		if o, err = act(c); err == nil && o.exit != 0 {
			err = o.failure(o.sub, id)
		}
	}
	if err != nil {
		if o.killed || o.signal != 0 {
			// Killed, by its context or by a signal from elsewhere, after its effect
			// or before it: only runsc state can say which.
			r.reconcile(c, e, o, err)
		} else {
			if o.resumed {
				r.resumedFirst(c, 0)
				from = c.m.Current()
			}
			r.record(c, op, from, from, steptrace.Failed, o.exit, err, "")
		}
		return c, err
	}
	_, to, ferr := c.m.Fire(ctx, e)
	if e == fsm.EventKill && ferr == nil {
		c.killReq = true
	}
	r.record(c, op, from, to, steptrace.OK, o.exit, ferr, o.note)
	return c, nil
}

// reconcile settles a step whose runsc was killed (its context ended, or a signal from
// elsewhere ended it): `runsc state` says what happened, and the step is recorded as
// "unknown" with the state found.
func (r *Runtime) reconcile(c *container, e fsm.Event, o outcome, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	from := c.m.Current()
	st, serr := r.exactState(ctx, c.id)
	if serr == nil && e == fsm.EventForceDelete && from == fsm.Paused && st.Status == "running" {
		// The force-delete's resume took effect, its delete did not.
		r.resumedFirst(c, -1)
		from = c.m.Current()
	}
	target := map[fsm.Event]string{fsm.EventStart: "running", fsm.EventPause: "paused", fsm.EventResume: "running"}
	found := "gone"
	switch {
	case serr == nil:
		found = st.Status
		if target[e] == st.Status {
			c.m.Fire(ctx, e)
		}
	case (e == fsm.EventDelete || e == fsm.EventForceDelete) && errors.Is(serr, ErrNoContainer):
		c.m.Fire(ctx, e)
	}
	why := fmt.Sprintf("signal %d", int(o.signal))
	if o.ctxErr != nil {
		why = o.ctxErr.Error()
	}
	r.record(c, string(e), from, c.m.Current(), steptrace.Unknown, o.exit, err, "runsc killed ("+why+"); runsc state: "+found)
	if e == fsm.EventStart && c.m.Current() != fsm.Deleted {
		// A start interrupted half way must not leave a sandbox behind.
		r.cleanup(c, "context ended during start")
		r.forget(c)
	}
}

// resumedFirst records, as the runtime's own step, the Resume a force-delete of a
// paused container made before a delete that did not delete it (c.mu held): the
// container runs now, and the trace must say so before the force-delete's own step.
// exit is the resume's exit status (-1 if it was killed).
func (r *Runtime) resumedFirst(c *container, exit int) {
	if c.m.Current() != fsm.Paused {
		return
	}
	from, to, err := c.m.Fire(context.Background(), fsm.EventResume)
	r.record(c, string(fsm.EventResume), from, to, steptrace.Cleanup, exit, err,
		"resumed for a force-delete (runsc's delete --force panics on a paused container), which then did not delete it")
}
