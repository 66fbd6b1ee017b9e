package fsm

import (
	"fmt"
	"slices"
)

// State is a state of the runtime or of a container machine. The strings are
// the ones the spec's variables rt and cs[c] hold.
type State string

// Runtime states.
const (
	// Unresolved: no runsc binary chosen yet; the initial runtime state.
	Unresolved State = "Unresolved"
	// Resolved: runsc found at a trusted path and validated.
	Resolved State = "Resolved"
	// Available: runsc's version parsed and a platform starts a sandbox.
	Available State = "Available"
	// Unavailable: resolving or probing failed; Retry starts over.
	Unavailable State = "Unavailable"
	// Closing: no new containers; the existing ones are being force-deleted.
	Closing State = "Closing"
	// Closed: every container is deleted. Terminal.
	Closed State = "Closed"
	// Done: the process was replaced by runsc. Terminal.
	Done State = "Done"
	// Failed: exec of runsc failed after the environment was prepared. Terminal.
	Failed State = "Failed"
)

// Container states.
const (
	// Absent: runsc does not know the ID; the initial container state.
	Absent State = "Absent"
	// Created: runsc created the sandbox; the workload has not started.
	Created State = "Created"
	// Running: the workload runs.
	Running State = "Running"
	// Paused: the sandbox is paused (only ever from Running).
	Paused State = "Paused"
	// Stopped: the workload exited or the sandbox died.
	Stopped State = "Stopped"
	// Deleted: runsc no longer knows the container. Terminal: re-using the
	// ID means a new container machine.
	Deleted State = "Deleted"
)

// Event is an operation or an observed environment step. The strings are the
// spec's action names.
type Event string

// Runtime events.
const (
	// EventResolve: runsc found at a trusted path and validated.
	EventResolve Event = "Resolve"
	// EventResolveFail: runsc missing or untrusted.
	EventResolveFail Event = "ResolveFail"
	// EventProbe: version parsed and a platform starts a sandbox.
	EventProbe Event = "Probe"
	// EventProbeFail: version probe failed or no usable platform.
	EventProbeFail Event = "ProbeFail"
	// EventRetry: start resolving again after Unavailable.
	EventRetry Event = "Retry"
	// EventExecHandover: the process is replaced by runsc.
	EventExecHandover Event = "ExecHandover"
	// EventExecFail: exec of runsc failed after the environment was prepared.
	EventExecFail Event = "ExecFail"
	// EventClose: stop taking containers and force-delete the existing ones.
	EventClose Event = "Close"
	// EventCloseDone: every container is deleted.
	EventCloseDone Event = "CloseDone"
)

// Container events.
const (
	// EventCreate: runsc create (the runtime must be Available).
	EventCreate Event = "Create"
	// EventStart: runsc start; the wrapper also arms runsc wait.
	EventStart Event = "Start"
	// EventWait: arms the exit-code waiter (a self-loop on Running).
	EventWait Event = "Wait"
	// EventKill: a kill request (a self-loop); the stop arrives as EventExit.
	EventKill Event = "Kill"
	// EventPause: runsc pause, only from Running (runsc wedges a created container).
	EventPause Event = "Pause"
	// EventResume: runsc resume.
	EventResume Event = "Resume"
	// EventDelete: runsc delete of a stopped container (the OCI rule; runsc
	// would also delete a created one, the wrapper refuses that).
	EventDelete Event = "Delete"
	// EventForceDelete: runsc delete --force from any state runsc knows.
	EventForceDelete Event = "ForceDelete"
	// EventRun: create+start+wait+delete as one operation.
	EventRun Event = "Run"
	// EventExit: environment step: the workload exits, or a kill takes effect.
	EventExit Event = "Exit"
	// EventSandboxDied: environment step: the sandbox was killed from outside;
	// the exit code is unknown.
	EventSandboxDied Event = "SandboxDied"
)

// Transition is one row of a transition table: in state From, Event moves the
// machine to To. A table has at most one row per (From, Event).
type Transition struct {
	Event    Event
	From, To State
}

// String formats t as "From --Event--> To".
func (t Transition) String() string { return fmt.Sprintf("%s --%s--> %s", t.From, t.Event, t.To) }

var runtimeTable = []Transition{
	{EventResolve, Unresolved, Resolved},
	{EventResolveFail, Unresolved, Unavailable},
	{EventProbe, Resolved, Available},
	{EventProbeFail, Resolved, Unavailable},
	{EventRetry, Unavailable, Unresolved},
	{EventExecHandover, Available, Done},
	{EventExecFail, Available, Failed},
	{EventClose, Available, Closing},
	{EventCloseDone, Closing, Closed},
}

var containerTable = []Transition{
	{EventCreate, Absent, Created},
	{EventRun, Absent, Deleted},
	{EventStart, Created, Running},
	{EventWait, Running, Running},
	{EventKill, Running, Running},
	{EventPause, Running, Paused},
	{EventResume, Paused, Running},
	{EventDelete, Stopped, Deleted},
	{EventForceDelete, Created, Deleted},
	{EventForceDelete, Running, Deleted},
	{EventForceDelete, Paused, Deleted},
	{EventForceDelete, Stopped, Deleted},
	{EventExit, Running, Stopped},
	{EventSandboxDied, Created, Stopped},
	{EventSandboxDied, Running, Stopped},
	{EventSandboxDied, Paused, Stopped},
}

var (
	runtimeStates = []State{Unresolved, Resolved, Available, Unavailable, Closing, Closed, Done, Failed}
	runtimeEvents = []Event{EventResolve, EventResolveFail, EventProbe, EventProbeFail, EventRetry,
		EventExecHandover, EventExecFail, EventClose, EventCloseDone}
	containerStates = []State{Absent, Created, Running, Paused, Stopped, Deleted}
	containerEvents = []Event{EventCreate, EventStart, EventWait, EventKill, EventPause, EventResume,
		EventDelete, EventForceDelete, EventRun, EventExit, EventSandboxDied}
)

// RuntimeTable returns the runtime machine's transitions (a fresh copy).
func RuntimeTable() []Transition { return slices.Clone(runtimeTable) }

// ContainerTable returns a container machine's transitions (a fresh copy).
func ContainerTable() []Transition { return slices.Clone(containerTable) }

// RuntimeStates returns every runtime state, the initial one first.
func RuntimeStates() []State { return slices.Clone(runtimeStates) }

// ContainerStates returns every container state, the initial one first.
func ContainerStates() []State { return slices.Clone(containerStates) }

// RuntimeEvents returns every runtime event.
func RuntimeEvents() []Event { return slices.Clone(runtimeEvents) }

// ContainerEvents returns every container event.
func ContainerEvents() []Event { return slices.Clone(containerEvents) }
