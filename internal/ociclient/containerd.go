package ociclient

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Containerd is a containerd daemon of the caller's own: its configuration, root, state
// directory and socket are under Dir, and ctr commands name its socket and one namespace.
// The runc v2 shim keeps its sockets in /run/containerd/s whatever the configuration (it
// is compiled in); they live only as long as the shim.
type Containerd struct {
	// Dir holds the daemon's configuration, root, state and socket; Stop removes it.
	Dir string
	// Address is the daemon's gRPC socket.
	Address string
	// Namespace is the containerd namespace every Ctr command uses.
	Namespace string

	cmd  *exec.Cmd
	done chan error
}

// containerdConfig leaves out the CRI plugin (no Kubernetes here) and the snapshotters
// this host has no use for, and gives every address a path under the daemon's directory.
const containerdConfig = `version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = %q
[ttrpc]
  address = %q
[debug]
  address = ""
[metrics]
  address = ""
`

// StartContainerd writes a configuration under dir (created), starts containerd on it and
// waits until it answers; namespace is the namespace Ctr uses. The daemon's log is
// dir/containerd.log.
func StartContainerd(ctx context.Context, dir, namespace string) (*Containerd, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	c := &Containerd{Dir: dir, Address: filepath.Join(dir, "containerd.sock"), Namespace: namespace, done: make(chan error, 1)}
	conf := filepath.Join(dir, "config.toml")
	text := fmt.Sprintf(containerdConfig, filepath.Join(dir, "root"), filepath.Join(dir, "state"), c.Address, c.Address+".ttrpc")
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	// Not CommandContext: the daemon outlives ctx's first use; Stop ends it.
	c.cmd = exec.Command("containerd", "--config", conf)
	c.cmd.Stdout, c.cmd.Stderr = log, log
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("ociclient: starting containerd: %w", err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	for {
		r, err := c.Ctr(ctx, "version")
		if err == nil && r.ExitCode == 0 {
			return c, nil
		}
		select {
		case err := <-c.done:
			c.done <- err
			out, _ := os.ReadFile(filepath.Join(dir, "containerd.log"))
			return nil, fmt.Errorf("ociclient: containerd exited at start (%v): %s", err, tail(string(out), 2000))
		case <-ctx.Done():
			_ = c.Stop(context.Background())
			return nil, fmt.Errorf("ociclient: waiting for containerd: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Ctr runs `ctr --address Address --namespace Namespace args...` to the end.
func (c *Containerd) Ctr(ctx context.Context, args ...string) (*Result, error) {
	return run(ctx, exec.CommandContext(ctx, "ctr", append([]string{"--address", c.Address, "--namespace", c.Namespace}, args...)...))
}

// RunFlags are the `ctr run` flags that run a container through the runc v2 shim with
// runtime as its runc binary, with the runtime's root and the IO fifos under Dir and the
// native snapshotter (plain directories: no overlay mounts to leave behind).
func (c *Containerd) RunFlags(runtime string) []string {
	return []string{
		"--runc-binary", runtime,
		"--runc-root", filepath.Join(c.Dir, "runc"),
		"--fifo-dir", filepath.Join(c.Dir, "fifo"),
		"--snapshotter", "native",
	}
}

// Import imports the image archive tarPath (an OCI layout as ArchiveLayout writes it),
// naming its tags under baseName (baseName:tag), unpacked for the native snapshotter.
func (c *Containerd) Import(ctx context.Context, tarPath, baseName string) error {
	r, err := c.Ctr(ctx, "images", "import", "--snapshotter", "native", "--base-name", baseName, tarPath)
	if err == nil && r.ExitCode != 0 {
		err = fmt.Errorf("ociclient: %s", r)
	}
	return err
}

// Stop kills and deletes every task and container in Namespace (so that no shim and no
// sandbox outlives the daemon), ends the daemon, removes Dir, and removes the cgroups
// named after Namespace: the runc shim puts each container in /NAMESPACE/ID, and runsc
// removes only the ID level.
func (c *Containerd) Stop(ctx context.Context) error {
	var errs []error
	if r, err := c.Ctr(ctx, "tasks", "ls", "--quiet"); err == nil && r.ExitCode == 0 {
		for _, id := range strings.Fields(r.Stdout) {
			if r, err := c.Ctr(ctx, "tasks", "delete", "--force", id); err != nil || r.ExitCode != 0 {
				errs = append(errs, fmt.Errorf("ociclient: deleting task %s: %v %v", id, err, r))
			}
		}
	}
	if r, err := c.Ctr(ctx, "containers", "ls", "--quiet"); err == nil && r.ExitCode == 0 {
		for _, id := range strings.Fields(r.Stdout) {
			if r, err := c.Ctr(ctx, "containers", "delete", id); err != nil || r.ExitCode != 0 {
				errs = append(errs, fmt.Errorf("ociclient: deleting container %s: %v %v", id, err, r))
			}
		}
	}
	if c.cmd != nil && c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.done
			errs = append(errs, errors.New("ociclient: containerd ignored SIGTERM for 10 s"))
		}
		c.done <- nil // a second Stop does not wait again
	}
	if err := os.RemoveAll(c.Dir); err != nil {
		errs = append(errs, err)
	}
	if err := RemoveCgroups(c.Namespace); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
