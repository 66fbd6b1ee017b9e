package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
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

// ContainerState is runsc's view of a container (`runsc state`, `runsc list`).
type ContainerState struct {
	OCIVersion string    `json:"ociVersion"`       // OCI runtime-spec version runsc reports
	ID         string    `json:"id"`               // checked to be the ID asked for (State)
	Status     string    `json:"status"`           // created, running, paused, stopped
	Pid        int       `json:"pid"`              // the sandbox process; -1 once stopped
	Bundle     string    `json:"bundle"`           // absolute bundle directory
	Created    time.Time `json:"created,omitzero"` // creation time (runsc list)
	Owner      string    `json:"owner,omitempty"`  // creating user, if runsc reports it
}

// CreateOpts are the options of Create. Stdio must be files, never pipes: the sandbox
// inherits them and outlives runsc. Nil means /dev/null.
type CreateOpts struct {
	Stdin, Stdout, Stderr *os.File
}

// RunOpts are the options of Run (stdio as in CreateOpts).
type RunOpts struct {
	Stdin, Stdout, Stderr *os.File
}

// StartOpts are the options of Start (none yet).
type StartOpts struct{}

// KillOpts are the options of Kill.
type KillOpts struct {
	All bool // signal every process in the container (--all)
}

// DeleteOpts are the options of Delete.
type DeleteOpts struct {
	// Force deletes a container in any state, killing its sandbox (ForceDelete).
	// Without it only a Stopped container may be deleted.
	Force bool
}

type container struct {
	id string
	mu sync.Mutex // serializes operations on this container
	m  *fsm.Machine

	bundle string
	pid    int // sandbox pid
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

// exited records the workload's exit status (first report wins) and moves the machine
// Running -> Stopped. The step is recorded before waiters are released.
func (c *container) exited(r *Runtime, code int, note string) {
	c.report(r, fsm.EventExit, code, nil, note)
}

// sandboxGone records that the sandbox died without a known workload status.
func (c *container) sandboxGone(r *Runtime, note string) {
	c.report(r, fsm.EventSandboxDied, -1, ErrExitUnknown, note)
}

func (c *container) report(r *Runtime, e fsm.Event, code int, err error, note string) {
	c.rmu.Lock()
	first := !c.reported
	c.reported = true
	c.rmu.Unlock()
	if !first {
		return
	}
	r.environment(c, e, code, note)
	c.code, c.err = code, err
	close(c.done)
}

// environment records an event the runtime observed rather than caused.
func (r *Runtime) environment(c *container, e fsm.Event, exit int, note string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e == fsm.EventExit && !c.m.Can(e) && c.m.Can(fsm.EventSandboxDied) {
		e = fsm.EventSandboxDied // e.g. Paused: the lifecycle calls it a death
	}
	if !c.m.Can(e) {
		return // already deleted (force-delete kills the sandbox): nothing to record
	}
	from, to, _ := c.m.Fire(context.Background(), e)
	r.tr.add(Step{Op: string(e), ID: c.id, From: string(from), To: string(to), Result: ResultOK, Exit: exit, Note: note})
}

func (r *Runtime) record(c *container, op string, from, to fsm.State, result string, exit int, err error, note string) {
	s := Step{Op: op, ID: c.id, From: string(from), To: string(to), Result: result, Exit: exit, Note: note}
	if err != nil {
		s.Error = err.Error()
	}
	r.tr.add(s)
}

// refuse records a step refused before runsc ran.
func (r *Runtime) refuse(id, op string, st fsm.State, err error) error {
	r.tr.add(Step{Op: op, ID: id, From: string(st), To: string(st), Result: ResultRefused, Exit: -1, Error: err.Error()})
	return err
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
			err := fmt.Errorf("%w: %q is %s", ErrExists, id, st)
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
		return nil, nil, r.refuse(id, op, fsm.Absent, fmt.Errorf("%w: a sandbox named %q already runs on this host", ErrExists, id))
	}
	for other := range r.containers {
		if strings.HasPrefix(other, id) || strings.HasPrefix(id, other) {
			return nil, nil, r.refuse(id, op, fsm.Absent, fmt.Errorf("%w: %q and %q", ErrAmbiguousID, id, other))
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
}

func devNull(f *os.File) (*os.File, func(), error) {
	if f != nil {
		return f, func() {}, nil
	}
	n, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	return n, func() { n.Close() }, nil
}

func stdio(in, out, errf *os.File) (call, func(), error) {
	var c call
	var closers []func()
	done := func() {
		for _, f := range closers {
			f()
		}
	}
	for _, p := range []struct {
		dst **os.File
		src *os.File
	}{{&c.stdin, in}, {&c.stdout, out}, {&c.stderr, errf}} {
		f, cl, err := devNull(p.src)
		if err != nil {
			done()
			return c, nil, err
		}
		*p.dst = f
		closers = append(closers, cl)
	}
	return c, done, nil
}

// ErrPipe: a pipe was given as a created container's stdio; the sandbox would hold it
// open and whoever reads it would hang until the sandbox exits.
var ErrPipe = errors.New("pipe given as container stdio")

func noPipes(fs ...*os.File) error {
	for i, f := range fs {
		if f == nil {
			continue
		}
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeNamedPipe != 0 {
			return fmt.Errorf("%w: %s (%s)", ErrPipe, []string{"stdin", "stdout", "stderr"}[i], f.Name())
		}
	}
	return nil
}

// Create creates container id from an OCI bundle (runsc create). The bundle is
// validated first (LoadBundle) and never modified. If ctx ends during the create, runsc
// is let to finish (for a bounded time) and the container is then force-deleted, so a
// failed Create leaves nothing behind.
func (r *Runtime) Create(ctx context.Context, id, bundle string, opts *CreateOpts) error {
	op := string(fsm.EventCreate)
	r.life.RLock()
	defer r.life.RUnlock()
	c, err := r.reserve(op, id)
	if err != nil {
		return err
	}
	defer c.mu.Unlock()
	b, err := LoadBundle(bundle)
	if err != nil {
		r.forget(c)
		return r.refuse(id, op, fsm.Absent, err)
	}
	if opts == nil {
		opts = &CreateOpts{}
	}
	if err := noPipes(opts.Stdin, opts.Stdout, opts.Stderr); err != nil {
		r.forget(c)
		return r.refuse(id, op, fsm.Absent, err)
	}
	cl, closeAll, err := stdio(opts.Stdin, opts.Stdout, opts.Stderr)
	if err != nil {
		r.forget(c)
		return r.refuse(id, op, fsm.Absent, err)
	}
	defer closeAll()
	cl.sub, cl.id, cl.args, cl.grace = "create", id, []string{"--bundle", b.Dir, id}, r.cfg.createGrace
	o, err := r.execRunsc(ctx, cl)
	if err == nil && o.exit != 0 {
		err = o.failure("create", id)
	}
	if err == nil && ctx.Err() != nil {
		// runsc finished the create, but the caller has gone: undo it.
		err = &RunscError{Op: "create", ID: id, Args: o.args, ExitCode: o.exit, Msg: "context ended during create", Err: ctx.Err()}
		o.killed = true
	}
	if err != nil {
		r.record(c, op, fsm.Absent, fsm.Absent, ResultFailed, o.exit, err, "")
		switch {
		case o.killed || ctx.Err() != nil:
			r.cleanup(c, "context ended during create")
		case o.signal != 0:
			// Killed from outside, maybe after starting the sandbox and before
			// recording its state: nothing else would ever stop that sandbox.
			r.cleanup(c, fmt.Sprintf("runsc create killed by signal %d", int(o.signal)))
		}
		r.forget(c)
		return err
	}
	st, err := r.exactState(ctx, id)
	if err != nil {
		r.record(c, op, fsm.Absent, fsm.Absent, ResultFailed, o.exit, err, "created, but runsc state does not confirm it")
		r.cleanup(c, "unconfirmed create")
		r.forget(c)
		return err
	}
	c.bundle, c.pid = b.Dir, st.Pid
	from, to, _ := c.m.Fire(ctx, fsm.EventCreate)
	r.record(c, op, from, to, ResultOK, o.exit, nil, "sandbox pid "+strconv.Itoa(st.Pid))
	r.mu.Lock()
	r.byPid[st.Pid] = c
	r.mu.Unlock()
	r.adoptPid(st.Pid)
	r.adoptOrphans(r.root) // the gofer
	return nil
}

// cleanup force-deletes c's sandbox on a failure path (c.mu held) and records it as a
// "cleanup" step. The context has usually ended, so cleanup uses its own.
func (r *Runtime) cleanup(c *container, note string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	from := c.m.Current()
	var err error
	exit := -1
	resumed := false
	r.adoptOrphans(r.root) // before the kill: a zombie cannot be matched to our root
	// A sandbox whose runsc was killed may already be a zombie child of ours, which
	// runsc delete would wait on until it times out: reap the pids runsc recorded first.
	r.adoptRecorded(r.root, c.id)
	st, serr := r.exactState(ctx, c.id)
	if serr != nil && !errors.Is(serr, ErrNoContainer) && !errors.Is(serr, ErrMismatch) && hasStateFile(r.root, c.id) {
		// runsc keeps state under exactly this ID but its state answer cannot be
		// read (garbage, a failure): delete it by that ID all the same, or it stays
		// in runsc with nobody tracking it. Its status is unknown (runscDelete
		// resumes it first in case it is paused).
		note += "; runsc state unreadable (" + serr.Error() + "), its state file names it"
		st, serr = &ContainerState{ID: c.id}, nil
	}
	if serr == nil {
		r.adoptPid(st.Pid)
		o, e := r.runscDelete(ctx, st, true)
		exit, err, resumed = o.exit, e, o.resumed
		if e == nil && o.exit != 0 {
			err = o.failure("delete", c.id)
		}
		if err == nil && o.logMsg != "" {
			note += "; runsc logged: " + o.logMsg
		}
		if st.Pid > 0 {
			r.mu.Lock()
			delete(r.byPid, st.Pid)
			r.mu.Unlock()
		}
	} else {
		note += "; runsc does not know it"
		// A create killed before runsc recorded state leaves a sandbox nobody can
		// delete by ID: kill it by its command line (our root, this ID); its gofer
		// exits with it.
		if n := r.killSandboxProcess(c.id); n > 0 {
			note += fmt.Sprintf("; killed %d unrecorded sandbox process(es)", n)
		}
	}
	r.adoptOrphans(r.root)
	if err != nil && resumed {
		r.resumedFirst(c, 0)
		from = c.m.Current()
	}
	to := from
	if err == nil && c.m.Can(fsm.EventForceDelete) {
		_, to, _ = c.m.Fire(ctx, fsm.EventForceDelete)
	}
	r.record(c, string(fsm.EventForceDelete), from, to, ResultCleanup, exit, err, note)
}

// runscDelete runs `runsc delete [--force]` on the container st describes (its ID
// checked exact). runsc delete --force of a paused container panics (exit 2), so a paused
// one is resumed first; if its sandbox is dead it cannot be, and runsc panics after
// removing it. What counts is whether runsc still knows the container afterwards.
//
// A resume that took effect is reported (outcome.resumed): if the delete then does not
// delete, the container runs. A resume or delete cut short by ctx is reported killed,
// for the caller to read what runsc has now.
func (r *Runtime) runscDelete(ctx context.Context, st *ContainerState, force bool) (outcome, error) {
	id := st.ID
	args := []string{id}
	resumed := false
	if force {
		if st.Status == "paused" || st.Status == "" {
			// "" is a status runsc could not tell: a resume of a container that is
			// not paused fails and changes nothing.
			ro, rerr := r.execRunsc(ctx, call{sub: "resume", id: id, args: []string{id}})
			switch {
			case rerr == nil && ro.exit == 0:
				resumed = true
			case ro.killed || ctx.Err() != nil || ro.signal != 0:
				// Whether the resume took effect is unknown.
				ro.killed, ro.ctxErr = true, ctx.Err()
				return ro, nil
			}
		}
		args = []string{"--force", id}
	}
	o, err := r.execRunsc(ctx, call{sub: "delete", id: id, args: args})
	o.resumed = resumed
	if err != nil && ctx.Err() != nil {
		// The delete did not start because ctx ended: what a resume before it did
		// is for the caller to read from runsc.
		o.killed, o.ctxErr, err = true, ctx.Err(), nil
	}

	if err != nil || o.exit == 0 || o.killed {
		return o, err
	}
	if _, serr := r.exactState(ctx, id); errors.Is(serr, ErrNoContainer) || errors.Is(serr, ErrMismatch) {
		// Gone: the failure came after the deletion.
		o.note = fmt.Sprintf("runsc delete exited %d after deleting it", o.exit)
		o.exit = 0
	}
	return o, nil
}

// hasStateFile reports whether runsc keeps a state file for exactly id under root
// (`<sandbox>_sandbox:<id>.state`; IDs cannot hold glob metacharacters).
func hasStateFile(root, id string) bool {
	files, _ := filepath.Glob(filepath.Join(root, "*_sandbox:"+id+".state"))
	return len(files) > 0
}

// killSandboxProcess SIGKILLs runsc sandbox processes of our root whose container ID
// (the last argument of `runsc-sandbox ... boot ... ID`) is id, and forked copies of a
// killed `runsc create|run ... id` that have not yet executed the sandbox. A sandbox
// forked just before its runsc was killed may take a moment to show, so the scan is
// repeated a few times.
func (r *Runtime) killSandboxProcess(id string) int {
	n := 0
	self := os.Getpid()
	for pass := 0; pass < 5; pass++ {
		if pass > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		for pid, args := range commandsUsingRoot(r.root) {
			if args[len(args)-1] != id {
				continue
			}
			sandbox := args[0] == "runsc-sandbox"
			// Not our child, so not one of our runsc commands: a fork of one.
			orphanCopy := args[0] == "runsc" && ppidOf(pid) != self && (slices.Contains(args, "create") || slices.Contains(args, "run"))
			if !sandbox && !orphanCopy {
				continue
			}
			r.adoptPid(pid)
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				n++
				waitDead(pid)
			}
		}
	}
	return n
}

// waitDead waits (up to 5s) until pid has exited: SIGKILL is asynchronous, and the
// caller promises that nothing is left running when it returns.
func waitDead(pid int) {
	for i := 0; i < 1000; i++ {
		st, ok := procfs.ReadStat(pid)
		if !ok || st.State == 'Z' || st.State == 'X' {
			return // gone (reaped), or dead and waiting to be
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// forceCleanup is Close's force-delete of one container.
func (r *Runtime) forceCleanup(ctx context.Context, c *container, note string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer r.forget(c)
	if c.m.Current() == fsm.Deleted || c.m.Current() == fsm.Absent {
		return nil
	}
	r.cleanup(c, note)
	if c.m.Current() != fsm.Deleted {
		return fmt.Errorf("close: container %q left in state %s", c.id, c.m.Current())
	}
	return nil
}

// exactState runs `runsc state id` and insists the answer is about id itself: runsc
// matches ID prefixes, so a vanished "abc" would otherwise be answered for "abcdef".
func (r *Runtime) exactState(ctx context.Context, id string) (*ContainerState, error) {
	o, err := r.execRunsc(ctx, call{sub: "state", id: id, args: []string{id}})
	if err != nil {
		return nil, err
	}
	if o.exit != 0 {
		return nil, o.failure("state", id)
	}
	var st ContainerState
	if err := json.Unmarshal(o.stdout, &st); err != nil {
		return nil, &RunscError{Op: "state", ID: id, Args: o.args, ExitCode: o.exit, Msg: "unparsable state JSON: " + err.Error()}
	}
	if st.ID != id {
		return nil, fmt.Errorf("%w: asked for %q, runsc answered for %q", ErrMismatch, id, st.ID)
	}
	return &st, nil
}

// stateNote says, for a trace note, what `runsc state` shows for id.
func (r *Runtime) stateNote(id string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := r.exactState(ctx, id)
	if err != nil {
		return "gone"
	}
	return st.Status
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
			err := r.refuse(id, op, fsm.Absent, fmt.Errorf("%w: %q", ErrNoContainer, id))
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

// step runs one lifecycle step on an existing container: lifecycle check, exact-ID
// check, the runsc verb, then the machine moves. c.mu is held throughout.
func (r *Runtime) step(ctx context.Context, id string, e fsm.Event, act func(c *container) (outcome, error)) (*container, error) {
	op := string(e)
	r.life.RLock()
	defer r.life.RUnlock()
	c, err := r.lookup(op, id)
	if err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	defer r.forgetDeleted(c)
	from := c.m.Current()
	if e != fsm.EventForceDelete {
		if err := r.availableErr(); err != nil {
			return c, r.refuse(id, op, from, err)
		}
	}
	if !c.m.Can(e) {
		return c, r.refuse(id, op, from, &StepError{ID: id, Op: op, State: string(from),
			Err: &fsm.TransitionError{Machine: "container", ID: id, State: from, Event: e}})
	}
	if e == fsm.EventPause && c.killReq {
		return c, r.refuse(id, op, from, &StepError{ID: id, Op: op, State: string(from),
			Reason: "a kill was accepted and its stop is on its way"})
	}
	o, err := act(c)
	if err == nil && o.exit != 0 {
		err = o.failure(o.sub, id)
	}
	if err != nil {
		if o.killed || o.signal != 0 {
			// Killed, by its context or by a signal from elsewhere, after its effect
			// or before it: only runsc state can say which.
			r.reconcile(c, e, o, err)
		} else {
			if o.resumed {
				r.resumedFirst(c, 0)
				from = c.m.Current()
			}
			r.record(c, op, from, from, ResultFailed, o.exit, err, "")
		}
		return c, err
	}
	_, to, ferr := c.m.Fire(ctx, e)
	if e == fsm.EventKill && ferr == nil {
		c.killReq = true
	}
	r.record(c, op, from, to, ResultOK, o.exit, ferr, o.note)
	return c, nil
}

// reconcile settles a step whose runsc was killed (its context ended, or a signal from
// elsewhere ended it): `runsc state` says what happened, and the step is recorded as
// "unknown" with the state found.
func (r *Runtime) reconcile(c *container, e fsm.Event, o outcome, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	from := c.m.Current()
	st, serr := r.exactState(ctx, c.id)
	if serr == nil && e == fsm.EventForceDelete && from == fsm.Paused && st.Status == "running" {
		// The force-delete's resume took effect, its delete did not.
		r.resumedFirst(c, -1)
		from = c.m.Current()
	}
	target := map[fsm.Event]string{fsm.EventStart: "running", fsm.EventPause: "paused", fsm.EventResume: "running"}
	found := "gone"
	switch {
	case serr == nil:
		found = st.Status
		if target[e] == st.Status {
			c.m.Fire(ctx, e)
		}
	case (e == fsm.EventDelete || e == fsm.EventForceDelete) && errors.Is(serr, ErrNoContainer):
		c.m.Fire(ctx, e)
	}
	why := fmt.Sprintf("signal %d", int(o.signal))
	if o.ctxErr != nil {
		why = o.ctxErr.Error()
	}
	r.record(c, string(e), from, c.m.Current(), ResultUnknown, o.exit, err, "runsc killed ("+why+"); runsc state: "+found)
	if e == fsm.EventStart && c.m.Current() != fsm.Deleted {
		// A start interrupted half way must not leave a sandbox behind.
		r.cleanup(c, "context ended during start")
		r.forget(c)
	}
}

// resumedFirst records, as the runtime's own step, the Resume a force-delete of a
// paused container made before a delete that did not delete it (c.mu held): the
// container runs now, and the trace must say so before the force-delete's own step.
// exit is the resume's exit status (-1 if it was killed).
func (r *Runtime) resumedFirst(c *container, exit int) {
	if c.m.Current() != fsm.Paused {
		return
	}
	from, to, err := c.m.Fire(context.Background(), fsm.EventResume)
	r.record(c, string(fsm.EventResume), from, to, ResultCleanup, exit, err,
		"resumed for a force-delete (runsc's delete --force panics on a paused container), which then did not delete it")
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

// Start starts a created container (runsc start) and arms `runsc wait`, so the exit
// status of a workload that exits at once is still caught.
func (r *Runtime) Start(ctx context.Context, id string, opts *StartOpts) error {
	_, err := r.step(ctx, id, fsm.EventStart, func(c *container) (outcome, error) {
		if _, err := r.exactState(ctx, id); err != nil {
			return outcome{exit: -1}, err
		}
		o, err := r.execRunsc(ctx, call{sub: "start", id: id, args: []string{id}})
		if err == nil && o.exit == 0 {
			r.wg.Add(1)
			go r.waiter(c)
			// The sandbox's platform stubs and helpers start now: note them while
			// they live, so that they can be reaped once they die (reapStrays).
			r.adoptOrphans(r.root)
		}
		return o, err
	})
	return err
}

// waiter is the `runsc wait` armed by Start. runsc reports the status only while the
// sandbox lives; if it has gone already, the reaper (our child subreaper) has the status.
func (r *Runtime) waiter(c *container) {
	defer r.wg.Done()
	o, err := r.execRunsc(r.ctx, call{sub: "wait", id: c.id, args: []string{c.id}})
	if err == nil && o.exit == 0 {
		var res struct {
			ID         string `json:"id"`
			ExitStatus *int   `json:"exitStatus"`
		}
		if json.Unmarshal(o.stdout, &res) == nil && res.ID == c.id && res.ExitStatus != nil {
			c.exited(r, *res.ExitStatus, "runsc wait")
			return
		}
	}
	if r.ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	pending := r.reaped[c.pid]
	r.mu.Unlock()
	if pending {
		return // the reaper reports the sandbox's status
	}
	msg := o.logMsg
	if err != nil {
		msg = err.Error()
	}
	c.sandboxGone(r, "runsc wait: "+msg)
}

// Wait waits for the container's workload to exit and returns its exit status (128+n
// for signal n). A Running container is waited for (the Wait step); a Stopped one
// returns the status recorded when it stopped, or ErrExitUnknown, and its Wait step
// is recorded as refused (the lifecycle has no Wait from Stopped; runsc is not run).
func (r *Runtime) Wait(ctx context.Context, id string) (int, error) {
	r.life.RLock()
	c, err := r.lookup(string(fsm.EventWait), id)
	if err != nil {
		r.life.RUnlock()
		return -1, err
	}
	st := c.m.Current()
	if err := r.availableErr(); err != nil {
		c.mu.Unlock()
		r.life.RUnlock()
		return -1, r.refuse(id, string(fsm.EventWait), st, err)
	}
	switch st {
	case fsm.Running:
		from, to, _ := c.m.Fire(ctx, fsm.EventWait)
		r.record(c, string(fsm.EventWait), from, to, ResultOK, -1, nil, "")
	case fsm.Stopped:
		// The lifecycle has no Wait from Stopped (runsc wait would only answer that
		// the status is unavailable), so the step is refused; the call still answers
		// with the status recorded when the container stopped.
		r.refuse(id, string(fsm.EventWait), st, &StepError{ID: id, Op: "Wait", State: string(st),
			Err: &fsm.TransitionError{Machine: "container", ID: id, State: st, Event: fsm.EventWait}})
	default:
		err := r.refuse(id, string(fsm.EventWait), st, &StepError{ID: id, Op: "Wait", State: string(st),
			Err: &fsm.TransitionError{Machine: "container", ID: id, State: st, Event: fsm.EventWait}})
		c.mu.Unlock()
		r.life.RUnlock()
		return -1, err
	}
	c.mu.Unlock()
	r.life.RUnlock()
	select {
	case <-c.done:
		if c.err != nil {
			return -1, c.err
		}
		return c.code, nil
	case <-ctx.Done():
		return -1, fmt.Errorf("wait for container %q: %w", id, ctx.Err())
	}
}

// Kill sends sig to the container's workload (runsc kill; 0 means SIGTERM). The stop
// itself arrives later as an Exit.
func (r *Runtime) Kill(ctx context.Context, id string, sig syscall.Signal, opts *KillOpts) error {
	if opts == nil {
		opts = &KillOpts{}
	}
	_, err := r.step(ctx, id, fsm.EventKill, func(c *container) (outcome, error) {
		if _, err := r.exactState(ctx, id); err != nil {
			return outcome{exit: -1}, err
		}
		args := []string{}
		if opts.All {
			args = append(args, "--all")
		}
		args = append(args, id)
		if sig != 0 {
			args = append(args, strconv.Itoa(int(sig)))
		}
		return r.execRunsc(ctx, call{sub: "kill", id: id, args: args})
	})
	return err
}

// Pause pauses a running container (runsc pause). Pausing a created container is
// refused (runsc would wedge it), and so is pausing one whose Kill was accepted
// (the stop is on its way; pausing would hold it back).
func (r *Runtime) Pause(ctx context.Context, id string) error {
	return r.simple(ctx, id, fsm.EventPause, "pause")
}

// Resume resumes a paused container (runsc resume).
func (r *Runtime) Resume(ctx context.Context, id string) error {
	return r.simple(ctx, id, fsm.EventResume, "resume")
}

func (r *Runtime) simple(ctx context.Context, id string, e fsm.Event, verb string) error {
	_, err := r.step(ctx, id, e, func(c *container) (outcome, error) {
		if _, err := r.exactState(ctx, id); err != nil {
			return outcome{exit: -1}, err
		}
		return r.execRunsc(ctx, call{sub: verb, id: id, args: []string{id}})
	})
	return err
}

// Delete deletes a stopped container (runsc delete), or with Force one in any state
// (runsc delete --force). A container runsc no longer knows (its sandbox died and its
// state went with it) is deleted without calling runsc, never by prefix.
func (r *Runtime) Delete(ctx context.Context, id string, opts *DeleteOpts) error {
	if opts == nil {
		opts = &DeleteOpts{}
	}
	e := fsm.EventDelete
	if opts.Force {
		e = fsm.EventForceDelete
	}
	_, err := r.step(ctx, id, e, func(c *container) (outcome, error) {
		st, err := r.exactState(ctx, id)
		if err != nil {
			// Gone from runsc (a mismatch means another container matched the prefix):
			// there is nothing to delete, and runsc must not be let near the prefix.
			if errors.Is(err, ErrNoContainer) || errors.Is(err, ErrMismatch) {
				return outcome{sub: "delete", exit: 0, note: "runsc no longer knows it: nothing to delete"}, nil
			}
			return outcome{exit: -1}, err
		}
		// runsc never marks a paused container whose sandbox died as stopped, and
		// refuses to delete it without --force: the lifecycle already knows it stopped.
		force := opts.Force || (st.Status == "paused" && c.m.Current() == fsm.Stopped)
		return r.runscDelete(ctx, st, force)
	})
	if err == nil {
		r.reapStrays()
	}
	return err
}

// State returns runsc's view of the container, checked to be about id exactly.
func (r *Runtime) State(ctx context.Context, id string) (*ContainerState, error) {
	c, err := r.lookup("State", id)
	if err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	cur := c.m.Current()
	st, err := r.exactState(ctx, id)
	res, exit := ResultOK, 0
	if err != nil {
		res, exit = ResultFailed, -1
		var re *RunscError
		if errors.As(err, &re) {
			exit = re.ExitCode
		}
	}
	r.record(c, "State", cur, cur, res, exit, err, "")
	return st, err
}

// List returns runsc's view of every container under the runtime's root.
func (r *Runtime) List(ctx context.Context) ([]ContainerState, error) {
	cur := r.m.Current()
	s := Step{Op: "List", From: string(cur), To: string(cur), Result: ResultOK}
	o, err := r.execRunsc(ctx, call{sub: "list", args: []string{"--format", "json"}})
	s.Exit = o.exit
	var out []ContainerState
	if err == nil && o.exit != 0 {
		err = o.failure("list", "")
	}
	if err == nil {
		if jerr := json.Unmarshal(o.stdout, &out); jerr != nil {
			err = &RunscError{Op: "list", Args: o.args, ExitCode: o.exit, Msg: "unparsable list JSON: " + jerr.Error()}
		}
	}
	if err != nil {
		s.Result, s.Error = ResultFailed, err.Error()
	}
	r.tr.add(s)
	return out, err
}

// Run runs a container to completion (runsc run: create, start, wait, delete) and
// returns the workload's exit status. runsc exits with the workload's status, so a
// non-zero exit counts as a runsc failure only when runsc logged an error; a status
// of 128 from the workload is returned as such. If runsc is killed — because ctx ended,
// or by a signal from elsewhere (a Ctrl-C to the process group) — Run returns -1 and a
// *RunscError (with Signal set), records the step as failed or unknown, and
// force-deletes whatever the killed runsc left.
func (r *Runtime) Run(ctx context.Context, id, bundle string, opts *RunOpts) (int, error) {
	op := string(fsm.EventRun)
	r.life.RLock()
	defer r.life.RUnlock()
	c, err := r.reserve(op, id)
	if err != nil {
		return -1, err
	}
	defer c.mu.Unlock()
	defer r.forget(c)
	b, err := LoadBundle(bundle)
	if err != nil {
		return -1, r.refuse(id, op, fsm.Absent, err)
	}
	if opts == nil {
		opts = &RunOpts{}
	}
	cl, closeAll, err := stdio(opts.Stdin, opts.Stdout, opts.Stderr)
	if err != nil {
		return -1, r.refuse(id, op, fsm.Absent, err)
	}
	defer closeAll()
	cl.sub, cl.id, cl.args, cl.watch = "run", id, []string{"--bundle", b.Dir, id}, true
	o, err := r.execRunsc(ctx, cl)
	result, note := ResultFailed, ""
	switch {
	case err != nil:
	case o.killed:
		err = o.failure("run", id)
	case o.signal != 0:
		// Killed by a signal that was not the context's (a Ctrl-C to the process
		// group, a kill from outside): runsc reported nothing, and its sandbox may run
		// on, orphaned. The outcome is unknown, never an exit status.
		err = o.failure("run", id)
		result, note = ResultUnknown, "runsc killed by signal "+strconv.Itoa(int(o.signal))+"; runsc state: "+r.stateNote(id)
	case o.exit != 0 && o.logMsg != "":
		err = o.failure("run", id)
	}
	if err != nil {
		r.record(c, op, fsm.Absent, fsm.Absent, result, o.exit, err, note)
		r.cleanup(c, "after failed run")
		return -1, err
	}
	from, to, _ := c.m.Fire(ctx, fsm.EventRun)
	r.record(c, op, from, to, ResultOK, o.exit, nil, "workload exit status")
	r.reapStrays()
	return o.exit, nil
}
