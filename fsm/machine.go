package fsm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	looplab "github.com/looplab/fsm"
)

// Machine kinds, as TransitionError.Machine reports them.
const (
	// MachineRuntime names the runtime machine.
	MachineRuntime = "runtime"
	// MachineContainer names a container machine.
	MachineContainer = "container"
)

// ErrIllegalTransition is what every *TransitionError matches with errors.Is.
var ErrIllegalTransition = errors.New("illegal transition")

// TransitionError reports an event the machine's table has no row for in the
// machine's current state. The machine did not move.
type TransitionError struct {
	Machine string // MachineRuntime or MachineContainer
	ID      string // the container ID; "" for the runtime
	State   State  // the state the machine was (and still is) in
	Event   Event  // the refused event
}

// Error names the machine, the state and the event.
func (e *TransitionError) Error() string {
	who := e.Machine
	if e.ID != "" {
		who = fmt.Sprintf("%s %q", e.Machine, e.ID)
	}
	return fmt.Sprintf("fsm: %s: event %s is not allowed in state %s", who, e.Event, e.State)
}

// Is reports whether target is ErrIllegalTransition.
func (e *TransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// Machine is one explicit state machine, the runtime's or one container's,
// built on github.com/looplab/fsm from RuntimeTable or ContainerTable. It is
// safe for concurrent use: Fire checks and moves under one lock, so of two
// concurrent Fire calls for the same move exactly one succeeds.
//
// Create a Machine with NewRuntime or NewContainer; the zero value is not usable.
type Machine struct {
	kind string
	id   string

	mu sync.Mutex // held across looplab's check and move so Fire is atomic
	f  *looplab.FSM
}

// NewRuntime returns a runtime machine in state Unresolved.
func NewRuntime() *Machine { return newMachine(MachineRuntime, "", Unresolved, runtimeTable) }

// NewContainer returns a machine for the container id, in state Absent.
func NewContainer(id string) *Machine {
	return newMachine(MachineContainer, id, Absent, containerTable)
}

// RestoreContainer returns a machine for the container id in state st, for a
// container whose earlier steps another machine took (such as another process's, which
// recorded st on disk). st must be one of ContainerStates.
func RestoreContainer(id string, st State) (*Machine, error) {
	if !slices.Contains(containerStates, st) {
		return nil, fmt.Errorf("fsm: %q is not a container state", st)
	}
	return newMachine(MachineContainer, id, st, containerTable), nil
}

func newMachine(kind, id string, initial State, table []Transition) *Machine {
	return &Machine{kind: kind, id: id, f: looplab.NewFSM(string(initial), eventDescs(table), nil)}
}

// eventDescs turns table rows into looplab's form: one EventDesc per event,
// listing every source state (looplab keys its transitions by event and source,
// so a row's target must be the same for all its sources).
func eventDescs(table []Transition) looplab.Events {
	var descs looplab.Events
	index := map[Event]int{}
	for _, t := range table {
		i, ok := index[t.Event]
		if !ok || State(descs[i].Dst) != t.To {
			index[t.Event] = len(descs)
			descs = append(descs, looplab.EventDesc{Name: string(t.Event), Dst: string(t.To)})
			i = len(descs) - 1
		}
		descs[i].Src = append(descs[i].Src, string(t.From))
	}
	return descs
}

// ID returns the container ID ("" for the runtime machine).
func (m *Machine) ID() string { return m.id }

// Kind returns MachineRuntime or MachineContainer.
func (m *Machine) Kind() string { return m.kind }

// Current returns the machine's state.
func (m *Machine) Current() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return State(m.f.Current())
}

// Can reports whether e is allowed in the current state. Another goroutine may
// move the machine right after; use Fire to check and move at once.
func (m *Machine) Can(e Event) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.f.Can(string(e))
}

// Fire moves the machine by e if its table allows e in the current state, and
// returns the states before and after. A self-loop (Wait, Kill) succeeds with
// from == to. An event the table lacks returns a *TransitionError (matching
// ErrIllegalTransition) and leaves the machine where it was (from == to).
//
// Fire records a step that has already happened (runsc ran, or the
// environment moved), so a cancelled ctx does not stop it; ctx only carries
// values through to the underlying machine.
func (m *Machine) Fire(ctx context.Context, e Event) (from, to State, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	from = State(m.f.Current())
	if !m.f.Can(string(e)) {
		return from, from, &TransitionError{Machine: m.kind, ID: m.id, State: from, Event: e}
	}
	err = m.f.Event(context.WithoutCancel(ctx), string(e))
	// looplab reports a self-loop as NoTransitionError; in the tables a
	// self-loop is a legal step.
	if errors.As(err, new(looplab.NoTransitionError)) {
		err = nil
	}
	to = State(m.f.Current())
	if err != nil {
		// Cannot happen without callbacks; keep the state honest if it does.
		return from, to, fmt.Errorf("fsm: %s %s: %w", m.kind, e, err)
	}
	return from, to, nil
}

// Visualize returns looplab's Mermaid state diagram of the machine's table,
// with an arrow into the current state.
func (m *Machine) Visualize() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return looplab.VisualizeForMermaidWithGraphType(m.f, looplab.StateDiagram)
}
