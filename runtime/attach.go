package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// A runc-style front-end runs one process per step: `create` in one, `start` in the
// next, `state` in many. What it needs of the runtime is here: a root the processes
// share (WithRoot), containers created the way its clients expect (ClientCreate,
// StartOpts.NoWait), a container another process created taken up in the state that
// process recorded (Attach, Attachment), the lifecycle brought up to date with runsc
// (Reconcile), and an end that leaves the containers to the next process (Release).

// ClientCreate is how a runc-style client (podman's conmon, containerd's shim) expects a
// container to be created:
//   - The sandbox gets CreateOpts' Stdin, Stdout and Stderr themselves, not a relay:
//     the client reads them after this process has gone (runsc makes them the sandbox
//     user's, which is the client's choice to make).
//   - runsc writes the sandbox's pid to PidFile. The sandbox exits with the workload's
//     status and reports it only to its parent, so the client, a child subreaper,
//     must become that parent: the runtime must not be one (WithoutSubreaper).
//   - A terminal (process.terminal) goes to the client's ConsoleSocket; a bundle
//     asking for one without it is refused.
//   - The bundle is the client's and is given to runsc as it is: no private copy
//     naming a hostname (it would not outlive the process), and its root may be
//     writable and lie outside it.
type ClientCreate struct {
	PidFile       string // runsc create --pid-file; "" for none
	ConsoleSocket string // runsc create --console-socket; "" for none
}

// check refuses a bundle the options cannot serve (nil c: none).
func (c *ClientCreate) check(b *Bundle) error {
	if c != nil && b.Spec.Process.Terminal && c.ConsoleSocket == "" {
		return &BundleError{Bundle: b.Dir, Field: "process.terminal", Reason: "true needs a console socket (--console-socket)"}
	}
	return nil
}

func (c *ClientCreate) args() []string {
	var a []string
	if c.PidFile != "" {
		a = append(a, "--pid-file", c.PidFile)
	}
	if c.ConsoleSocket != "" {
		a = append(a, "--console-socket", c.ConsoleSocket)
	}
	return a
}

// Attached is what a runtime knows of a container beyond runsc's own state: what a
// process records on disk (Attachment) for the next one to Attach.
type Attached struct {
	State  fsm.State // the lifecycle state: Created, Running, Paused or Stopped
	Pid    int       // the sandbox's pid
	Bundle string    // the bundle directory
	// KillRequested: runsc accepted a Kill whose stop has not been seen yet; the
	// lifecycle refuses Pause until it is.
	KillRequested bool
}

// Attach takes up container id, which another runtime (in another process, on the same
// root: WithRoot) created and left in the state a records. No step is recorded and
// runsc is not run: Reconcile compares a with runsc. The ID must be valid and not
// held already; a must name a live state. From then on the container is the runtime's
// as if it had created it, and its IDs clash by prefix with the ones Create is given.
func (r *Runtime) Attach(id string, a Attached) error {
	if err := r.validateID(id); err != nil {
		return err
	}
	switch a.State {
	case fsm.Created, fsm.Running, fsm.Paused, fsm.Stopped:
	default:
		return fmt.Errorf("attach %q: %q is not the state of a live container", id, a.State)
	}
	m, err := fsm.RestoreContainer(id, a.State)
	if err != nil {
		return err
	}
	c := newContainer(id)
	c.m, c.pid, c.bundle, c.killReq = m, a.Pid, a.Bundle, a.KillRequested
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.availableErr(); err != nil {
		return err
	}
	if _, ok := r.containers[id]; ok {
		return &ContainerError{ID: id, Err: ErrExists, Reason: "is held already"}
	}
	r.containers[id] = c
	if a.Pid > 0 {
		r.byPid[a.Pid] = c
	}
	return nil
}

// Attachment returns what the runtime knows of container id, for a later runtime to
// Attach; false if it holds no such container (never created, or deleted).
func (r *Runtime) Attachment(id string) (Attached, bool) {
	r.mu.Lock()
	c, ok := r.containers[id]
	r.mu.Unlock()
	if !ok {
		return Attached{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.m.Current()
	if st == fsm.Absent || st == fsm.Deleted {
		return Attached{}, false
	}
	return Attached{State: st, Pid: c.pid, Bundle: c.bundle, KillRequested: c.killReq}, true
}

// Reconcile runs `runsc state` for container id (checked to be about id exactly) and
// brings the lifecycle up to date with what happened while no runtime watched: a
// workload that exited (runsc says stopped) is the Exit step, a sandbox that died or
// that runsc no longer knows is SandboxDied, each recorded as observed. The exit status
// is not known here (it went to the sandbox's parent): the step's exit is -1. The
// state query itself is recorded too. It returns runsc's state (nil if runsc no longer
// knows the container, with a nil error once the lifecycle says so).
func (r *Runtime) Reconcile(ctx context.Context, id string) (*ContainerState, error) {
	c, err := r.lookup("State", id)
	if err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	cur := c.m.Current()
	st, err := r.exactState(ctx, id)
	observe := func(e fsm.Event, note string) {
		if e == fsm.EventExit && !c.m.Can(e) {
			e = fsm.EventSandboxDied // from Created or Paused the lifecycle calls it a death
		}
		if from, to, ferr := c.m.Fire(ctx, e); ferr == nil {
			c.killReq = false
			r.tr.add(steptrace.Step{Op: string(e), ID: id, From: from, To: to, Result: steptrace.OK, Exit: -1, Note: note})
		}
	}
	gone := errors.Is(err, ErrNoContainer) || errors.Is(err, ErrMismatch)
	switch {
	case err == nil && st.Status == "stopped":
		observe(fsm.EventExit, "runsc state: stopped")
	case err == nil && st.Pid > 0 && cur != fsm.Stopped && !alive(st.Pid):
		observe(fsm.EventExit, "runsc state: "+st.Status+", but sandbox pid "+strconv.Itoa(st.Pid)+" has gone")
	case gone:
		observe(fsm.EventSandboxDied, "runsc no longer knows it")
	}
	r.recordState(c, err)
	if gone {
		return nil, nil
	}
	return st, err
}

// alive reports whether pid is a live process (not a zombie): runsc's liveness check,
// kill(pid, 0), passes a zombie, which some runsc lines report as "running".
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may hold any.
	for i := len(data) - 1; i > 0; i-- {
		if data[i] == ')' {
			return i+2 >= len(data) || data[i+2] != 'Z'
		}
	}
	return true
}

// Release ends the runtime and leaves its containers in runsc, for a later runtime on
// the same root (WithRoot) to Attach: it records no step, stops its waiters, removes
// its private state directory (not the shared root) and releases the binary. Record
// what Attachment says of each container first. The runtime cannot be used after.
func (r *Runtime) Release() error {
	r.life.Lock()
	defer r.life.Unlock()
	if r.cfg.sharedRoot == "" {
		return errors.New("release: the runtime's root is its own (no WithRoot): use Close")
	}
	if r.released.Swap(true) {
		return nil
	}
	r.cancel()
	r.wg.Wait()
	r.mu.Lock()
	clear(r.containers)
	clear(r.byPid)
	r.mu.Unlock()
	err := removeTree(r.work)
	r.bin.Close()
	return err
}

// sharedRoot makes WithRoot's directory: created 0700 if missing, else it must be a
// 0700 directory of ours (not a symlink).
func sharedRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.Mkdir(abs, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("runsc root: %w", err)
	}
	if real, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(real, filepath.Base(abs))
	}
	if err := checkDirs(filepath.Dir(abs)); err != nil {
		return "", fmt.Errorf("runsc root's parent: %w", err)
	}
	return abs, nil
}

// stdio gives the caller's files to the sandbox itself, as a runc-style client expects
// (it owns them and collects the workload's output); anything but *os.File or nil is
// refused, since no relay runs once this process has gone.
func (c *ClientCreate) stdio(in io.Reader, out, errw io.Writer) (call, error) {
	var cl call
	for _, s := range []struct {
		name string
		v    any
		dst  **os.File
	}{{"stdin", in, &cl.stdin}, {"stdout", out, &cl.stdout}, {"stderr", errw, &cl.stderr}} {
		switch f := s.v.(type) {
		case nil:
		case *os.File:
			*s.dst = f
		default:
			return call{}, fmt.Errorf("client create: %s is a %T; a client's stdio must be *os.File or nil", s.name, s.v)
		}
	}
	cl.args = c.args()
	return cl, nil
}
