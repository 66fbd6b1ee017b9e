package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
	"github.com/gvisorfsm/gvisorfsm/runtime"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// verbFlags parses a verb's flags (runc's, with the ones the front-end ignores) and
// requires exactly nargs positional arguments (-1: any).
func verbFlags(verb string, args []string, stderr io.Writer, nargs int, def func(*flag.FlagSet)) ([]string, error) {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if def != nil {
		def(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, &usageError{verb + ": " + err.Error()}
	}
	if nargs >= 0 && fs.NArg() != nargs {
		return nil, &usageError{fmt.Sprintf("%s: %d argument(s) expected, got %q", verb, nargs, fs.Args())}
	}
	return fs.Args(), nil
}

func dispatch(ctx context.Context, g *globals, verb string, args []string, stdout, stderr io.Writer) error {
	c, err := settings(g)
	if err != nil {
		return err
	}
	s := store{root: g.root}
	switch verb {
	case "create", "run":
		return create(ctx, s, c, verb, args, stdout, stderr)
	case "start", "pause", "resume":
		pos, err := verbFlags(verb, args, stderr, 1, nil)
		if err != nil {
			return err
		}
		return step(ctx, s, c, pos[0], func(ss *session) error {
			switch verb {
			case "start":
				return ss.r.Start(ctx, ss.id, &runtime.StartOpts{NoWait: true})
			case "pause":
				return ss.r.Pause(ctx, ss.id)
			}
			return ss.r.Resume(ctx, ss.id)
		})
	case "kill":
		var all bool
		pos, err := verbFlags(verb, args, stderr, -1, func(fs *flag.FlagSet) {
			fs.BoolVar(&all, "all", false, "signal every process of the container")
			fs.BoolVar(&all, "a", false, "signal every process of the container")
		})
		if err != nil {
			return err
		}
		if len(pos) < 1 || len(pos) > 2 {
			return &usageError{"kill: usage: kill [--all] ID [SIGNAL]"}
		}
		sig := syscall.SIGTERM
		if len(pos) == 2 {
			if sig, err = parseSignal(pos[1]); err != nil {
				return err
			}
		}
		return step(ctx, s, c, pos[0], func(ss *session) error {
			if a, ok := ss.r.Attachment(ss.id); ok && a.State == fsm.Created {
				return stopCreated(ctx, ss, a.Pid)
			}
			return ss.r.Kill(ctx, ss.id, sig, &runtime.KillOpts{All: all})
		})
	case "delete":
		var force bool
		pos, err := verbFlags(verb, args, stderr, 1, func(fs *flag.FlagSet) {
			fs.BoolVar(&force, "force", false, "delete the container in any state, killing its workload")
			fs.BoolVar(&force, "f", false, "delete the container in any state, killing its workload")
		})
		if err != nil {
			return err
		}
		err = step(ctx, s, c, pos[0], func(ss *session) error {
			return ss.r.Delete(ctx, ss.id, &runtime.DeleteOpts{Force: force})
		})
		if force && errors.Is(err, errNoContainer) {
			// As runc: a forced delete of what does not exist (a create that failed
			// half way, a second cleanup) succeeds; a directory without a record goes.
			if rerr := runtime.ValidateID(pos[0]); rerr == nil {
				if unlock, ok, lerr := s.lockContainer(pos[0]); lerr == nil && ok {
					if _, rerr := s.read(pos[0]); errors.Is(rerr, os.ErrNotExist) {
						os.RemoveAll(s.dir(pos[0]))
					}
					unlock()
				}
			}
			return nil
		}
		return err
	case "state":
		pos, err := verbFlags(verb, args, stderr, 1, nil)
		if err != nil {
			return err
		}
		return state(ctx, s, c, pos[0], stdout)
	case "list":
		return list(s, args, stdout, stderr)
	case "ps":
		return ps(ctx, s, c, args, stdout, stderr)
	case "features":
		return features(stdout)
	case "exec":
		return errors.New("exec: not supported: a process exec'd into a sandbox has no lifecycle in the spec, " +
			"so the front-end cannot guard or trace it (use runsc exec directly)")
	case "checkpoint", "restore", "update", "events", "spec":
		return fmt.Errorf("%s: not supported by gvisorfsm-oci", verb)
	}
	return &usageError{fmt.Sprintf("unknown command %q", verb)}
}

// step runs one lifecycle step on an existing container: first brought up to date with
// runsc (a workload that exited, a sandbox that died), so that the lifecycle judges the
// step on the container's real state and refuses it before runsc runs if it must.
func step(ctx context.Context, s store, c config, id string, f func(*session) error) error {
	ss, err := openSession(ctx, s, c, id)
	if err != nil {
		return err
	}
	// A failed query is in the trace; the step's own check of runsc state decides.
	ss.r.Reconcile(ctx, id)
	return errors.Join(f(ss), ss.close())
}

// create is `create` (and `run`, which is create, start and, without --detach, waiting
// for the workload in the foreground).
func create(ctx context.Context, s store, c config, verb string, args []string, stdout, stderr io.Writer) error {
	var bundle, pidFile, console string
	var detach bool
	pos, err := verbFlags(verb, args, stderr, 1, func(fs *flag.FlagSet) {
		fs.StringVar(&bundle, "bundle", "", "bundle directory (default: the current directory)")
		fs.StringVar(&bundle, "b", "", "bundle directory")
		fs.StringVar(&pidFile, "pid-file", "", "file to write the sandbox's pid to")
		fs.StringVar(&console, "console-socket", "", "unix socket to send the terminal's master to")
		fs.BoolVar(new(bool), "no-pivot", false, "ignored (runsc does not pivot_root on the host)")
		fs.BoolVar(new(bool), "no-new-keyring", false, "ignored (gVisor has no host keyring)")
		fs.IntVar(new(int), "preserve-fds", 0, "refused unless 0")
		if verb == "run" {
			fs.BoolVar(&detach, "detach", false, "create and start, and return")
			fs.BoolVar(&detach, "d", false, "create and start, and return")
		}
	})
	if err != nil {
		return err
	}
	id := pos[0]
	if err := runtime.ValidateID(id); err != nil {
		return err
	}
	if bundle == "" {
		if bundle, err = os.Getwd(); err != nil {
			return err
		}
	}
	if bundle, err = filepath.Abs(bundle); err != nil {
		return err
	}
	if pidFile != "" {
		if pidFile, err = filepath.Abs(pidFile); err != nil {
			return err
		}
	}
	if err := s.init(); err != nil {
		return err
	}
	// Creates are serialized: each must see every live ID, or two could clash by prefix.
	unlockCreate, err := lockFile(filepath.Join(s.root, "create.lock"))
	if err != nil {
		return err
	}
	defer func() {
		if unlockCreate != nil {
			unlockCreate()
		}
	}()
	platform, err := c.platform(ctx, s)
	if err != nil {
		return err
	}
	n, err := c.network()
	if err != nil {
		return err
	}
	// In the foreground (run without --detach) this process waits for the workload: it
	// must be the sandbox's parent, as the library is by default (a child subreaper).
	foreground := verb == "run" && !detach
	r, err := openRuntime(ctx, s, c, platform, foreground)
	if err != nil {
		return err
	}
	// The container's directory, locked: an existing one (a duplicate) is read under its
	// lock, so that the refusal is judged, and traced, on its current state.
	var made bool
	var unlock func()
	for {
		made = os.Mkdir(s.dir(id), 0o700) == nil
		var ok bool
		if unlock, ok, err = s.lockContainer(id); err != nil {
			r.Release()
			return err
		}
		if ok {
			break // else deleted between the two: make it again
		}
	}
	// Every live container, so that the runtime refuses a duplicate or a prefix clash
	// exactly as it does for its own. The others are read without their locks: a
	// record is replaced whole, and only their IDs matter here.
	ids, err := s.ids()
	if err != nil {
		unlock()
		r.Release()
		return err
	}
	for _, other := range ids {
		if rec, err := s.read(other); err == nil {
			r.Attach(other, rec.Lifecycle)
		}
	}
	rec := &record{ID: id, origin: origin{Bundle: bundle, Created: time.Now().UTC(), Owner: "root"}, Platform: platform, Network: string(n)}
	rec.Rootfs, rec.Annotations = readSpec(bundle)
	ss := &session{s: s, cfg: c, id: id, rec: rec, r: r, unlock: unlock}
	cerr := r.Create(ctx, id, bundle, &runtime.CreateOpts{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Client: &runtime.ClientCreate{PidFile: pidFile, ConsoleSocket: console}})
	if !made {
		// A duplicate, refused: the existing container's trace shows the refusal, and
		// its record is not ours to touch.
		var refused []steptrace.Step
		for _, st := range r.Trace() {
			if st.ID == id {
				refused = append(refused, st)
			}
		}
		err := s.appendTrace(id, refused)
		unlock()
		return errors.Join(cerr, err, r.Release())
	}
	var head, own []steptrace.Step
	for _, st := range r.Trace() {
		switch st.ID {
		case "":
			head = append(head, st)
		case id:
			own = append(own, st)
		}
	}
	if cerr != nil && len(own) > 0 && own[len(own)-1].Result == steptrace.Refused {
		// Refused for the IDs of others (a prefix clash): no container ever was, and a
		// trace of it alone would not show why.
		err := s.remove(id, "")
		unlock()
		return errors.Join(cerr, err, r.Release())
	}
	// The first steps of this container's trace: the runtime's own, which open it.
	if err := s.appendTrace(id, head); err != nil {
		cerr = errors.Join(cerr, err)
	}
	unlockCreate()
	unlockCreate = nil
	code := 0
	if cerr == nil && foreground {
		// Start, wait and delete in this runtime, which reaps the sandbox and so
		// learns the workload's status; the container stays locked until it is gone.
		code, cerr = runForeground(ctx, ss)
	}
	if err := errors.Join(cerr, ss.close()); err != nil || verb == "create" || foreground {
		if err == nil && code != 0 {
			return &exitError{code}
		}
		return err
	}
	return step(ctx, s, c, id, func(ss *session) error {
		return ss.r.Start(ctx, ss.id, &runtime.StartOpts{NoWait: true})
	})
}

// runForeground starts the created container, waits for its workload and deletes it,
// returning the workload's status, as runc run does.
func runForeground(ctx context.Context, ss *session) (int, error) {
	if err := ss.r.Start(ctx, ss.id, nil); err != nil {
		ss.r.Delete(ctx, ss.id, &runtime.DeleteOpts{Force: true})
		return 0, err
	}
	code, err := ss.r.Wait(ctx, ss.id)
	if err != nil {
		ss.r.Delete(ctx, ss.id, &runtime.DeleteOpts{Force: true})
		return 0, err
	}
	return code, ss.r.Delete(ctx, ss.id, nil)
}

// readSpec reads what the state JSON reports from a bundle's config.json: the root
// filesystem (absolute) and the annotations. A bundle it cannot read is runsc's to
// refuse; the record then names none.
func readSpec(bundle string) (string, map[string]string) {
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return "", nil
	}
	var spec specs.Spec
	if json.Unmarshal(data, &spec) != nil || spec.Root == nil {
		return "", nil
	}
	root := spec.Root.Path
	if root != "" && !filepath.IsAbs(root) {
		root = filepath.Join(bundle, root)
	}
	return root, spec.Annotations
}

// stateJSON is runc's `state` answer.
type stateJSON struct {
	OCIVersion string `json:"ociVersion"`
	ID         string `json:"id"`
	Status     string `json:"status"`
	Pid        int    `json:"pid"`
	origin
}

func (rec *record) stateJSON(st fsm.State) stateJSON {
	pid := rec.Lifecycle.Pid
	if st == fsm.Stopped {
		pid = 0 // as runc: no process to signal
	}
	return stateJSON{OCIVersion: ociVersion, ID: rec.ID, Status: status(st), Pid: pid, origin: rec.origin}
}

// state prints runc's state JSON, after reconciling the lifecycle with runsc.
func state(ctx context.Context, s store, c config, id string, stdout io.Writer) error {
	ss, err := openSession(ctx, s, c, id)
	if err != nil {
		return err
	}
	_, rerr := ss.r.Reconcile(ctx, id)
	a, _ := ss.r.Attachment(id)
	out := ss.rec.stateJSON(a.State)
	if err := errors.Join(rerr, ss.close()); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	_, err = fmt.Fprintln(stdout, string(b))
	return err
}

// list prints the containers under the root, as their records say (no runsc call: a
// listing is a look, each container's own `state` reconciles it).
func list(s store, args []string, stdout, stderr io.Writer) error {
	var format string
	var quiet bool
	if _, err := verbFlags("list", args, stderr, 0, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "table", "table or json")
		fs.StringVar(&format, "f", "table", "table or json")
		fs.BoolVar(&quiet, "quiet", false, "IDs only")
		fs.BoolVar(&quiet, "q", false, "IDs only")
	}); err != nil {
		return err
	}
	ids, err := s.ids()
	if err != nil {
		return err
	}
	out := []stateJSON{}
	for _, id := range ids {
		if rec, err := s.read(id); err == nil {
			out = append(out, rec.stateJSON(rec.Lifecycle.State))
		}
	}
	switch {
	case quiet:
		for _, st := range out {
			fmt.Fprintln(stdout, st.ID)
		}
	case format == "json":
		b, _ := json.Marshal(out)
		fmt.Fprintln(stdout, string(b))
	case format == "table":
		tw := tabwriter.NewWriter(stdout, 12, 1, 3, ' ', 0)
		fmt.Fprintln(tw, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER")
		for _, st := range out {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", st.ID, st.Pid, st.Status, st.Bundle, st.Created.Format(time.RFC3339Nano), st.Owner)
		}
		return tw.Flush()
	default:
		return &usageError{fmt.Sprintf("list: --format %q: want table or json", format)}
	}
	return nil
}

// ps lists the host processes of a container. The workload's processes live inside
// the sandbox's kernel and have no host pids; the host process that stands for them,
// and that a client may signal or wait for, is the sandbox.
func ps(ctx context.Context, s store, c config, args []string, stdout, stderr io.Writer) error {
	var format string
	pos, err := verbFlags("ps", args, stderr, 1, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "table", "table or json")
		fs.StringVar(&format, "f", "table", "table or json")
	})
	if err != nil {
		return err
	}
	rec, err := s.read(pos[0])
	if err != nil {
		return errNotExist(pos[0])
	}
	pids := []int{}
	if rec.Lifecycle.State != fsm.Stopped && rec.Lifecycle.Pid > 0 {
		pids = append(pids, rec.Lifecycle.Pid)
	}
	if format == "json" {
		b, _ := json.Marshal(pids)
		_, err := fmt.Fprintln(stdout, string(b))
		return err
	}
	fmt.Fprintln(stdout, "PID")
	for _, p := range pids {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// features prints the runtime-spec features document (a subset: what this front-end
// and runsc support).
func features(stdout io.Writer) error {
	f := map[string]any{
		"ociVersionMin": "1.0.0",
		"ociVersionMax": ociVersion,
		"hooks":         []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"},
		"mountOptions":  []string{"ro", "rw", "bind", "rbind", "nosuid", "nodev", "noexec"},
		"linux": map[string]any{
			"namespaces": []string{"mount", "pid", "network", "ipc", "uts", "user", "cgroup"},
			"cgroup":     map[string]bool{"v1": true, "v2": true, "systemd": false},
			"seccomp":    map[string]bool{"enabled": false},
			"apparmor":   map[string]bool{"enabled": false},
			"selinux":    map[string]bool{"enabled": false},
		},
		"annotations": map[string]string{
			"org.gvisorfsm.oci.version": version,
			"org.gvisorfsm.oci.runtime": "runsc (gVisor), every step through the lifecycle of package fsm",
		},
	}
	b, _ := json.MarshalIndent(f, "", "  ")
	_, err := fmt.Fprintln(stdout, string(b))
	return err
}

// parseSignal reads a signal by number or name (KILL, SIGKILL, sigkill).
func parseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("kill: signal %d out of range", n)
		}
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("kill: unknown signal %q", s)
}

// stopCreated is `kill` of a created container. OCI lets a client signal a created
// container (its cleanup after a failed start is `kill KILL`, then `delete`), but the
// lifecycle has Kill from Running only, and Debian's runsc refuses it. Its workload has
// not started, so no handler can catch the signal: whatever the signal, the container
// stops, as runc's waiting init dies of it and as current runsc stops it. The sandbox
// (checked to be this container's, on this root) is killed, and the lifecycle observes
// its death (SandboxDied: Created to Stopped), after which a plain delete removes it.
func stopCreated(ctx context.Context, ss *session, pid int) error {
	notRunning := fmt.Errorf("kill: container %q is created but its sandbox (pid %d) is not running", ss.id, pid)
	if pid <= 0 {
		return notRunning
	}
	// Held by a pidfd from before the check, so that the signal reaches the process
	// checked, never another that reused its pid in between.
	pfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return notRunning
		}
		return fmt.Errorf("kill: container %q: sandbox pid %d: %w", ss.id, pid, err)
	}
	defer unix.Close(pfd)
	if !isSandbox(pid, ss.s.runscRoot(), ss.id) {
		return notRunning
	}
	if err := unix.PidfdSendSignal(pfd, unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill: container %q: sandbox pid %d: %w", ss.id, pid, err)
	}
	// SIGKILL is asynchronous; the sandbox is not our child, so wait for it to die
	// (a zombie is dead: its parent reaps it) before asking runsc.
	for deadline := time.Now().Add(5 * time.Second); isSandbox(pid, ss.s.runscRoot(), ss.id); {
		if time.Now().After(deadline) {
			return fmt.Errorf("kill: container %q: sandbox pid %d still alive 5s after SIGKILL", ss.id, pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := ss.r.Reconcile(ctx, ss.id); err != nil {
		return err
	}
	if a, ok := ss.r.Attachment(ss.id); ok && a.State != fsm.Stopped {
		return fmt.Errorf("kill: container %q: its sandbox was killed but runsc still reports it %s", ss.id, status(a.State))
	}
	return nil
}

// isSandbox reports whether pid is a live runsc sandbox of container id under root:
// `runsc-sandbox ... --root=ROOT ... boot ... ID` (a zombie's command line is empty).
func isSandbox(pid int, root, id string) bool {
	args := procfs.Cmdline(pid)
	if len(args) < 2 || args[0] != "runsc-sandbox" || args[len(args)-1] != id {
		return false
	}
	want := sameDir(root)
	for i, a := range args {
		v, ok := strings.CutPrefix(a, "--root=")
		if !ok && a == "--root" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if ok && sameDir(v) == want {
			return true
		}
	}
	return false
}

// sameDir is dir with its symlinks resolved, for comparing paths.
func sameDir(dir string) string {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return real
	}
	return filepath.Clean(dir)
}
