package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// fakeClient is a client of the command on a fresh fake runsc, with its own root and
// trace directory.
func fakeClient(t *testing.T) (client, string, string) {
	t.Helper()
	fake := fakerunsc.Build(t)
	root := filepath.Join(t.TempDir(), "root")
	traces := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "oci.json")
	if err := os.WriteFile(cfg, []byte(`{"trace_dir": "`+traces+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := client{t: t, bin: binary(t), global: []string{"--root", root, "--runsc", fake, "--platform", "ptrace", "--config", cfg}}
	return c, fake, traces
}

func fakeBundle(t *testing.T, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := runtime.BuildBundle(dir, runtime.BundleSpec{Args: args, Hostname: "h"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// verbs are the runsc subcommands the fake ran (not --version, not its sandboxes).
func verbs(t *testing.T, fake string) []string {
	t.Helper()
	calls, err := fakerunsc.Calls(fake)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range calls {
		for i := 0; i < len(c.Args); i++ {
			a := c.Args[i]
			if a == "--root" || a == "--log" || a == "--log-format" {
				i++
				continue
			}
			if !strings.HasPrefix(a, "-") {
				if a != "boot" && a != "gofer" {
					out = append(out, a)
				}
				break
			}
		}
	}
	return out
}

// TestFakeLifecycle drives the command on the fake runsc through a lifecycle, one
// process per step: the steps the lifecycle forbids (and the runsc traps: pause of a
// created container, duplicate create, prefix IDs, delete of a created container) are
// refused with exit 1 before runsc runs, the state JSON follows the lifecycle, and
// every container's trace validates against the spec and the model.
func TestFakeLifecycle(t *testing.T) {
	c, fake, traces := fakeClient(t)
	id := "web-" + runtime.NewID()
	pidFile := filepath.Join(t.TempDir(), "pid")
	c.must("create", "--bundle", fakeBundle(t, "sleep", "3600"), "--pid-file", pidFile, id)
	if data, err := os.ReadFile(pidFile); err != nil || len(data) == 0 {
		t.Fatalf("pid file: %q %v", data, err)
	}
	if st := c.status(id); st != "created" {
		t.Fatalf("status after create: %s", st)
	}
	refused := func(why string, args ...string) {
		t.Helper()
		before := verbs(t, fake)
		r := c.run(args...)
		if r.code != 1 || r.stderr == "" {
			t.Fatalf("%s (%v): exit %d, stderr %q; want 1 and a reason", why, args, r.code, r.stderr)
		}
		after := verbs(t, fake)
		for _, v := range after[len(before):] {
			if v != "state" { // the reconciling query, never the refused verb
				t.Fatalf("%s (%v): runsc ran %q; the refusal must come before runsc", why, args, v)
			}
		}
	}
	refused("pause of a created container", "pause", id)
	refused("delete of a created container", "delete", id)
	refused("duplicate create", "create", "--bundle", fakeBundle(t, "true"), id)
	refused("create of a prefix of a live ID", "create", "--bundle", fakeBundle(t, "true"), id[:5])
	refused("create of an extension of a live ID", "create", "--bundle", fakeBundle(t, "true"), id+"x")
	refused("resume of a created container", "resume", id)
	c.must("start", id)
	refused("start of a running container", "start", id)
	c.must("pause", id)
	if st := c.status(id); st != "paused" {
		t.Fatalf("status after pause: %s", st)
	}
	c.must("resume", id)
	c.must("kill", id, "SIGKILL")
	refused("pause after an accepted kill", "pause", id)
	if st := c.status(id); st != "stopped" {
		t.Fatalf("status after kill: %s", st)
	}
	refused("kill of a stopped container", "kill", id)
	c.must("delete", id)
	if r := c.run("state", id); r.code != 1 || !strings.Contains(r.stderr, "does not exist") {
		t.Fatalf("state after delete: %d %q", r.code, r.stderr)
	}
	if r := c.run("delete", id); r.code != 1 || !strings.Contains(r.stderr, "does not exist") {
		t.Fatalf("second delete: %d %q", r.code, r.stderr)
	}
	c.must("delete", "--force", id) // as runc: nothing to delete is no failure when forced
	// A second life of the ID, deleted by force while running; and a run --detach.
	c.must("create", "--bundle", fakeBundle(t, "sleep", "3600"), id)
	c.must("start", id)
	c.must("delete", "--force", id)
	id2 := "job-" + runtime.NewID()
	c.must("run", "--detach", "--bundle", fakeBundle(t, "sleep", "3600"), id2)
	if st := c.status(id2); st != "running" {
		t.Fatalf("status after run --detach: %s", st)
	}
	if out := c.must("list", "--format", "json").stdout; !strings.Contains(out, id2) || strings.Contains(out, id+`"`) {
		t.Fatalf("list: %s", out)
	}
	c.must("delete", "--force", id2)
	if out := c.must("list", "-q").stdout; out != "" {
		t.Fatalf("list after every delete: %q", out)
	}
	if n := validateTraces(t, traces); n != 3 {
		t.Fatalf("%d traces kept, want 3 (two lives of %s, one of %s)", n, id, id2)
	}
	if left, _ := os.ReadDir(filepath.Join(c.global[1], "containers")); len(left) != 0 {
		t.Fatalf("container directories left: %v", left)
	}
	if v := verbs(t, fake); slices.Contains(v, "pause") && slices.Index(v, "pause") < slices.Index(v, "start") {
		t.Fatalf("runsc paused before it started: %v", v)
	}
}

// TestFakeConcurrent: concurrent invocations on one container (pause, resume, state)
// are serialized by its lock: every one ends with a lifecycle answer (done or refused,
// never a runsc failure from a step runsc saw in the wrong state), and the trace is one
// sequential run that the spec accepts.
func TestFakeConcurrent(t *testing.T) {
	c, _, traces := fakeClient(t)
	id := "c-" + runtime.NewID()
	c.must("create", "--bundle", fakeBundle(t, "sleep", "3600"), id)
	c.must("start", id)
	var wg sync.WaitGroup
	verbs := []string{"pause", "resume", "state", "pause", "resume", "state", "pause", "resume"}
	results := make([]result, len(verbs))
	for i, v := range verbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.run(v, id)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 && !strings.Contains(r.stderr, "not permitted") {
			t.Errorf("%s: exit %d, %q: want done or refused by the lifecycle", verbs[i], r.code, r.stderr)
		}
	}
	c.must("delete", "--force", id)
	if n := validateTraces(t, traces); n != 1 {
		t.Fatalf("%d traces, want 1", n)
	}
}

// TestExecRefused: exec is refused, with a reason, exit 1.
func TestExecRefused(t *testing.T) {
	c, _, _ := fakeClient(t)
	r := c.run("exec", "--process", "p.json", "--detach", "--pid-file", "p", "x")
	if r.code != 1 || !strings.Contains(r.stderr, "not supported") {
		t.Fatalf("exec: %d %q", r.code, r.stderr)
	}
	if r := c.run("features"); r.code != 0 || !strings.Contains(r.stdout, `"ociVersionMax"`) {
		t.Fatalf("features: %d %q", r.code, r.stdout)
	}
	if r := c.run("--version"); r.code != 0 || !strings.HasPrefix(r.stdout, "gvisorfsm-oci version ") {
		t.Fatalf("--version: %d %q", r.code, r.stdout)
	}
}

// TestFakeKillCreated: kill of a created container (OCI allows it; a client's cleanup is
// `kill KILL` then `delete`) stops it without runsc kill, whatever the signal: its
// sandbox is killed and the lifecycle observes the death, so `state` says stopped and a
// plain delete removes it. The trace validates; a second kill is refused (stopped).
func TestFakeKillCreated(t *testing.T) {
	c, fake, traces := fakeClient(t)
	for _, sig := range []string{"KILL", "TERM"} {
		id := "k-" + runtime.NewID()
		c.must("create", "--bundle", fakeBundle(t, "sleep", "3600"), id)
		c.must("kill", id, sig)
		if st := c.status(id); st != "stopped" {
			t.Fatalf("kill %s of a created container: status %s, want stopped", sig, st)
		}
		if r := c.run("kill", id, sig); r.code != 1 {
			t.Fatalf("kill of the stopped container: exit %d, want 1", r.code)
		}
		c.must("delete", id)
	}
	if v := verbs(t, fake); slices.Contains(v, "kill") {
		t.Fatalf("runsc ran kill on a created container: %v", v)
	}
	if n := validateTraces(t, traces); n != 2 {
		t.Fatalf("%d traces, want 2", n)
	}
}

// TestFakeNoOverlay: the front-end gives runsc no overlay flag, so a workload writes its
// bundle's root filesystem as under runsc itself (runc clients read what it wrote there).
func TestFakeNoOverlay(t *testing.T) {
	c, fake, _ := fakeClient(t)
	id := "o-" + runtime.NewID()
	c.must("create", "--bundle", fakeBundle(t, "sleep", "3600"), id)
	c.must("delete", "--force", id)
	calls, err := fakerunsc.Calls(fake)
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range calls {
		for _, a := range call.Args {
			if strings.HasPrefix(a, "--overlay") {
				t.Fatalf("runsc given %s: %q", a, call.Args)
			}
		}
	}
}
