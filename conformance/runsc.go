package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
)

// ErrNoSandbox: there was no sandbox process to kill (it may have died
// meanwhile).
var ErrNoSandbox = errors.New("no sandbox process")

// Adopt starts reaping the sandbox and gofer processes of Root that were
// reparented to this process. A process that is a child subreaper (the
// runtime package makes it one) must reap the sandboxes it did not create
// through the runtime, or runsc waits for their zombies to stop.
func (r *Runsc) Adopt(reaping map[int]bool) {
	procs, _ := r.Processes()
	for _, p := range procs {
		var pid int
		if _, err := fmt.Sscan(p, &pid); err != nil || reaping[pid] {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		_, rest, _ := bytes.Cut(b, []byte(") "))
		f := strings.Fields(string(rest))
		if len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		reaping[pid] = true
		go func() {
			var ws syscall.WaitStatus
			for {
				if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
					return
				}
			}
		}()
	}
}

// Runsc observes and disturbs containers by calling a runsc binary directly,
// bypassing the wrapper under test. It implements Observer and Environment.
type Runsc struct {
	// Binary is the runsc to run (the real one, or a fake).
	Binary string
	// Root is runsc's --root.
	Root string
	// Flags are further global flags, e.g. --platform=ptrace --network=none.
	Flags []string
	// ExitFile is the file whose creation inside the container makes the
	// workload exit (see BusyboxBundle).
	ExitFile string
	// calls counts the runsc invocations made through r.
	calls atomic.Int64
}

// Calls is how many times r has run runsc.
func (r *Runsc) Calls() int { return int(r.calls.Load()) }

func (r *Runsc) run(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	r.calls.Add(1)
	return RunFiles(ctx, r.Binary, append(append([]string{"--root", r.Root}, r.Flags...), args...)...)
}

// RunFiles runs a command with its stdout and stderr going to temporary
// files, not pipes: a sandbox runsc starts inherits them, and reading a pipe
// would wait for the sandbox to exit.
func RunFiles(ctx context.Context, name string, args ...string) (stdout, stderr string, err error) {
	outf, err := os.CreateTemp("", "runsc-out-*")
	if err != nil {
		return "", "", err
	}
	defer os.Remove(outf.Name())
	defer outf.Close()
	errf, err := os.CreateTemp("", "runsc-err-*")
	if err != nil {
		return "", "", err
	}
	defer os.Remove(errf.Name())
	defer errf.Close()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = outf, errf
	err = cmd.Run()
	o, _ := os.ReadFile(outf.Name())
	e, _ := os.ReadFile(errf.Name())
	return string(o), string(e), err
}

type runscState struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Pid    int    `json:"pid"`
}

var runscStatus = map[string]fsm.State{"created": fsm.Created, "running": fsm.Running, "paused": fsm.Paused, "stopped": fsm.Stopped}

// state finds exactly id in `runsc list --format json`. `runsc state` is no
// good for that: it matches ID prefixes, and this runsc (0.0~20221219) calls
// an exact ID ambiguous while a longer ID that it prefixes exists.
func (r *Runsc) state(ctx context.Context, id string) (runscState, bool, error) {
	all, err := r.listJSON(ctx)
	if err != nil {
		return runscState{}, false, err
	}
	for _, st := range all {
		if st.ID == id {
			return st, true, nil
		}
	}
	return runscState{}, false, nil
}

func (r *Runsc) listJSON(ctx context.Context) ([]runscState, error) {
	if _, err := os.Stat(r.Root); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	out, errOut, err := r.run(ctx, "list", "-format", "json")
	if err != nil {
		return nil, fmt.Errorf("runsc list: %v: %s", err, strings.TrimSpace(errOut))
	}
	var all []runscState
	if strings.TrimSpace(out) == "null" || strings.TrimSpace(out) == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		return nil, fmt.Errorf("runsc list: %v in %q", err, out)
	}
	return all, nil
}

// Status returns runsc's state of exactly id (Absent when runsc does not know it).
func (r *Runsc) Status(ctx context.Context, id string) (fsm.State, error) {
	st, ok, err := r.state(ctx, id)
	if err != nil || !ok {
		return fsm.Absent, err
	}
	s, known := runscStatus[st.Status]
	if !known {
		return fsm.Absent, fmt.Errorf("runsc state %s: status %q", id, st.Status)
	}
	return s, nil
}

// Snapshot maps every container runsc knows under Root to its state.
func (r *Runsc) Snapshot(ctx context.Context) (map[string]fsm.State, error) {
	all, err := r.listJSON(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]fsm.State, len(all))
	for _, st := range all {
		s, known := runscStatus[st.Status]
		if !known {
			return nil, fmt.Errorf("runsc list: %s has status %q", st.ID, st.Status)
		}
		out[st.ID] = s
	}
	return out, nil
}

// List returns the IDs runsc knows under Root.
func (r *Runsc) List(ctx context.Context) ([]string, error) {
	all, err := r.listJSON(ctx)
	ids := make([]string, 0, len(all))
	for _, st := range all {
		ids = append(ids, st.ID)
	}
	return ids, err
}

// KillSandbox SIGKILLs the sandbox process of id from outside and waits until
// runsc reports it stopped.
func (r *Runsc) KillSandbox(ctx context.Context, id string) error {
	st, ok, err := r.state(ctx, id)
	if err != nil {
		return err
	}
	if !ok || st.Pid <= 0 {
		return fmt.Errorf("%s: %w", id, ErrNoSandbox)
	}
	if err := syscall.Kill(st.Pid, syscall.SIGKILL); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("%s: %w", id, ErrNoSandbox) // died meanwhile
		}
		return fmt.Errorf("kill -9 %d (%s): %w", st.Pid, id, err)
	}
	// Wait until runsc reports the death, except for a paused container:
	// this runsc goes on reporting it paused; then wait for the process.
	return r.waitStatus(ctx, id, 5*time.Millisecond, fmt.Sprintf("%s's sandbox %d did not die", id, st.Pid), func(s fsm.State) bool {
		if s != fsm.Paused {
			return false
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", st.Pid))
		if err != nil {
			return true
		}
		_, rest, ok := bytes.Cut(b, []byte(") "))
		return ok && len(rest) > 0 && rest[0] == 'Z'
	})
}

// WorkloadExit makes id's workload exit by creating ExitFile inside it.
func (r *Runsc) WorkloadExit(ctx context.Context, id string) error {
	if r.ExitFile == "" {
		return errors.New("no exit file: the workload cannot be told to exit")
	}
	if _, errOut, err := r.run(ctx, "exec", id, "/bin/touch", r.ExitFile); err != nil {
		// The workload may exit (and the sandbox with it) before exec has
		// reported back: then exec fails with the exit file written.
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if r.waitStopped(wctx, id) == nil {
			return nil
		}
		return fmt.Errorf("runsc exec %s touch: %v: %s", id, err, strings.TrimSpace(errOut))
	}
	return r.waitStopped(ctx, id)
}

func (r *Runsc) waitStopped(ctx context.Context, id string) error {
	return r.waitStatus(ctx, id, 10*time.Millisecond, id+" did not stop", func(fsm.State) bool { return false })
}

// waitStatus polls runsc every tick until id is stopped or gone, or done says
// its status will do; what says what did not happen when ctx ends first.
func (r *Runsc) waitStatus(ctx context.Context, id string, tick time.Duration, what string, done func(fsm.State) bool) error {
	for {
		s, err := r.Status(ctx, id)
		if err != nil {
			return err
		}
		if s == fsm.Stopped || s == fsm.Absent || done(s) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(tick):
		}
	}
}

// Processes returns the sandbox and gofer processes running for Root, known
// to runsc or not: a runsc killed in the middle of create leaves a sandbox
// that `runsc list` does not show (and whose ID then cannot be created again:
// its control socket is still bound).
func (r *Runsc) Processes() ([]string, error) {
	return r.sandboxes(procfs.Pids()), nil
}

// sandboxes keeps, of pids, the sandbox and gofer processes running for Root.
func (r *Runsc) sandboxes(pids []int) []string {
	var out []string
	want := []byte("--root=" + r.Root + "\x00")
	for _, pid := range pids {
		cmdline, err := procfs.ReadFile("/proc/"+strconv.Itoa(pid)+"/cmdline", nil)
		if err != nil || !bytes.Contains(cmdline, want) {
			continue
		}
		name, _, _ := bytes.Cut(cmdline, []byte{0})
		if bytes.HasPrefix(name, []byte("runsc-sandbox")) || bytes.HasPrefix(name, []byte("runsc-gofer")) {
			out = append(out, strconv.Itoa(pid)+" "+string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		}
	}
	return out
}

// OwnProcesses is Processes for a process that is the child subreaper of its
// runsc's sandboxes (as the runtime makes it): every sandbox is then one of
// its descendants, and reading their children lists is much cheaper than
// every process's command line. It falls back to Processes otherwise.
func (r *Runsc) OwnProcesses() ([]string, error) {
	var reaper int
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prGetChildSubreaper, uintptr(unsafe.Pointer(&reaper)), 0); errno != 0 || reaper == 0 {
		return r.Processes()
	}
	return r.sandboxes(descendantsOf(os.Getpid())), nil
}

// descendantsOf lists pid's descendants, parents before children, from the
// children lists of pid and of each descendant found.
func descendantsOf(pid int) []int {
	var pids []int
	queue := []int{pid}
	for len(queue) > 0 {
		kids, _ := procfs.Children(queue[0])
		queue = append(queue[1:], kids...)
		pids = append(pids, kids...)
	}
	return pids
}

// prGetChildSubreaper is prctl's PR_GET_CHILD_SUBREAPER.
const prGetChildSubreaper = 37

// Sweep force-deletes every container under Root, kills any sandbox or gofer
// process still running for Root, and removes Root: the hard cleanup after a
// case, whatever the wrapper did. It reports what it had to clean up, so a
// caller can tell a leak from a clean exit.
func (r *Runsc) Sweep(ctx context.Context) (leaked []string, err error) {
	ids, err := r.List(ctx)
	for _, id := range ids {
		leaked = append(leaked, "container "+id)
		if _, errOut, derr := r.run(ctx, "delete", "-force", id); derr != nil {
			err = errors.Join(err, fmt.Errorf("runsc delete -force %s: %v: %s", id, derr, strings.TrimSpace(errOut)))
		}
	}
	procs, perr := r.Processes()
	for _, p := range procs {
		leaked = append(leaked, "process "+p)
		pid, _, _ := strings.Cut(p, " ")
		n, _ := strconv.Atoi(pid)
		_ = syscall.Kill(n, syscall.SIGKILL)
	}
	return leaked, errors.Join(err, perr, os.RemoveAll(r.Root))
}

// BusyboxBundle writes an OCI bundle under dir whose workload runs until the
// file exitFile appears inside the container (on a tmpfs), then exits 3.
// It returns the bundle directory.
func BusyboxBundle(dir, busybox, exitFile string) (string, error) {
	script := fmt.Sprintf("while [ ! -e %s ]; do sleep 0.05; done; exit 3", exitFile)
	return BusyboxScriptBundle(filepath.Join(dir, "bundle"), busybox, script, filepath.Dir(exitFile))
}

// BusyboxScriptBundle writes an OCI bundle at bundle whose workload is
// `sh -c script`, with a tmpfs at tmpDir.
func BusyboxScriptBundle(bundle, busybox, script, tmpDir string) (string, error) {
	bin := filepath.Join(bundle, "rootfs", "bin")
	for _, d := range []string{bin, filepath.Join(bundle, "rootfs", "tmp"), filepath.Join(bundle, "rootfs", "proc"), filepath.Join(bundle, "rootfs", "dev")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	data, err := os.ReadFile(busybox)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(bin, "busybox"), data, 0o755); err != nil {
		return "", err
	}
	for _, applet := range []string{"sh", "sleep", "touch", "true"} {
		if err := os.Symlink("busybox", filepath.Join(bin, applet)); err != nil {
			return "", err
		}
	}
	config := map[string]any{
		"ociVersion": "1.0.2",
		"process": map[string]any{
			"user": map[string]int{"uid": 0, "gid": 0},
			"args": []string{"/bin/sh", "-c", script},
			"env":  []string{"PATH=/bin"},
			"cwd":  "/",
		},
		"root":     map[string]any{"path": "rootfs", "readonly": true},
		"hostname": "conformance",
		"mounts": []map[string]string{
			{"destination": "/proc", "type": "proc", "source": "proc"},
			{"destination": tmpDir, "type": "tmpfs", "source": "tmpfs"},
			{"destination": "/dev", "type": "tmpfs", "source": "tmpfs"},
		},
		"linux": map[string]any{
			"namespaces": []map[string]string{{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network"}},
		},
	}
	b, err := json.MarshalIndent(config, "", "  ")
	if err != nil {
		return "", err
	}
	return bundle, os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o644)
}
