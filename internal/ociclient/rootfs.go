package ociclient

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Busybox is busybox-static, the only program in the rootfs the helpers build.
const Busybox = "/usr/bin/busybox"

// Applets are the busybox applets Rootfs links into bin/: what the checks run in
// containers.
var Applets = []string{"sh", "true", "false", "sleep", "echo", "cat", "hostname", "ls"}

// Rootfs fills dir (created if missing) with a minimal root filesystem: busybox-static as
// bin/busybox, a symlink per applet, and the empty directories a runtime mounts over.
func Rootfs(dir string) error {
	for _, d := range []string{"bin", "dev", "proc", "sys", "tmp", "etc", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(Busybox)
	if err != nil {
		return fmt.Errorf("ociclient: %w (apt-get install busybox-static)", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "busybox"), data, 0o755); err != nil {
		return err
	}
	for _, a := range Applets {
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", a)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	return nil
}

// Layout makes an OCI image layout at layout holding one image tagged tag, whose only
// layer is a Rootfs and whose default command is cmd, with Debian's umoci: no registry and
// no network. work is a scratch directory umoci unpacks into; it is removed after.
func Layout(ctx context.Context, layout, tag, work string, cmd ...string) error {
	ref := layout + ":" + tag
	bundle := filepath.Join(work, "umoci-bundle")
	steps := [][]string{
		{"init", "--layout", layout},
		{"new", "--image", ref},
		{"unpack", "--image", ref, bundle},
	}
	for _, s := range steps {
		if err := umoci(ctx, s...); err != nil {
			return err
		}
	}
	defer os.RemoveAll(bundle)
	if err := Rootfs(filepath.Join(bundle, "rootfs")); err != nil {
		return err
	}
	steps = [][]string{
		{"repack", "--image", ref, bundle},
		append([]string{"config", "--image", ref}, cmdFlags(cmd)...),
		{"gc", "--layout", layout},
	}
	for _, s := range steps {
		if err := umoci(ctx, s...); err != nil {
			return err
		}
	}
	return nil
}

func cmdFlags(cmd []string) []string {
	var f []string
	for _, c := range cmd {
		f = append(f, "--config.cmd", c)
	}
	return f
}

func umoci(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "umoci", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ociclient: umoci %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// ArchiveLayout writes the image layout at layout as the tar archive tarPath, the form
// `ctr images import` reads.
func ArchiveLayout(ctx context.Context, layout, tarPath string) error {
	out, err := exec.CommandContext(ctx, "tar", "-C", layout, "-cf", tarPath, ".").CombinedOutput()
	if err != nil {
		return fmt.Errorf("ociclient: archiving %s: %w: %s", layout, err, out)
	}
	return nil
}
