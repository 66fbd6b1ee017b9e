package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

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
}

func (r *Runsc) run(ctx context.Context, args ...string) (stdout, stderr string, err error) {
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

var runscStatus = map[string]State{"created": Created, "running": Running, "paused": Paused, "stopped": Stopped}

func (r *Runsc) state(ctx context.Context, id string) (runscState, bool, error) {
	var st runscState
	if _, err := os.Stat(r.Root); errors.Is(err, os.ErrNotExist) {
		return st, false, nil
	}
	out, errOut, err := r.run(ctx, "state", id)
	if err != nil {
		// runsc matches ID prefixes: an ambiguous prefix is not id either.
		if strings.Contains(errOut, "does not exist") || strings.Contains(errOut, "ambiguous") {
			return st, false, nil
		}
		return st, false, fmt.Errorf("runsc state %s: %v: %s", id, err, strings.TrimSpace(errOut))
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return st, false, fmt.Errorf("runsc state %s: %v in %q", id, err, out)
	}
	if st.ID != id {
		return st, false, nil // a prefix match: another container
	}
	return st, true, nil
}

// Status returns runsc's state of exactly id (Absent when runsc does not know it).
func (r *Runsc) Status(ctx context.Context, id string) (State, error) {
	st, ok, err := r.state(ctx, id)
	if err != nil || !ok {
		return Absent, err
	}
	s, known := runscStatus[st.Status]
	if !known {
		return Absent, fmt.Errorf("runsc state %s: status %q", id, st.Status)
	}
	return s, nil
}

// List returns the IDs runsc knows under Root.
func (r *Runsc) List(ctx context.Context) ([]string, error) {
	if _, err := os.Stat(r.Root); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	out, errOut, err := r.run(ctx, "list", "-quiet")
	if err != nil {
		return nil, fmt.Errorf("runsc list: %v: %s", err, strings.TrimSpace(errOut))
	}
	return strings.Fields(out), nil
}

// KillSandbox SIGKILLs the sandbox process of id from outside and waits until
// runsc reports it stopped.
func (r *Runsc) KillSandbox(ctx context.Context, id string) error {
	st, ok, err := r.state(ctx, id)
	if err != nil {
		return err
	}
	if !ok || st.Pid <= 0 {
		return fmt.Errorf("%s has no sandbox process", id)
	}
	if err := syscall.Kill(st.Pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill -9 %d (%s): %w", st.Pid, id, err)
	}
	return r.waitStopped(ctx, id)
}

// WorkloadExit makes id's workload exit by creating ExitFile inside it.
func (r *Runsc) WorkloadExit(ctx context.Context, id string) error {
	if r.ExitFile == "" {
		return errors.New("no exit file: the workload cannot be told to exit")
	}
	if _, errOut, err := r.run(ctx, "exec", id, "/bin/touch", r.ExitFile); err != nil {
		return fmt.Errorf("runsc exec %s touch: %v: %s", id, err, strings.TrimSpace(errOut))
	}
	return r.waitStopped(ctx, id)
}

func (r *Runsc) waitStopped(ctx context.Context, id string) error {
	for {
		s, err := r.Status(ctx, id)
		if err != nil {
			return err
		}
		if s == Stopped || s == Absent {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not stop: %w", id, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Sweep force-deletes every container under Root and removes Root: the hard
// cleanup after a case, whatever the wrapper did. It reports what it had to
// delete, so a caller can tell a leak from a clean exit.
func (r *Runsc) Sweep(ctx context.Context) (leaked []string, err error) {
	ids, err := r.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, errOut, err := r.run(ctx, "delete", "-force", id); err != nil {
			return ids, fmt.Errorf("runsc delete -force %s: %v: %s", id, err, strings.TrimSpace(errOut))
		}
	}
	return ids, os.RemoveAll(r.Root)
}

// BusyboxBundle writes an OCI bundle under dir whose workload runs until the
// file exitFile appears inside the container (on a tmpfs), then exits 3.
// It returns the bundle directory.
func BusyboxBundle(dir, busybox, exitFile string) (string, error) {
	bundle := filepath.Join(dir, "bundle")
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
	script := fmt.Sprintf("while [ ! -e %s ]; do sleep 0.05; done; exit 3", exitFile)
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
			{"destination": filepath.Dir(exitFile), "type": "tmpfs", "source": "tmpfs"},
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
