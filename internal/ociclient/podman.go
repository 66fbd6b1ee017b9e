package ociclient

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Podman runs Debian's podman with one OCI runtime binary, in storage of its own: every
// command gets --root, --runroot and --tmpdir under Dir, vfs storage, the cgroupfs cgroup
// manager and the file events backend, so nothing reads or writes the host's podman state
// and no systemd or journald is needed.
type Podman struct {
	// Runtime is the OCI runtime binary podman runs (its --runtime).
	Runtime string
	// Dir holds podman's state; Close removes it.
	Dir string
}

// NewPodman returns a Podman running runtime with its state under dir (created). podman
// refuses a run root longer than 50 characters: dir/runroot must be shorter.
func NewPodman(dir, runtime string) (*Podman, error) {
	for _, d := range []string{"root", "runroot", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	return &Podman{Runtime: runtime, Dir: dir}, nil
}

// GlobalFlags are the flags that put podman in the state under Dir with Runtime.
func (p *Podman) GlobalFlags() []string {
	return []string{
		"--root", filepath.Join(p.Dir, "root"),
		"--runroot", filepath.Join(p.Dir, "runroot"),
		"--tmpdir", filepath.Join(p.Dir, "tmp"),
		"--storage-driver", "vfs",
		"--cgroup-manager", "cgroupfs",
		"--events-backend", "file",
		"--runtime", p.Runtime,
	}
}

// Command returns the podman command with args after the global flags.
func (p *Podman) Command(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "podman", append(p.GlobalFlags(), args...)...)
}

// Run runs podman with args to the end; a non-zero exit status is in the Result.
func (p *Podman) Run(ctx context.Context, args ...string) (*Result, error) {
	return run(ctx, p.Command(ctx, args...))
}

// RunRootfs is `podman run --network none --rootfs rootfs` with flags before the rootfs
// (--rm, -d, --name ...) and argv as the container's command.
func (p *Podman) RunRootfs(ctx context.Context, flags []string, rootfs string, argv ...string) (*Result, error) {
	args := append([]string{"run", "--network", "none"}, flags...)
	args = append(append(args, "--rootfs", rootfs), argv...)
	return p.Run(ctx, args...)
}

// Close force-removes every container this Podman made (their runtime's delete --force
// and conmon's exit), then removes Dir.
func (p *Podman) Close(ctx context.Context) error {
	r, err := p.Run(ctx, "rm", "--all", "--force", "--time", "0")
	if err == nil && r.ExitCode != 0 {
		err = fmt.Errorf("ociclient: %s", r)
	}
	if rerr := os.RemoveAll(p.Dir); err == nil {
		err = rerr
	}
	return err
}
