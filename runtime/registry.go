package runtime

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

// MaxIDLen is the longest container ID any runsc line can use: each sandbox's control
// socket is named after its ID and must fit in sockaddr_un's 108 bytes. runsc lines with
// an abstract socket ("\x00runsc-sandbox.<id>") allow 92; those with a socket file
// (runsc-<id>.sock, at worst in /tmp) allow 91. A Runtime enforces its own binary's
// limit (Behaviour.MaxIDLen); a longer ID would fail half way through create.
const MaxIDLen = 92

var idRE = regexp.MustCompile(`^[\w+.-]+$`)

// ValidateID checks a container ID the way runsc does (`^[\w+.-]+$`), plus the length
// runsc can actually use (MaxIDLen), no "." or "..", and no leading '-' (runsc would take it
// for a flag). Errors are *IDError.
func ValidateID(id string) error {
	switch {
	case id == "":
		return &IDError{ID: id, Reason: "empty"}
	case len(id) > MaxIDLen:
		return tooLong(id, MaxIDLen)
	case !idRE.MatchString(id):
		return &IDError{ID: id, Reason: `must match ^[\w+.-]+$`}
	case id == "." || id == "..":
		return &IDError{ID: id, Reason: "a path component, not a name"}
	case id[0] == '-':
		// runsc would parse it as a flag (or "-" as a subcommand's argument).
		return &IDError{ID: id, Reason: "starts with '-', which runsc takes for a flag"}
	}
	return nil
}

type container struct {
	id string
	mu sync.Mutex // serializes operations on this container
	m  *fsm.Machine

	bundle     string
	dropBundle func() // removes the private copy of the bundle (hostnamed), if any
	pid        int    // sandbox pid
	stdio      *relay // the workload's stdio, finished once it has stopped
	// cgroups is the cgroup runsc gives the sandbox, as it was before the create:
	// what runsc made of it is removed once the container is gone.
	cgroups *cgroupSet
	// killReq: runsc accepted a Kill (guarded by mu). The stop is on its way as Exit;
	// a Pause now would hold it back, so the lifecycle refuses Pause from here on.
	killReq bool
	// gofer is the sandbox's gofer, when the runtime reaps it (nil otherwise): how it
	// ended tells a killed gofer from a workload's exit (exited).
	gofer *goferEnd

	rmu      sync.Mutex
	reported bool          // an exit report arrived (from `runsc wait` or the reaper)
	done     chan struct{} // closed when the exit status is known (or known to be lost)
	code     int
	err      error
	outErr   error // output that did not reach its Writer (*OutputError), beside code
}

// goferEnd is a gofer the reaper waits for, and how it ended.
type goferEnd struct {
	pid   int
	start uint64             // its start time, so that a reused pid is not taken for it
	done  chan struct{}      // closed once it has been reaped
	ws    syscall.WaitStatus // set before done is closed
}

func newContainer(id string) *container {
	return &container{id: id, m: fsm.NewContainer(id), done: make(chan struct{})}
}

func (r *Runtime) availableErr() error {
	if r.released.Load() {
		return fmt.Errorf("%w: released", ErrUnavailable)
	}
	switch r.m.Current() {
	case fsm.Available:
		return nil
	case fsm.Closing, fsm.Closed:
		return fmt.Errorf("%w: %w", ErrUnavailable, ErrClosed)
	}
	return fmt.Errorf("%w: runtime is %s", ErrUnavailable, r.m.Current())
}

// reserve registers a new container for a Create or Run of id, returned locked, or
// refuses. The caller holds r.life shared.
//
// An ID another call holds (a Create or Run in flight, a step on the container) is
// waited for: the refusal, if any, is then decided and recorded under that
// container's lock, after its step, so the trace shows the state the refusal saw.
func (r *Runtime) reserve(op, id string) (*container, error) {
	if err := r.validateID(id); err != nil {
		return nil, r.refuse(id, op, fsm.Absent, err)
	}
	for {
		c, old, err := r.tryReserve(op, id)
		if c != nil || err != nil {
			return c, err
		}
		old.mu.Lock()
		r.mu.Lock()
		current := r.containers[id] == old
		st := old.m.Current()
		if current && (st == fsm.Absent || st == fsm.Deleted) {
			// Nothing in runsc and no step in flight: the ID is free again.
			delete(r.containers, id)
			current = false
		}
		r.mu.Unlock()
		if current {
			// runsc would "fail" a duplicate create after deleting the first
			// container's state, leaving its sandbox running untracked: refuse
			// before runsc sees it.
			var err error = &ContainerError{ID: id, Err: ErrExists, Reason: "is " + string(st)}
			if aerr := r.availableErr(); aerr != nil {
				err = aerr
			}
			err = r.refuse(id, op, st, err)
			old.mu.Unlock()
			return nil, err
		}
		old.mu.Unlock()
	}
}

// tryReserve registers and locks a new container for id; or returns the container
// that holds id, for reserve to wait for; or refuses.
func (r *Runtime) tryReserve(op, id string) (c, old *container, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.containers[id]; ok {
		return nil, old, nil
	}
	if err := r.availableErr(); err != nil {
		return nil, nil, r.refuse(id, op, fsm.Absent, err)
	}
	if !r.behaviour.SocketFile && sandboxNameInUse(id) {
		// runsc names each sandbox's control socket after its ID, host-wide: another
		// runtime's (or anyone's) sandbox with this ID would make create fail half way.
		return nil, nil, r.refuse(id, op, fsm.Absent, &ContainerError{ID: id, Err: ErrExists, Reason: "names a sandbox that already runs on this host"})
	}
	for other := range r.containers {
		if strings.HasPrefix(other, id) || strings.HasPrefix(id, other) {
			return nil, nil, r.refuse(id, op, fsm.Absent, &ContainerError{ID: id, Other: other, Err: ErrAmbiguousID})
		}
	}
	c = newContainer(id)
	c.mu.Lock()
	r.containers[id] = c
	return c, nil, nil
}

// sandboxNameInUse reports whether runsc's abstract control socket for id exists in
// this network namespace.
func sandboxNameInUse(id string) bool {
	data, err := os.ReadFile("/proc/net/unix")
	if err != nil {
		return false
	}
	// The kernel shows NUL bytes of an abstract name as '@'; runsc's name ends in one.
	name := " @runsc-sandbox." + id
	return bytes.Contains(data, []byte(name+"\n")) || bytes.Contains(data, []byte(name+"@\n"))
}

// forget drops c from the runtime's containers. The caller holds c.mu: a container
// leaves the map only under its own lock, so a step that holds that lock and finds c
// in the map knows no newer container of the same ID has taken a step yet.
func (r *Runtime) forget(c *container) {
	c.stdio.finish(relayGrace)
	r.mu.Lock()
	if r.containers[c.id] == c {
		delete(r.containers, c.id)
	}
	r.mu.Unlock()
	c.cgroups.remove()
	if c.dropBundle != nil {
		c.dropBundle()
		c.dropBundle = nil
	}
}

// lookup finds the container id and returns it locked, or records a refusal. The
// refusal is recorded under r.mu, where it is decided, so that it precedes any step of
// a container of that ID reserved afterwards; a container found is locked and checked
// to be still the runtime's, so that steps on it are recorded in the order they take
// effect.
func (r *Runtime) lookup(op, id string) (*container, error) {
	if err := r.validateID(id); err != nil {
		return nil, r.refuse(id, op, fsm.Absent, err)
	}
	for {
		r.mu.Lock()
		c, ok := r.containers[id]
		if !ok {
			err := r.refuse(id, op, fsm.Absent, &ContainerError{ID: id, Err: ErrNoContainer})
			r.mu.Unlock()
			return nil, err
		}
		r.mu.Unlock()
		c.mu.Lock()
		r.mu.Lock()
		current := r.containers[id] == c
		r.mu.Unlock()
		if current {
			return c, nil
		}
		c.mu.Unlock() // deleted while we waited: look again
	}
}

// forgetDeleted forgets c (c.mu held) once it is Deleted.
func (r *Runtime) forgetDeleted(c *container) {
	if c.m.Current() != fsm.Deleted {
		return
	}
	r.mu.Lock()
	if r.byPid[c.pid] == c {
		delete(r.byPid, c.pid)
	}
	r.mu.Unlock()
	r.forget(c)
}

// validateID is ValidateID with this runtime's runsc's own ID limit.
func (r *Runtime) validateID(id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	if max := r.behaviour.MaxIDLen; max > 0 && len(id) > max {
		return tooLong(id, max)
	}
	return nil
}

// tooLong is the *IDError of an ID over a limit of max characters.
func tooLong(id string, max int) error {
	return &IDError{ID: id, Reason: fmt.Sprintf("%d characters, longer than %d: runsc names the sandbox's control socket "+
		"after the ID, and its name must fit in a 108-byte unix socket address", len(id), max)}
}
