package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// call is one runsc invocation.
type call struct {
	sub       string   // subcommand
	id        string   // container ID (for errors)
	args      []string // after the subcommand
	root      string   // --root override (probes); default r.root
	platform  *string  // --platform override (probes)
	noGlobals bool     // `runsc --version` takes none
	// grace, if set, lets runsc run on for up to this long after ctx ends instead of
	// being killed at once: a create killed half way leaves forks and sandboxes that no
	// ID names, while one that completes can simply be force-deleted.
	grace time.Duration
	// watch has the processes runsc starts noted as the runtime's (reaper.own) by
	// polling /proc while the command runs, where fork events are not available:
	// `runsc run`'s sandbox and platform stubs exist only during the call, and the
	// stubs are reparented to us when the sandbox exits. Where fork events are available, every command's
	// descendants are noted from them: a process runsc leaves that exits before
	// adoptOrphans sees it alive (a helper holding its stdio) is otherwise a zombie
	// that no command line names.
	watch bool
	// stdio for runsc; nil means private files (stdin empty). The sandbox started by
	// create/run inherits these: they are the runtime's own (files, or a relay's
	// sockets), never pipes, never the caller's.
	stdin, stdout, stderr *os.File
}

type outcome struct {
	sub    string
	args   []string
	exit   int            // -1 when killed (context) or not started
	stdout []byte         // only when stdout was private
	stderr string         // only when stderr was private
	logMsg string         // last error-level message of --log JSON
	killed bool           // killed because ctx ended
	signal syscall.Signal // the signal that ended runsc, if one did (from ctx or not)
	ctxErr error
	note   string // for the trace
	// resumed: a force-delete resumed the paused container before deleting it
	// (runscDelete), and the resume took effect.
	resumed bool
	// children: how runsc's direct children (sandbox, gofer) ended, in that order,
	// where fork events are available (root); nil otherwise.
	children []childEnd
	// descendants: the processes runsc forked, and theirs, as far as they were noted
	// (every one with fork events; those seen alive by polling otherwise).
	descendants []int
}

// failure builds the *RunscError for a failed call.
func (o outcome) failure(sub, id string) error {
	msg := o.logMsg
	if msg == "" {
		msg = lastLine(o.stderr)
	}
	if o.killed && o.ctxErr != nil {
		msg = "killed: " + o.ctxErr.Error()
	} else if o.signal != 0 {
		msg = fmt.Sprintf("killed by signal %d (%v), not by its context", int(o.signal), o.signal)
	}
	return &RunscError{Op: sub, ID: id, Args: o.args, ExitCode: o.exit, Signal: o.signal, Msg: msg, Err: o.ctxErr}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (r *Runtime) globals(c call, logPath string) []string {
	root := r.root
	if c.root != "" {
		root = c.root
	}
	g := []string{"--root", root, "--log", logPath, "--log-format", "json"}
	platform := r.cfg.platform
	if c.platform != nil {
		platform = *c.platform
	}
	if platform != "" {
		g = append(g, "--platform="+platform)
	}
	g = append(g, "--network="+string(r.cfg.network))
	if r.cfg.rootless {
		g = append(g, "--rootless")
	}
	if r.cfg.ignoreCgroups {
		g = append(g, "--ignore-cgroups")
	}
	if !r.cfg.noOverlay {
		g = append(g, r.behaviour.Overlay)
	}
	if r.behaviour.GoferNetNS {
		// A gofer namespace of its own, as before null-netns: the shared one is an nsfs
		// bind mount in --root that outlives every container.
		g = append(g, "--gofer-network-namespace=new")
	}
	if r.cfg.debugLogDir != "" {
		g = append(g, "--debug", "--debug-log", strings.TrimRight(r.cfg.debugLogDir, "/")+"/")
	}
	return g
}

// execRunsc runs one runsc command: global flags first, sanitized environment, stdio on
// files. A non-zero exit is not an error here (callers classify it); the error is for
// failing to run runsc at all.
func (r *Runtime) execRunsc(ctx context.Context, c call) (outcome, error) {
	n := r.seq.Add(1)
	base := filepath.Join(r.work, "io", strconv.FormatInt(n, 10))
	logPath := filepath.Join(r.work, "log", strconv.FormatInt(n, 10)+".json")
	var args []string
	if !c.noGlobals {
		args = r.globals(c, logPath)
	}
	args = append(args, c.sub)
	args = append(args, c.args...)
	o := outcome{sub: c.sub, args: args, exit: -1}
	cmd := r.bin.command(ctx, args...)
	cmd.WaitDelay = 2 * time.Second
	if c.grace > 0 {
		// Let it finish rather than kill it half way (see call.grace); killed only if
		// it is still running grace after the context ended.
		cmd.Cancel = func() error { return nil }
		cmd.WaitDelay = c.grace
	}
	// Never os/exec's default, the host's /dev/null: runsc makes a sandbox's stdio the
	// sandbox user's, and would do so to that device.
	in := c.stdin
	if in == nil {
		f, err := os.OpenFile(base+".in", os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return o, err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		in = f
	}
	cmd.Stdin = in
	// stdout and stderr are the caller's files, or files of the call's own that are
	// read once runsc exits.
	var outF, errF *os.File
	for _, s := range []struct {
		given  *os.File
		dst    *io.Writer
		own    **os.File
		suffix string
	}{{c.stdout, &cmd.Stdout, &outF, ".out"}, {c.stderr, &cmd.Stderr, &errF, ".err"}} {
		if s.given != nil {
			*s.dst = s.given
			continue
		}
		f, err := os.OpenFile(base+s.suffix, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return o, err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		*s.own, *s.dst = f, f
	}
	defer os.Remove(logPath)
	// No runsc command outlives the process: killed with it, `runsc run` takes its
	// (attached) sandbox along. The signal comes when the forking thread exits, so the
	// thread is kept until the command has ended.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	// Before the start: the command's first forks must not be missed.
	forks := r.reaper.listenForks()
	t0 := time.Now() // for runscWall
	// While it runs it is os/exec's to wait for: no reaper may wait4 it. It is
	// recorded under pidMu in the same critical section as its start, so no adoption
	// can see the new pid before it is excluded.
	pidMu.Lock()
	runErr := r.bin.start(cmd)
	if runErr == nil {
		inFlight[cmd.Process.Pid] = true
		r.started.Add(1)
	}
	pidMu.Unlock()
	if runErr != nil && forks != nil {
		forks.Stop()
	}
	if runErr == nil {
		stop := func() []int { return nil }
		if c.watch || forks != nil {
			stop = r.reaper.watchDescendants(cmd.Process.Pid, forks, func(e childEnd) { o.children = append(o.children, e) })
		}
		runErr = cmd.Wait()
		if r.runscWall != nil {
			r.runscWall(c.sub, time.Since(t0))
		}
		o.descendants = stop()
		pidMu.Lock()
		delete(inFlight, cmd.Process.Pid)
		pidMu.Unlock()
	}
	if cmd.ProcessState != nil {
		o.exit = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			o.signal = ws.Signal()
		}
	}
	if runErr != nil && cmd.ProcessState == nil {
		if c.id != "" {
			return o, fmt.Errorf("runsc %s %q: %w", c.sub, c.id, quoteErr(runErr))
		}
		return o, fmt.Errorf("runsc %s (root %q): %w", c.sub, r.root, quoteErr(runErr))
	}
	if ctx.Err() != nil && o.exit == -1 {
		o.killed, o.ctxErr = true, ctx.Err()
	}
	if outF != nil {
		o.stdout, _ = os.ReadFile(outF.Name())
	}
	if errF != nil {
		b, _ := os.ReadFile(errF.Name())
		o.stderr = string(b)
	}
	o.logMsg = lastLogError(logPath)
	return o, nil
}

// lastLogError returns the last error-level message of a runsc --log-format json file.
func lastLogError(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	msg := ""
	// runsc writes objects back to back, not always newline-separated.
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var e struct{ Msg, Level string }
		if err := dec.Decode(&e); err != nil {
			break
		}
		if e.Level == "error" || e.Level == "fatal" {
			msg = e.Msg
		}
	}
	return msg
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
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	st, err := r.exactState(ctx, id)
	if err != nil {
		return "gone"
	}
	return st.Status
}
