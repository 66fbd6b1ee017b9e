package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/runsctest"
	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// realClient is a client of the command on the runsc under test (RUNSC), with its own
// root and trace directory; its cleanup checks that nothing is left.
func realClient(t *testing.T) (client, string) {
	t.Helper()
	runsc := runsctest.Need(t)
	root := filepath.Join(t.TempDir(), "root")
	traces := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "oci.json")
	if err := os.WriteFile(cfg, []byte(`{"trace_dir": "`+traces+`", "platform": "ptrace"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := client{t: t, bin: binary(t), global: []string{"--root", root, "--runsc", runsc, "--config", cfg}}
	t.Cleanup(func() { checkNoLeaks(t, runsc, root) })
	return c, traces
}

// checkNoLeaks: no runsc process names the root, runsc lists nothing under it, no
// mount is left in it, no container directory.
func checkNoLeaks(t *testing.T, runsc, root string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var procs []string
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err == nil && strings.Contains(string(cmdline), root) {
				procs = append(procs, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
			}
		}
		if len(procs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("processes left using %s:\n%s", root, strings.Join(procs, "\n"))
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	out, _ := exec.Command(runsc, "--root", filepath.Join(root, "runsc"), "list", "-quiet").Output()
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("runsc still lists containers under the root: %s", s)
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mounts), root) {
		t.Errorf("mounts left under %s", root)
	}
	if left, _ := os.ReadDir(filepath.Join(root, "containers")); len(left) != 0 {
		t.Errorf("container directories left: %v", left)
	}
}

// busyboxBundle is a bundle whose rootfs holds busybox-static.
func busyboxBundle(t *testing.T, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "rootfs", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(runsctest.Busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"sh", "sleep", "true"} {
		os.Symlink("busybox", filepath.Join(bin, l))
	}
	if _, err := runtime.BuildBundle(dir, runtime.BundleSpec{Args: args, Hostname: "box"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRealLifecycle drives the command on the real runsc as a client would, one process
// per step: create, the refusals of runsc's traps, start, pause, resume, kill, the exit
// observed by state, delete; a run --detach deleted by force; a foreground run whose
// workload exits 3. Every trace validates against the spec, and nothing is left.
func TestRealLifecycle(t *testing.T) {
	c, traces := realClient(t)
	t.Logf("runsc: %s", runsctest.Version())
	id := "oci-" + runtime.NewID()
	pidFile := filepath.Join(t.TempDir(), "pid")
	c.must("create", "--bundle", busyboxBundle(t, "sleep", "3600"), "--pid-file", pidFile, id)
	if data, err := os.ReadFile(pidFile); err != nil || len(data) == 0 {
		t.Fatalf("pid file: %q %v", data, err)
	}
	for _, bad := range [][]string{{"pause", id}, {"delete", id}, {"create", "--bundle", busyboxBundle(t, "true"), id}} {
		if r := c.run(bad...); r.code != 1 {
			t.Fatalf("%v: exit %d, want 1 (refused)", bad, r.code)
		}
	}
	if st := c.status(id); st != "created" {
		t.Fatalf("after the refusals: %s, want created (runsc's traps not sprung)", st)
	}
	c.must("start", id)
	c.must("pause", id)
	if st := c.status(id); st != "paused" {
		t.Fatalf("after pause: %s", st)
	}
	c.must("resume", id)
	c.must("kill", id, "KILL")
	deadline := time.Now().Add(10 * time.Second)
	for c.status(id) != "stopped" {
		if time.Now().After(deadline) {
			t.Fatal("not stopped 10s after kill")
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.must("delete", id)

	id2 := "oci-" + runtime.NewID()
	c.must("run", "--detach", "--bundle", busyboxBundle(t, "sleep", "3600"), id2)
	if st := c.status(id2); st != "running" {
		t.Fatalf("after run --detach: %s", st)
	}
	c.must("delete", "--force", id2)

	id3 := "oci-" + runtime.NewID()
	if r := c.run("run", "--bundle", busyboxBundle(t, "sh", "-c", "exit 3"), id3); r.code != 3 {
		t.Fatalf("run of a workload exiting 3: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := validateTraces(t, traces); n != 3 {
		t.Fatalf("%d traces, want 3", n)
	}
}

// TestRealKillCreated: a client's cleanup of a container it created but did not start
// (kill KILL, wait for stopped, delete: the validation suite's, runc's) works on the
// real runsc of either line: the container stops, a plain delete removes it, nothing
// of its sandbox or gofer is left, and the trace validates.
func TestRealKillCreated(t *testing.T) {
	c, traces := realClient(t)
	id := "oci-" + runtime.NewID()
	c.must("create", "--bundle", busyboxBundle(t, "sleep", "3600"), id)
	c.must("kill", id, "KILL")
	if st := c.status(id); st != "stopped" {
		t.Fatalf("after kill of the created container: %s, want stopped", st)
	}
	c.must("delete", id)
	if n := validateTraces(t, traces); n != 1 {
		t.Fatalf("%d traces, want 1", n)
	}
}
