package ociclient_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/ociclient"
)

// ctrMust runs ctr with args and fails t unless it exits with code; it returns stdout.
func ctrMust(t *testing.T, ctx context.Context, c *ociclient.Containerd, code int, args ...string) string {
	t.Helper()
	r, err := c.Ctr(ctx, args...)
	return exited(t, code, r, err)
}

// taskStatus is the STATUS column of `ctr tasks ls` for id ("" if it has no task).
func taskStatus(t *testing.T, ctx context.Context, c *ociclient.Containerd, id string) string {
	t.Helper()
	for _, line := range strings.Split(ctrMust(t, ctx, c, 0, "tasks", "ls"), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == id {
			return f[2]
		}
	}
	return ""
}

// TestContainerd drives each runtime under test through containerd's runc v2 shim, with
// ctr, on an image built here with umoci and imported from its OCI layout: foreground runs
// with their exit codes, and a detached task paused, resumed, exec'd into, killed and
// deleted. containerd is started for the test with its own configuration, state and
// socket, and stopped after.
func TestContainerd(t *testing.T) {
	need(t, "containerd", "ctr", "containerd-shim-runc-v2", "umoci", "tar")
	ctx := ctxFor(t, 10*time.Minute)
	img := tempDir(t)
	layout, archive := filepath.Join(img, "layout"), filepath.Join(img, "image.tar")
	if err := ociclient.Layout(ctx, layout, "latest", img, "/bin/true"); err != nil {
		t.Fatal(err)
	}
	if err := ociclient.ArchiveLayout(ctx, layout, archive); err != nil {
		t.Fatal(err)
	}
	const image = "gvisorfsm.test/busybox:latest"
	for _, sub := range subjects(t, tempDir(t)) {
		t.Run(sub.name, func(t *testing.T) {
			dir := tempDir(t)
			state := filepath.Join(dir, "containerd")
			noLeftovers(t, dir, state)
			c, err := ociclient.StartContainerd(ctx, state, uniqueName("gvfsm"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				if err := c.Stop(ctx); err != nil {
					t.Errorf("stopping containerd: %v", err)
				}
				if d := ociclient.CgroupDirs(c.Namespace); len(d) > 0 {
					t.Errorf("cgroups of namespace %s left: %v", c.Namespace, d)
				}
			})
			if err := c.Import(ctx, archive, "gvisorfsm.test/busybox"); err != nil {
				t.Fatal(err)
			}
			run := func(t *testing.T, code int, flags []string, argv ...string) string {
				t.Helper()
				args := append(append([]string{"run"}, flags...), c.RunFlags(sub.path)...)
				return ctrMust(t, ctx, c, code, append(append(args, image, uniqueName("gvfsm-ctr")), argv...)...)
			}
			t.Run("run-rm-image-cmd", func(t *testing.T) {
				run(t, 0, []string{"--rm"})
			})
			t.Run("run-rm-exit-4", func(t *testing.T) {
				if out := run(t, 4, []string{"--rm"}, "sh", "-c", "echo hello; exit 4"); out != "hello" {
					t.Errorf("stdout %q, want hello", out)
				}
			})
			t.Run("detached", func(t *testing.T) {
				id := uniqueName("gvfsm-ctr")
				args := append(append([]string{"run", "--detach", "--null-io"}, c.RunFlags(sub.path)...), image, id, "sleep", "600")
				ctrMust(t, ctx, c, 0, args...)
				if s := taskStatus(t, ctx, c, id); s != "RUNNING" {
					t.Fatalf("task is %q, want RUNNING", s)
				}
				ctrMust(t, ctx, c, 0, "tasks", "pause", id)
				if s := taskStatus(t, ctx, c, id); s != "PAUSED" {
					t.Errorf("paused task is %q", s)
				}
				ctrMust(t, ctx, c, 0, "tasks", "resume", id)
				if s := taskStatus(t, ctx, c, id); s != "RUNNING" {
					t.Errorf("resumed task is %q", s)
				}
				if !sub.noExec {
					if out := ctrMust(t, ctx, c, 0, "tasks", "exec", "--exec-id", "e1", id, "sh", "-c", "echo $((6*7))"); out != "42" {
						t.Errorf("exec printed %q, want 42", out)
					}
				}
				ctrMust(t, ctx, c, 0, "tasks", "kill", "--signal", "SIGKILL", id)
				deadline := time.Now().Add(30 * time.Second)
				for taskStatus(t, ctx, c, id) != "STOPPED" {
					if time.Now().After(deadline) {
						t.Fatalf("task still %q 30 s after SIGKILL", taskStatus(t, ctx, c, id))
					}
					time.Sleep(200 * time.Millisecond)
				}
				ctrMust(t, ctx, c, 0, "tasks", "delete", id)
				ctrMust(t, ctx, c, 0, "containers", "delete", id)
			})
		})
	}
}
