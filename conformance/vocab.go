package conformance

// State is a runtime or container state of the lifecycle spec.
type State string

// Event is an action of the lifecycle spec.
type Event string

// Runtime states.
const (
	Unresolved  State = "Unresolved"
	Resolved    State = "Resolved"
	Available   State = "Available"
	Unavailable State = "Unavailable"
	Closing     State = "Closing"
	Closed      State = "Closed"
	Done        State = "Done"
	Failed      State = "Failed"
)

// Container states.
const (
	Absent  State = "Absent"
	Created State = "Created"
	Running State = "Running"
	Paused  State = "Paused"
	Stopped State = "Stopped"
	Deleted State = "Deleted"
)

// Runtime events.
const (
	EventResolve      Event = "Resolve"
	EventResolveFail  Event = "ResolveFail"
	EventProbe        Event = "Probe"
	EventProbeFail    Event = "ProbeFail"
	EventRetry        Event = "Retry"
	EventExecHandover Event = "ExecHandover"
	EventExecFail     Event = "ExecFail"
	EventClose        Event = "Close"
	EventCloseDone    Event = "CloseDone"
)

// Container events.
const (
	EventCreate      Event = "Create"
	EventStart       Event = "Start"
	EventWait        Event = "Wait"
	EventKill        Event = "Kill"
	EventPause       Event = "Pause"
	EventResume      Event = "Resume"
	EventDelete      Event = "Delete"
	EventForceDelete Event = "ForceDelete"
	EventRun         Event = "Run"
	EventExit        Event = "Exit"
	EventSandboxDied Event = "SandboxDied"
)
