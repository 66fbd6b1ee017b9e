package conformance

import (
	"fmt"
	"slices"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// ValidateTrace replays a trace in the model, starting from a fresh runtime
// (or, if the trace starts with a container step, an Available one): every
// step's from must be a state the model allows, and its result and to an
// outcome the model allows. It returns the model after the last step.
func ValidateTrace(steps []steptrace.Step) (Model, error) {
	m := NewModel()
	if len(steps) > 0 && steps[0].ID != "" {
		m = AvailableModel()
	}
	var last time.Time
	for i, s := range steps {
		if i > 0 && s.Seq != steps[i-1].Seq+1 {
			return m, fmt.Errorf("trace step seq %d follows %d", s.Seq, steps[i-1].Seq)
		}
		if s.Time.Before(last) {
			return m, fmt.Errorf("trace step seq %d: time goes back", s.Seq)
		}
		last = s.Time
		var err error
		if m, err = m.Replay(s); err != nil {
			return m, err
		}
	}
	return m, nil
}

// Replay applies one trace step: its from must be a state the model allows
// (the model settles there), and its result and to an outcome the model
// allows from it. Queries change nothing; a cleanup step is the wrapper's own
// ok step if it moved, and changes nothing if not.
func (m Model) Replay(s steptrace.Step) (Model, error) {
	fail := func(format string, args ...any) (Model, error) {
		return m, fmt.Errorf("trace step seq %d (%s %q %s->%s %s, error %q): %s", s.Seq, s.Op, s.ID, s.From, s.To, s.Result, s.Error, fmt.Sprintf(format, args...))
	}
	r := s.Result
	if !slices.Contains(Results, r) && r != steptrace.Cleanup {
		return fail("unknown result")
	}
	if steptrace.IsQuery(s.Op) {
		if s.From != s.To {
			return fail("a query changed the state")
		}
		return m, nil
	}
	if (r == steptrace.Refused || r == steptrace.Failed) && s.From != s.To {
		return fail("a %s step changed the state", r)
	}
	cleanupNoop, own := false, r == steptrace.Cleanup
	if own {
		// The wrapper's own step: ok if it moved; if not, nothing happened
		// (e.g. nothing was left to clean up).
		r = steptrace.OK
		cleanupNoop = s.From == s.To
	}
	ev := fsm.Event(s.Op)
	var err error
	if s.ID == "" {
		if s.From != m.Phase {
			return fail("the model's runtime is %s", m.Phase)
		}
		if m, err = m.StepRuntime(ev, r, s.To); err != nil {
			return fail("%v", err)
		}
		return m, nil
	}
	if !slices.Contains(ContainerOps, ev) && !IsEnvironment(ev) {
		return fail("unknown operation")
	}
	from := []fsm.State{s.From}
	if gone(s.From) {
		from = []fsm.State{fsm.Absent, fsm.Deleted} // the wrapper may forget a deleted ID
	}
	n, err := m.Settle(s.ID, from...)
	if err != nil {
		return fail("%v", err)
	}
	if cleanupNoop {
		return n, nil
	}
	step := n.Step
	if own {
		step = n.StepOwn
	}
	if n, err = step(s.ID, ev, r, s.To); err != nil {
		return fail("%v", err)
	}
	return n, nil
}
