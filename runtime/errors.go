package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors. Every error the package returns that falls in one of these classes
// matches it with errors.Is; the concrete types below carry the details.
var (
	// ErrNotFound: no runsc binary at any trusted location (nor on PATH for non-root callers).
	ErrNotFound = errors.New("runsc not found")
	// ErrUntrusted: a runsc candidate failed a trust check (see *TrustError).
	ErrUntrusted = errors.New("untrusted runsc binary")
	// ErrBadVersion: `runsc --version` printed something that is not a runsc version.
	ErrBadVersion = errors.New("unrecognised runsc version output")
	// ErrUnavailable: the runtime is not Available (resolution or probing failed, or it is closed).
	ErrUnavailable = errors.New("runtime unavailable")
	// ErrClosed: the runtime has been closed (also matches ErrUnavailable).
	ErrClosed = errors.New("runtime closed")
	// ErrPlatform: a requested gVisor platform cannot start a sandbox here.
	ErrPlatform = errors.New("platform unusable")
	// ErrInvalidID: a container ID that runsc would reject or that could play path tricks.
	ErrInvalidID = errors.New("invalid container id")
	// ErrExists: a container with this ID already exists in this runtime.
	ErrExists = errors.New("container already exists")
	// ErrAmbiguousID: the ID is a prefix of a live container's ID, or has one as prefix;
	// runsc resolves IDs by prefix and could not tell the two apart.
	ErrAmbiguousID = errors.New("container id clashes with another by prefix")
	// ErrNoContainer: no container with this ID in this runtime (or runsc does not know it).
	ErrNoContainer = errors.New("no such container")
	// ErrIllegal: the lifecycle does not permit the step from the container's current state.
	ErrIllegal = errors.New("step not permitted by the lifecycle")
	// ErrInvalidBundle: the OCI bundle or its config.json is unusable (see *BundleError).
	ErrInvalidBundle = errors.New("invalid OCI bundle")
	// ErrRunsc: runsc ran and reported a failure (see *RunscError).
	ErrRunsc = errors.New("runsc failed")
	// ErrExitUnknown: the workload's exit status could not be learned (e.g. the sandbox was
	// killed from outside).
	ErrExitUnknown = errors.New("exit status unknown")
	// ErrMismatch: runsc answered about a different container than the one asked for
	// (runsc matches ID prefixes).
	ErrMismatch = errors.New("runsc answered for a different container")
)

// quoteErr returns err with the path of an *fs.PathError or *os.LinkError quoted in
// its message, so that no control character of a caller's path reaches a terminal;
// errors.Is and errors.As still see err itself.
func quoteErr(err error) error {
	var msg string
	switch e := err.(type) {
	case *fs.PathError:
		msg = fmt.Sprintf("%s %q: %v", e.Op, e.Path, e.Err)
	case *os.LinkError:
		msg = fmt.Sprintf("%s %q %q: %v", e.Op, e.Old, e.New, e.Err)
	default:
		return err
	}
	return &quotedError{msg: msg, err: err}
}

type quotedError struct {
	msg string
	err error
}

func (e *quotedError) Error() string { return e.msg }
func (e *quotedError) Unwrap() error { return e.err }

// printable returns s, or s quoted if it holds a control character or is not UTF-8:
// runsc's messages repeat the caller's paths and commands as given.
func printable(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// SandboxKilledError says that the workload's exit status is lost because a process
// of its sandbox was ended from outside: the sandbox process killed by a signal, or
// its gofer ended by one (or failing) before the sandbox did, after which the sandbox
// reports its own end, not the workload's. It matches ErrExitUnknown.
type SandboxKilledError struct {
	ID       string
	Process  string         // "sandbox" or "gofer"
	Pid      int            // that process's pid
	Signal   syscall.Signal // the signal that ended it, 0 if it exited
	ExitCode int            // its exit code, if it exited
}

// Unwrap returns ErrExitUnknown.
func (e *SandboxKilledError) Unwrap() error { return ErrExitUnknown }

// Error implements error.
func (e *SandboxKilledError) Error() string {
	how := fmt.Sprintf("exited with status %d", e.ExitCode)
	if e.Signal != 0 {
		how = fmt.Sprintf("was killed by signal %d (%v)", int(e.Signal), e.Signal)
	}
	return fmt.Sprintf("container %q: the %s process (pid %d) %s from outside the workload: %v", e.ID, e.Process, e.Pid, how, ErrExitUnknown)
}

// TrustError says why a runsc candidate was refused.
type TrustError struct {
	Path   string // the file or directory that failed the check
	Reason string // e.g. "group/world-writable (mode 0777)"
}

// Error implements error.
func (e *TrustError) Error() string {
	return fmt.Sprintf("runsc: refusing %q: %s", e.Path, e.Reason)
}

// Is reports ErrUntrusted.
func (e *TrustError) Is(target error) bool { return target == ErrUntrusted }

// VersionError carries the output that could not be parsed as a runsc version.
type VersionError struct {
	Output string
}

// Error implements error.
func (e *VersionError) Error() string {
	out := e.Output
	if len(out) > 200 {
		out = out[:200] + "..."
	}
	return fmt.Sprintf("runsc: unrecognised version output %q", out)
}

// Is reports ErrBadVersion.
func (e *VersionError) Is(target error) bool { return target == ErrBadVersion }

// PlatformError says why a gVisor platform was judged unusable.
type PlatformError struct {
	Platform string // the platform probed ("default" for runsc's own choice)
	Reason   string // what failed, e.g. "sandbox did not run"
	Err      error  // underlying failure, if any (often a *RunscError)
}

// Error implements error. It includes the cause (for a sandbox that did not run, the
// error runsc logged), since the reason alone does not say what to fix.
func (e *PlatformError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("runsc: platform %q unusable: %s: %v", e.Platform, e.Reason, e.Err)
	}
	return fmt.Sprintf("runsc: platform %q unusable: %s", e.Platform, e.Reason)
}

// Is reports ErrPlatform.
func (e *PlatformError) Is(target error) bool { return target == ErrPlatform }

// Unwrap returns the underlying failure.
func (e *PlatformError) Unwrap() error { return e.Err }

// IDError names a container ID that was refused and why.
type IDError struct {
	ID     string // the refused ID
	Reason string // which rule it breaks
}

// Error implements error.
func (e *IDError) Error() string {
	return fmt.Sprintf("invalid container id %q: %s", e.ID, e.Reason)
}

// Is reports ErrInvalidID.
func (e *IDError) Is(target error) bool { return target == ErrInvalidID }

// BundleError names the bundle, the config.json field at fault and the problem.
type BundleError struct {
	Bundle string
	Field  string // JSON path in config.json such as "root.path"; "" for the bundle itself
	Reason string
	Err    error
}

// Error implements error.
func (e *BundleError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("bundle %q: %s", e.Bundle, e.Reason)
	}
	return fmt.Sprintf("bundle %q: config.json %s: %s", e.Bundle, e.Field, e.Reason)
}

// Is reports ErrInvalidBundle.
func (e *BundleError) Is(target error) bool { return target == ErrInvalidBundle }

// Unwrap returns the underlying failure.
func (e *BundleError) Unwrap() error { return e.Err }

// RunscError is a failure reported by runsc itself: it ran and exited non-zero (or its
// output made no sense).
type RunscError struct {
	Op       string   // the runsc subcommand
	ID       string   // container ID, if any
	Args     []string // full argument list (after the binary)
	ExitCode int      // runsc's exit status; -1 if it was killed or did not finish
	// Signal is the signal that killed runsc (0 if it exited): the context's SIGKILL,
	// or one from outside such as a Ctrl-C sent to the process group.
	Signal syscall.Signal
	Msg    string // the error runsc logged (its --log JSON), else its stderr
	Err    error  // the context's error when runsc was killed because ctx ended
}

// Unwrap returns the context error, if runsc was killed for one.
func (e *RunscError) Unwrap() error { return e.Err }

// Error implements error.
func (e *RunscError) Error() string {
	if e.ID != "" {
		return fmt.Sprintf("runsc %s %q: exit %d: %s", e.Op, e.ID, e.ExitCode, printable(e.Msg))
	}
	return fmt.Sprintf("runsc %s: exit %d: %s", e.Op, e.ExitCode, printable(e.Msg))
}

// Is reports ErrRunsc, and ErrNoContainer / ErrExists when runsc's message says so.
func (e *RunscError) Is(target error) bool {
	switch target {
	case ErrRunsc:
		return true
	case ErrNoContainer:
		return strings.Contains(e.Msg, "file does not exist")
	case ErrExists:
		return strings.Contains(e.Msg, "already exists") || strings.Contains(e.Msg, "address already in use")
	}
	return false
}

// StepError is returned when the lifecycle refuses a step before runsc runs.
type StepError struct {
	ID    string // container ID
	Op    string // the refused step (an fsm event name)
	State string // the container's state when the step was refused
	Err   error  // the fsm package's *fsm.TransitionError, when that is the cause
	// Reason says why when the state alone does not (a guard spanning more than the
	// container's state, e.g. a kill already accepted); "" otherwise.
	Reason string
	// Hint says what the caller can do instead (a Delete of a live container: Force),
	// or "".
	Hint string
}

// Error implements error.
func (e *StepError) Error() string {
	msg := fmt.Sprintf("container %q: %s not permitted in state %s", e.ID, e.Op, e.State)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// Is reports ErrIllegal.
func (e *StepError) Is(target error) bool { return target == ErrIllegal }

// Unwrap returns the fsm error.
func (e *StepError) Unwrap() error { return e.Err }

// ContainerError names the container ID a step was refused for: it exists already
// (ErrExists), is unknown (ErrNoContainer), or clashes by prefix with another live ID
// (ErrAmbiguousID, Other naming that one). It matches its sentinel with errors.Is.
type ContainerError struct {
	ID     string // the ID asked for
	Other  string // the live ID it clashes with by prefix (ErrAmbiguousID); "" otherwise
	Err    error  // ErrExists, ErrNoContainer or ErrAmbiguousID
	Reason string // more detail, such as the existing container's state; may be ""
}

// Error implements error.
func (e *ContainerError) Error() string {
	switch {
	case e.Other != "":
		return fmt.Sprintf("%v: %q and %q", e.Err, e.ID, e.Other)
	case e.Reason != "":
		return fmt.Sprintf("%v: %q %s", e.Err, e.ID, e.Reason)
	}
	return fmt.Sprintf("%v: %q", e.Err, e.ID)
}

// Unwrap returns the sentinel.
func (e *ContainerError) Unwrap() error { return e.Err }

// StillRunningError is what Wait returns when its context ends first: the workload has
// not exited, and the container still runs. Kill it (and Wait again), or Delete it with
// Force. It unwraps to the context's error.
type StillRunningError struct {
	ID  string // the container waited for
	Err error  // the context's error
}

// Error implements error.
func (e *StillRunningError) Error() string {
	return fmt.Sprintf("wait for container %q: %v: the container still runs (Kill it, or Delete it with Force)", e.ID, e.Err)
}

// Unwrap returns the context's error.
func (e *StillRunningError) Unwrap() error { return e.Err }
