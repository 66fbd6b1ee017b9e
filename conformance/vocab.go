package conformance

import "github.com/gvisorfsm/gvisorfsm/fsm"

// State is a runtime or container state: the fsm package's, which are the
// spec's strings.
type State = fsm.State

// Event is an action of the lifecycle spec: the fsm package's events.
type Event = fsm.Event

// Runtime states.
const (
	Unresolved  = fsm.Unresolved
	Resolved    = fsm.Resolved
	Available   = fsm.Available
	Unavailable = fsm.Unavailable
	Closing     = fsm.Closing
	Closed      = fsm.Closed
	Done        = fsm.Done
	Failed      = fsm.Failed
)

// Container states.
const (
	Absent  = fsm.Absent
	Created = fsm.Created
	Running = fsm.Running
	Paused  = fsm.Paused
	Stopped = fsm.Stopped
	Deleted = fsm.Deleted
)

// Runtime events.
const (
	EventResolve      = fsm.EventResolve
	EventResolveFail  = fsm.EventResolveFail
	EventProbe        = fsm.EventProbe
	EventProbeFail    = fsm.EventProbeFail
	EventRetry        = fsm.EventRetry
	EventExecHandover = fsm.EventExecHandover
	EventExecFail     = fsm.EventExecFail
	EventClose        = fsm.EventClose
	EventCloseDone    = fsm.EventCloseDone
)

// Container events.
const (
	EventCreate      = fsm.EventCreate
	EventStart       = fsm.EventStart
	EventWait        = fsm.EventWait
	EventKill        = fsm.EventKill
	EventPause       = fsm.EventPause
	EventResume      = fsm.EventResume
	EventDelete      = fsm.EventDelete
	EventForceDelete = fsm.EventForceDelete
	EventRun         = fsm.EventRun
	EventExit        = fsm.EventExit
	EventSandboxDied = fsm.EventSandboxDied
)
