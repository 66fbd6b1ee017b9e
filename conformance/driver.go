package conformance

import (
	"context"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// Call is what the wrapper under test reported for one operation.
type Call struct {
	// Result is "" when the call took no step (a query).
	Result steptrace.Result
	// To is the container's state in the wrapper after the call.
	To fsm.State
	// Err is the error the wrapper returned (nil for OK).
	Err error
	// Busy: a refusal because another call on the same ID was in flight.
	Busy bool
}

// Driver runs container operations through the wrapper under test. Adapters
// for the runtime package implement it; the harness never talks to runsc
// through it.
type Driver interface {
	// Do performs op on id and classifies the outcome. Environment events are
	// never passed to Do.
	Do(ctx context.Context, id string, op fsm.Event) Call
	// View is the wrapper's current view of id (Absent when it has none).
	View(ctx context.Context, id string) (fsm.State, error)
	// Close closes the runtime, force-deleting what is left.
	Close(ctx context.Context) error
}

// Observer reads runsc's own view of the containers, bypassing the wrapper.
type Observer interface {
	// Snapshot maps every container runsc knows (by exact ID) to its state.
	Snapshot(ctx context.Context) (map[string]fsm.State, error)
}

// observed is id's state in a snapshot: Absent when runsc does not know it.
func observed(snap map[string]fsm.State, id string) fsm.State {
	if s, ok := snap[id]; ok {
		return s
	}
	return fsm.Absent
}

// Tracer is a Driver that records the wrapper's step trace. The harness then
// replays every step in the model, the ones the wrapper took on its own and
// the environment steps it observed included, instead of trusting Call.
type Tracer interface {
	// Drain returns the steps recorded since the previous Drain.
	Drain() []steptrace.Step
}

// ProcessLister is an Observer that can also see sandbox processes runsc
// itself has lost track of (e.g. after a create killed half-way).
type ProcessLister interface {
	// Processes lists sandbox and gofer processes as "pid cmdline".
	Processes() ([]string, error)
}

// Environment makes out-of-band things happen to a container.
type Environment interface {
	// WorkloadExit makes the container's workload exit by itself.
	WorkloadExit(ctx context.Context, id string) error
	// KillSandbox kills the container's sandbox from outside (kill -9).
	KillSandbox(ctx context.Context, id string) error
}

// StateWiper is an Environment that can also wipe runsc's state directory
// behind the wrapper's back.
type StateWiper interface {
	// WipeState removes every container's runsc state at once.
	WipeState(ctx context.Context) error
}

// Injector arms faults in runsc for the harness.
type Injector interface {
	// Kinds lists the faults the injector can arm.
	Kinds() []Fault
	// Arm makes the runsc invocations serving op misbehave as f (only the
	// first one that f applies to if once is set), and returns a function that
	// disarms it if it has not fired.
	Arm(f Fault, op fsm.Event, once bool) (disarm func())
}

// Fault is a kind of injected misbehaviour, named as the report counts it.
type Fault string

// The faults of the matrix. Injector implementations say which they support.
const (
	NoFault Fault = ""
	// runsc exits non-zero before the effect.
	FaultExit1   Fault = "exit-1"
	FaultExit128 Fault = "exit-128"
	// runsc panics (Go panic, exit 2) before the effect.
	FaultPanic Fault = "panic"
	// `state`/`list` print garbage, truncated JSON, or JSON with noise around it.
	FaultGarbageJSON   Fault = "garbage-json"
	FaultTruncatedJSON Fault = "truncated-json"
	FaultNoisyJSON     Fault = "noisy-json"
	// runsc hangs before the effect: the wrapper's deadline fires.
	FaultHangBefore Fault = "hang-before"
	// runsc does the effect, then hangs: the outcome is unknown to the wrapper.
	FaultHangAfter Fault = "hang-after"
	// runsc is SIGKILLed in the middle: create after starting the sandbox and
	// before recording it, others after their effect.
	FaultSIGKILL Fault = "sigkill"
	// runsc leaves a child holding its stdout/stderr open after it exits.
	FaultPipeHang Fault = "pipe-hang"
	// The caller's context is cancelled at a random point (harness-side).
	FaultCancel Fault = "cancel"
	// Out-of-band changes (harness-side, through Environment and the state dir).
	FaultWorkloadExit Fault = "oob-workload-exit"
	FaultSandboxKill  Fault = "oob-sandbox-killed"
	FaultStateWiped   Fault = "oob-state-wiped"
	// FaultOneShot counts the injected faults that fired on one runsc call
	// only (the others hold for every call serving the operation).
	FaultOneShot Fault = "one-shot"
)

// Timeouts the harness gives each operation.
type Timeouts struct {
	// Op bounds an operation that has no hang fault.
	Op time.Duration
	// Hang bounds an operation with a hang fault (the wrapper's deadline path).
	Hang time.Duration
}
