package ociclient_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/ociclient"
)

// newPodman gives t a Podman running sub with its state in a short temporary directory and
// a rootfs under dir to run, and checks at the end that the containers, their sandboxes
// and podman's state are gone.
func newPodman(t testing.TB, dir string, sub subject) (p *ociclient.Podman, rootfs string) {
	t.Helper()
	rootfs = filepath.Join(dir, "rootfs")
	if err := ociclient.Rootfs(rootfs); err != nil {
		t.Fatal(err)
	}
	// Not under dir: podman refuses a --runroot longer than 50 characters.
	state, err := os.MkdirTemp("", "ocipodman-")
	if err != nil {
		t.Fatal(err)
	}
	noLeftovers(t, dir, state)
	p, err = ociclient.NewPodman(state, sub.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := p.Close(ctx); err != nil {
			t.Errorf("closing podman: %v", err)
		}
	})
	return p, rootfs
}

// must runs podman with args and fails t unless it exits with code; it returns stdout.
func must(t *testing.T, ctx context.Context, p *ociclient.Podman, code int, args ...string) string {
	t.Helper()
	r, err := p.Run(ctx, args...)
	return exited(t, code, r, err)
}

// exited fails t unless a client command ran and exited with code; it returns stdout.
func exited(t *testing.T, code int, r *ociclient.Result, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if r.ExitCode != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
	return strings.TrimSpace(r.Stdout)
}

func status(t *testing.T, ctx context.Context, p *ociclient.Podman, name string) string {
	t.Helper()
	return must(t, ctx, p, 0, "inspect", "--format", "{{.State.Status}}", name)
}

// TestPodman drives each runtime under test through podman as people use it: foreground
// runs with their exit codes, a detached container stopped, killed, paused and resumed,
// exec'd into and force-removed.
func TestPodman(t *testing.T) {
	need(t, "podman", "conmon")
	for _, sub := range subjects(t, tempDir(t)) {
		t.Run(sub.name, func(t *testing.T) {
			ctx := ctxFor(t, 5*time.Minute)
			p, rootfs := newPodman(t, tempDir(t), sub)
			detached := func(t *testing.T) string {
				t.Helper()
				name := uniqueName("gvfsm-podman")
				must(t, ctx, p, 0, "run", "--detach", "--name", name, "--network", "none", "--rootfs", rootfs, "sleep", "600")
				if s := status(t, ctx, p, name); s != "running" {
					t.Fatalf("detached container is %q, want running", s)
				}
				if ents, err := os.ReadDir(sub.root); err != nil || len(ents) == 0 {
					t.Fatalf("the runtime keeps no state in its own root %s (%v): it would share the host's", sub.root, err)
				}
				return name
			}
			t.Run("run-rm-exit-0", func(t *testing.T) {
				out := must(t, ctx, p, 0, "run", "--rm", "--network", "none", "--rootfs", rootfs, "sh", "-c", "echo hello; true")
				if out != "hello" {
					t.Errorf("stdout %q, want hello", out)
				}
			})
			t.Run("run-rm-exit-3", func(t *testing.T) {
				must(t, ctx, p, 3, "run", "--rm", "--network", "none", "--rootfs", rootfs, "sh", "-c", "exit 3")
			})
			t.Run("stop", func(t *testing.T) {
				name := detached(t)
				must(t, ctx, p, 0, "stop", "--time", "2", name)
				if s := status(t, ctx, p, name); s != "exited" {
					t.Errorf("stopped container is %q, want exited", s)
				}
				if code := must(t, ctx, p, 0, "inspect", "--format", "{{.State.ExitCode}}", name); code == "0" {
					t.Errorf("stopped container's exit code is 0, want a signal's")
				}
				must(t, ctx, p, 0, "rm", name)
			})
			t.Run("kill", func(t *testing.T) {
				name := detached(t)
				must(t, ctx, p, 0, "kill", name)
				if code := must(t, ctx, p, 0, "wait", name); code != "137" {
					t.Errorf("podman wait after kill: %q, want 137 (SIGKILL)", code)
				}
				must(t, ctx, p, 0, "rm", name)
			})
			t.Run("pause-unpause", func(t *testing.T) {
				name := detached(t)
				must(t, ctx, p, 0, "pause", name)
				if s := status(t, ctx, p, name); s != "paused" {
					t.Errorf("paused container is %q", s)
				}
				must(t, ctx, p, 0, "unpause", name)
				if s := status(t, ctx, p, name); s != "running" {
					t.Errorf("unpaused container is %q", s)
				}
				if !sub.noExec {
					if out := must(t, ctx, p, 0, "exec", name, "echo", "alive"); out != "alive" {
						t.Errorf("exec after unpause printed %q", out)
					}
				}
				must(t, ctx, p, 0, "rm", "--force", "--time", "0", name)
			})
			t.Run("exec", func(t *testing.T) {
				needExec(t, sub)
				name := detached(t)
				if out := must(t, ctx, p, 0, "exec", name, "sh", "-c", "echo $((6*7))"); out != "42" {
					t.Errorf("exec printed %q, want 42", out)
				}
				must(t, ctx, p, 5, "exec", name, "sh", "-c", "exit 5")
				must(t, ctx, p, 0, "rm", "--force", "--time", "0", name)
			})
			t.Run("rm-force", func(t *testing.T) {
				name := detached(t)
				must(t, ctx, p, 0, "rm", "--force", "--time", "0", name)
				must(t, ctx, p, 1, "container", "exists", name)
			})
		})
	}
}

// BenchmarkPodmanRunTrue is the cost of one `podman run --rm --network none --rootfs DIR
// true` through each runtime under test, side by side in one run.
func BenchmarkPodmanRunTrue(b *testing.B) {
	need(b, "podman", "conmon")
	for _, sub := range subjects(b, tempDir(b)) {
		b.Run(sub.name, func(b *testing.B) {
			p, rootfs := newPodman(b, tempDir(b), sub)
			ctx := context.Background()
			for b.Loop() {
				r, err := p.RunRootfs(ctx, []string{"--rm"}, rootfs, "true")
				if err != nil {
					b.Fatal(err)
				}
				if r.ExitCode != 0 {
					b.Fatal(r)
				}
			}
		})
	}
}
