package conformance

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// Results lists the results a step of the model can have, in a fixed order: every
// result but steptrace.Cleanup, which marks the wrapper's own steps.
var Results = []steptrace.Result{steptrace.OK, steptrace.Refused, steptrace.Failed, steptrace.Unknown}

// The model's machines are package fsm's tables, which package fsm checks
// against the spec's state graph; the model adds what a table does not say:
// each step's results, the waiter, a kill on its way, and the guards across
// machines (TestModelOutcomesEqualSpecGraph checks those against the spec).
var (
	runtimeTable   = fsm.RuntimeTable()
	containerTable = fsm.ContainerTable()
)

func lookup(table []fsm.Transition, from fsm.State, e fsm.Event) (fsm.State, bool) {
	for _, r := range table {
		if r.From == from && r.Event == e {
			return r.To, true
		}
	}
	return "", false
}

// ContainerOps are the operations a client issues on one container.
var ContainerOps = []fsm.Event{
	fsm.EventCreate, fsm.EventStart, fsm.EventWait, fsm.EventKill, fsm.EventPause, fsm.EventResume,
	fsm.EventDelete, fsm.EventForceDelete, fsm.EventRun,
}

// EnvironmentEvents happen to a container without a client asking: the
// wrapper observes them.
var EnvironmentEvents = []fsm.Event{fsm.EventExit, fsm.EventSandboxDied}

// IsEnvironment reports whether e is an environment event.
func IsEnvironment(e fsm.Event) bool { return slices.Contains(EnvironmentEvents, e) }

// needsAvailable reports whether the wrapper accepts e only while the runtime is
// Available. Environment events happen whatever the runtime does.
func needsAvailable(e fsm.Event) bool { return !IsEnvironment(e) }

// Container is the model's view of one container: its state and the
// wrapper-level flags the spec carries next to it.
type Container struct {
	State fsm.State
	// WaitArmed: a `runsc wait` is armed, so an Exit will carry the exit code.
	// Start arms it; Wait re-arms it.
	WaitArmed bool
	// KillRequested: a Kill was accepted; the stop arrives later as Exit.
	KillRequested bool
	// ExitKnown: in Stopped, the exit code was observed (Exit with a waiter);
	// false after SandboxDied or an Exit nobody waited for.
	ExitKnown bool
	// SandboxGone is not in the spec: the harness killed the sandbox from
	// outside and the wrapper has not observed the SandboxDied yet. Until it
	// does, operations may fail on the dead sandbox.
	SandboxGone bool
	// ExitPending is not in the spec either: the workload exited out of band
	// and the wrapper has not observed the Exit yet.
	ExitPending bool
}

// Doomed is c after its sandbox was killed from outside, before the wrapper
// observes it (ok is false when c has no sandbox to kill).
func (c Container) Doomed() (Container, bool) {
	if c.State != fsm.Created && c.State != fsm.Running && c.State != fsm.Paused {
		return c, false
	}
	c.SandboxGone = true
	return c, true
}

// NewContainer is a container that does not exist yet.
func NewContainer() Container { return Container{State: fsm.Absent} }

func (c Container) String() string {
	var f []string
	if c.WaitArmed {
		f = append(f, "wait")
	}
	if c.KillRequested {
		f = append(f, "kill")
	}
	if c.ExitKnown {
		f = append(f, "exit")
	}
	if c.SandboxGone {
		f = append(f, "dead")
	}
	if c.ExitPending {
		f = append(f, "exited")
	}
	if len(f) == 0 {
		return string(c.State)
	}
	return string(c.State) + "{" + strings.Join(f, ",") + "}"
}

// okSteps returns the containers e may leave when it succeeds from c (nil when
// the spec has no such step). It follows the spec's actions:
//   - Start arms the waiter, but arming may fail on its own: both ways;
//   - Pause is refused while a kill is on its way (it would hold the stop back);
//   - Exit knows the status only under an armed waiter; SandboxDied never,
//     and disarms the waiter;
//   - Run reports the workload's status.
//
// Deleted is terminal, but an ID may be reused: Create and Run on a Deleted ID
// start a new machine from Absent.
func (c Container) okSteps(e fsm.Event) []Container {
	if c.State == fsm.Deleted && (e == fsm.EventCreate || e == fsm.EventRun) {
		c = NewContainer()
	}
	to, ok := lookup(containerTable, c.State, e)
	if !ok {
		return nil
	}
	n := c
	n.State = to
	switch e {
	case fsm.EventCreate:
		n = Container{State: to}
	case fsm.EventStart:
		unarmed := n
		n.WaitArmed = true
		return []Container{n, unarmed}
	case fsm.EventWait:
		n.WaitArmed = true
	case fsm.EventKill:
		n.KillRequested = true
	case fsm.EventPause:
		if c.KillRequested {
			return nil
		}
	case fsm.EventExit:
		n.ExitKnown, n.ExitPending = c.WaitArmed, false
	case fsm.EventSandboxDied:
		n.ExitKnown, n.WaitArmed, n.SandboxGone, n.ExitPending = false, false, false, false
	case fsm.EventRun:
		n = Container{State: fsm.Deleted, WaitArmed: true, ExitKnown: true}
	}
	return []Container{n}
}

// Allowed reports whether the spec has a move for e from c (regardless of the
// runtime's phase).
func (c Container) Allowed(e fsm.Event) bool { return len(c.okSteps(e)) > 0 }

// Outcomes returns, for each result the wrapper may report when e is applied
// to c, the containers it may leave behind. available is whether the runtime
// accepts the operation. A result missing from the map is one the model
// forbids.
//
//   - no step in the spec (or the runtime not accepting): only Refused, c unchanged
//   - a step: OK -> its targets; Failed -> c unchanged;
//     Unknown -> c unchanged or a target (the wrapper reconciled and
//     reports what it found)
//
// Environment events are always OK when the spec has the step.
func (c Container) Outcomes(e fsm.Event, available bool) map[steptrace.Result][]Container {
	next := c.okSteps(e)
	if len(next) == 0 || (needsAvailable(e) && !available) {
		if IsEnvironment(e) {
			return map[steptrace.Result][]Container{}
		}
		return map[steptrace.Result][]Container{steptrace.Refused: {c}}
	}
	if IsEnvironment(e) {
		return map[steptrace.Result][]Container{steptrace.OK: next}
	}
	unknown := []Container{c}
	for _, n := range next {
		if !slices.Contains(unknown, n) {
			unknown = append(unknown, n)
		}
	}
	return map[steptrace.Result][]Container{steptrace.OK: next, steptrace.Failed: {c}, steptrace.Unknown: unknown}
}

// Step applies e with result r to c and returns the possible successors
// (empty when the model forbids the step). observed, if not "", is the state
// the wrapper reported after the call and narrows the set to successors in
// that state (for Unknown: what reconciling with runsc found).
func (c Container) Step(e fsm.Event, available bool, r steptrace.Result, observed fsm.State) []Container {
	var out []Container
	for _, n := range c.Outcomes(e, available)[r] {
		if observed == "" || sameState(n.State, observed) {
			out = append(out, n)
		}
	}
	return out
}

// sameState compares states as the wrapper reports them: it may forget a
// deleted container and report it Absent.
func sameState(a, b fsm.State) bool {
	return a == b || (a == fsm.Absent || a == fsm.Deleted) && (b == fsm.Absent || b == fsm.Deleted)
}

// Model is the whole wrapper as the spec sees it: the runtime phase and, for
// every container ID, the set of containers it may be (more than one after an
// Unknown outcome). It is a value: Step returns a new Model and never changes
// the receiver.
type Model struct {
	Phase      fsm.State
	containers map[string][]Container
}

// NewModel is a runtime that has not resolved runsc yet, with no containers.
func NewModel() Model { return Model{Phase: fsm.Unresolved} }

// AvailableModel is a runtime that resolved and probed runsc: where every
// container test starts.
func AvailableModel() Model { return Model{Phase: fsm.Available} }

// Possible returns what the model allows id to be (Absent if never seen),
// including the Stopped a requested kill may already have led to.
func (m Model) Possible(id string) []Container {
	if cs, ok := m.containers[id]; ok {
		return Pending(cs)
	}
	return []Container{NewContainer()}
}

// Pending closes cs under the Exit a requested kill leads to (a Kill is a
// request, and the wrapper may observe the Exit any time after it returns)
// and under the SandboxDied of a sandbox killed from outside.
func Pending(cs []Container) []Container {
	out := slices.Clone(cs)
	for _, c := range cs {
		var ns []Container
		if c.State == fsm.Running && (c.KillRequested || c.ExitPending) {
			ns = append(ns, c.okSteps(fsm.EventExit)...)
		}
		if c.SandboxGone {
			ns = append(ns, c.okSteps(fsm.EventSandboxDied)...)
		}
		for _, n := range ns {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// Doom marks id's sandbox as killed from outside: every possibility with a
// sandbox may now turn Stopped whenever the wrapper observes it (and this
// runsc never reports it for a paused container).
func (m Model) Doom(id string) Model {
	return m.each(id, func(c Container) Container {
		if d, ok := c.Doomed(); ok {
			return d
		}
		return c
	})
}

// ExitOutOfBand marks id's workload as exited by itself: every Running
// possibility may now turn Stopped whenever the wrapper observes it.
func (m Model) ExitOutOfBand(id string) Model {
	return m.each(id, func(c Container) Container {
		if c.State == fsm.Running {
			c.ExitPending = true
		}
		return c
	})
}

// each is m with f applied to every possibility of id.
func (m Model) each(id string, f func(Container) Container) Model {
	var cs []Container
	for _, c := range m.Possible(id) {
		if c = f(c); !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	n := m.clone()
	n.containers[id] = cs
	return n
}

// Uncertain reports whether id may be in more than one state, now or by an
// exit or death the wrapper has not observed yet.
func (m Model) Uncertain(id string) bool {
	if len(m.States(id)) > 1 {
		return true
	}
	for _, c := range m.Possible(id) {
		if c.SandboxGone || (c.KillRequested || c.ExitPending) && c.State == fsm.Running {
			return true
		}
	}
	return false
}

// Spontaneous widens id by the environment event e (Exit, SandboxDied): the
// harness made it happen out of band and the wrapper will observe it when it
// does. Possibilities where e cannot happen stay as they are.
func (m Model) Spontaneous(id string, e fsm.Event) Model {
	cs := m.Possible(id)
	for _, c := range cs {
		for _, n := range c.okSteps(e) {
			if !slices.Contains(cs, n) {
				cs = append(cs, n)
			}
		}
	}
	n := m.clone()
	n.containers[id] = cs
	return n
}

// States returns the states id may be in, sorted, without duplicates.
func (m Model) States(id string) []fsm.State {
	var out []fsm.State
	for _, c := range m.Possible(id) {
		if !slices.Contains(out, c.State) {
			out = append(out, c.State)
		}
	}
	slices.Sort(out)
	return out
}

// Allows reports whether c is one of the containers id may be.
func (m Model) Allows(id string, c Container) bool { return slices.Contains(m.Possible(id), c) }

// AllowsState reports whether id may be in state s.
func (m Model) AllowsState(id string, s fsm.State) bool { return slices.Contains(m.States(id), s) }

// IDs returns the IDs the model has seen, sorted.
func (m Model) IDs() []string {
	ids := make([]string, 0, len(m.containers))
	for id := range m.containers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (m Model) clone() Model {
	n := Model{Phase: m.Phase, containers: make(map[string][]Container, len(m.containers)+1)}
	for k, v := range m.containers {
		n.containers[k] = v
	}
	return n
}

// RuntimeOutcomes is Outcomes for a runtime event. CloseDone, and exec
// (which would abandon them), need every container Deleted or never created.
func (m Model) RuntimeOutcomes(e fsm.Event) map[steptrace.Result][]fsm.State {
	to, ok := lookup(runtimeTable, m.Phase, e)
	if ok && (e == fsm.EventCloseDone || e == fsm.EventExecHandover || e == fsm.EventExecFail) {
		for _, cs := range m.containers {
			for _, c := range cs {
				if c.State != fsm.Deleted && c.State != fsm.Absent {
					ok = false
				}
			}
		}
	}
	if !ok {
		return map[steptrace.Result][]fsm.State{steptrace.Refused: {m.Phase}}
	}
	return map[steptrace.Result][]fsm.State{steptrace.OK: {to}, steptrace.Failed: {m.Phase}, steptrace.Unknown: {m.Phase, to}}
}

// StepRuntime applies a runtime event with result r, landing in to (which must
// be one of the allowed outcomes). Close's effect on containers (force-delete
// of every live one) is the wrapper's own cleanup and is stepped per container
// with ForceDelete while the phase is Closing.
func (m Model) StepRuntime(e fsm.Event, r steptrace.Result, to fsm.State) (Model, error) {
	if !slices.Contains(m.RuntimeOutcomes(e)[r], to) {
		return m, fmt.Errorf("model: runtime %s in %s: result %s -> %s not allowed (allowed %v)", e, m.Phase, r, to, m.RuntimeOutcomes(e))
	}
	n := m.clone()
	n.Phase = to
	return n, nil
}

// accepts reports whether the runtime phase lets the wrapper issue e.
func (m Model) accepts(e fsm.Event) bool {
	// While Closing the wrapper force-deletes on its own.
	return m.Phase == fsm.Available || (m.Phase == fsm.Closing && e == fsm.EventForceDelete)
}

// acceptsOwn reports whether the runtime phase lets the wrapper take e on its
// own: while Closing, besides the force-delete of every live container, the
// resume that force-delete makes of a paused one first (runsc's delete --force
// panics on a paused container), which stands when the delete then fails.
func (m Model) acceptsOwn(e fsm.Event) bool {
	return m.accepts(e) || (m.Phase == fsm.Closing && e == fsm.EventResume)
}

// Outcomes returns what the model allows for e on id: for each result, the
// states id may end in.
func (m Model) Outcomes(id string, e fsm.Event) map[steptrace.Result][]fsm.State {
	out := map[steptrace.Result][]fsm.State{}
	for _, c := range m.Possible(id) {
		for r, cs := range c.Outcomes(e, m.accepts(e)) {
			for _, n := range cs {
				if !slices.Contains(out[r], n.State) {
					out[r] = append(out[r], n.State)
				}
			}
		}
	}
	return out
}

// Step applies a container operation (or environment event) with result r and,
// for Unknown, the state the wrapper reports ("" = not reported). It returns
// the new model, or an error naming what the step broke when no container id
// may be allows it.
func (m Model) Step(id string, e fsm.Event, r steptrace.Result, observed fsm.State) (Model, error) {
	return m.step(id, e, m.accepts(e), r, observed)
}

// StepOwn is Step for a step the wrapper took on its own (a cleanup), which
// the runtime phase admits where a caller's would be refused (acceptsOwn).
func (m Model) StepOwn(id string, e fsm.Event, r steptrace.Result, observed fsm.State) (Model, error) {
	return m.step(id, e, m.acceptsOwn(e), r, observed)
}

func (m Model) step(id string, e fsm.Event, accepted bool, r steptrace.Result, observed fsm.State) (Model, error) {
	var succ []Container
	for _, c := range m.Possible(id) {
		for _, n := range c.Step(e, accepted, r, observed) {
			if !slices.Contains(succ, n) {
				succ = append(succ, n)
			}
		}
	}
	if len(succ) == 0 {
		return m, fmt.Errorf("model: %s %q in %v (runtime %s): result %s (-> %q) not allowed; allowed %v",
			e, id, m.Possible(id), m.Phase, r, observed, m.Outcomes(id, e))
	}
	n := m.clone()
	n.containers[id] = succ
	return n, nil
}

// Settle narrows id to the possibilities in one of states ss: what the
// harness does when it learns the truth (from runsc or the wrapper) after an
// Unknown step. It fails if none is possible.
func (m Model) Settle(id string, ss ...fsm.State) (Model, error) {
	var keep []Container
	for _, c := range m.Possible(id) {
		if slices.Contains(ss, c.State) {
			keep = append(keep, c)
		}
	}
	if len(keep) == 0 {
		return m, fmt.Errorf("model: %q cannot be %v; possible %v", id, ss, m.Possible(id))
	}
	n := m.clone()
	n.containers[id] = keep
	return n, nil
}
