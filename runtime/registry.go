package runtime

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

// MaxIDLen is the longest container ID runsc can use. Each sandbox listens on an
// abstract unix socket named "\x00runsc-sandbox.<id>", and a socket name must fit in
// sockaddr_un's 108-byte sun_path with a byte to spare (runsc's Go refuses a
// NUL-prefixed name of exactly 108 bytes): 108 - 1 - 1 - len("runsc-sandbox.") = 92.
// A longer ID fails half way through create ("creating control server socket ...:
// invalid argument"), whatever the --root; the limit is fixed, not derived from the
// state directory's path. (The state file `<id>_sandbox:<id>.state` alone would allow
// 120.)
const MaxIDLen = 92

var idRE = regexp.MustCompile(`^[\w+.-]+$`)

// ValidateID checks a container ID the way runsc does (`^[\w+.-]+$`), plus the length
// runsc can actually use (MaxIDLen) and no "." or "..". Errors are *IDError.
func ValidateID(id string) error {
	switch {
	case id == "":
		return &IDError{ID: id, Reason: "empty"}
	case len(id) > MaxIDLen:
		return &IDError{ID: id, Reason: fmt.Sprintf("%d characters, longer than %d: runsc names the sandbox's control socket "+
			"\"runsc-sandbox.<id>\", which must fit in a 108-byte unix socket address", len(id), MaxIDLen)}
	case !idRE.MatchString(id):
		return &IDError{ID: id, Reason: `must match ^[\w+.-]+$`}
	case id == "." || id == "..":
		return &IDError{ID: id, Reason: "a path component, not a name"}
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
	// killReq: runsc accepted a Kill (guarded by mu). The stop is on its way as Exit;
	// a Pause now would hold it back, so the lifecycle refuses Pause from here on.
	killReq bool

	rmu      sync.Mutex
	reported bool          // an exit report arrived (from `runsc wait` or the reaper)
	done     chan struct{} // closed when the exit status is known (or known to be lost)
	code     int
	err      error
}

func newContainer(id string) *container {
	return &container{id: id, m: fsm.NewContainer(id), done: make(chan struct{})}
}

func (r *Runtime) availableErr() error {
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
	if err := ValidateID(id); err != nil {
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
	if sandboxNameInUse(id) {
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
	r.mu.Lock()
	if r.containers[c.id] == c {
		delete(r.containers, c.id)
	}
	r.mu.Unlock()
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
	if err := ValidateID(id); err != nil {
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
