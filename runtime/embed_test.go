package runtime_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// canRunSandboxes says why sandboxes cannot start here, or "" if they can.
func canRunSandboxes() string {
	if os.Geteuid() != 0 {
		return "not root"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := runtime.IsAvailable(ctx); err != nil {
		return err.Error()
	}
	return ""
}

// TestMain skips the Examples that start sandboxes where none can start (outside CI,
// where that is a failure): an Example cannot skip itself.
func TestMain(m *testing.M) {
	flag.Parse()
	why := "-short runs unit tests only"
	if run := flag.Lookup("test.run").Value.String(); !testing.Short() && (run == "" || strings.Contains(run, "Example")) {
		// Not in the tests' re-executed children (-test.run=^TestX$): a probe's
		// helpers, orphaned by their handover, would come back to the parent.
		why = canRunSandboxes()
	}
	if why != "" && (os.Getenv("CI") != "true" || testing.Short()) {
		fmt.Fprintln(os.Stderr, "SKIPPING: the Examples that start sandboxes need root and a working runsc:", why)
		skip := "^Example(|Runtime_.*|RunOpts)$"
		if s := flag.Lookup("test.skip").Value.String(); s != "" {
			skip = s + "|" + skip
		}
		flag.Set("test.skip", skip)
	}
	os.Exit(m.Run())
}

// A program written from the package documentation alone: two workloads at once,
// timeouts, captured output, a handover in a child, and nothing left behind.
func TestEmbedding(t *testing.T) {
	if os.Getenv("EMBED_HANDOVER_BUNDLE") != "" {
		err := runtime.ExecWithOCIBundle(runtime.NewID(), os.Getenv("EMBED_HANDOVER_BUNDLE"),
			runtime.WithStateDir(os.Getenv("EMBED_HANDOVER_STATE")))
		fmt.Fprintln(os.Stderr, "handover failed:", err)
		os.Exit(125)
	}
	if testing.Short() {
		t.Skip("SKIPPING: -short runs unit tests only; this one starts sandboxes")
	}
	if why := canRunSandboxes(); why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("sandboxes cannot start: %s", why)
		}
		t.Skipf("SKIPPING: needs root and a working runsc: %s", why)
	}
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "state")
	r, err := runtime.New(ctx, runtime.WithStateDir(state))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("platform %s, runsc %s", r.Platform(), r.Binary().Path())
	bundle := func(args ...string) string {
		dir := t.TempDir()
		if _, err := runtime.BuildBundle(dir, runtime.BundleSpec{Args: args, Rootfs: "/", Readonly: true}); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	// Two workloads at once, with IDs that cannot clash.
	sleeper := bundle("/bin/sleep", "3600")
	a, b := runtime.NewID(), runtime.NewID()
	for _, id := range []string{a, b} {
		if err := r.Create(ctx, id, sleeper, nil); err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx, id, nil); err != nil {
			t.Fatal(err)
		}
	}
	// A timeout: the Wait gives up, the workload runs on.
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = r.Wait(wctx, a)
	cancel()
	var running *runtime.StillRunningError
	if !errors.As(err, &running) || running.ID != a {
		t.Fatalf("Wait past its deadline: %v", err)
	}
	if st, err := r.State(ctx, a); err != nil || st.Status != "running" {
		t.Fatalf("after the timeout: %+v, %v", st, err)
	}
	// A run that takes too long is ended by its context, leaving nothing.
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	_, err = r.Run(rctx, runtime.NewID(), sleeper, nil)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run past its deadline: %v", err)
	}
	// Output captured, each stream up to a limit.
	got, err := r.Output(ctx, runtime.NewID(), bundle("/bin/sh", "-c", "echo out; echo err >&2; exit 4"), 1<<10)
	if err != nil || got.Status != 4 || string(got.Stdout) != "out\n" || string(got.Stderr) != "err\n" {
		t.Fatalf("Output: status %d, stdout %q, stderr %q, %v", got.Status, got.Stdout, got.Stderr, err)
	}
	if err := r.Delete(ctx, a, &runtime.DeleteOpts{Force: true}); err != nil {
		t.Fatal(err)
	}
	// b is left for Close.
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state directory after Close: %v", err)
	}
	noProcessesNaming(t, state)

	// The handover, in a child: its exit status is the workload's.
	hstate := filepath.Join(t.TempDir(), "handover")
	cmd := exec.Command(os.Args[0], "-test.run=^TestEmbedding$")
	cmd.Env = append(os.Environ(), "EMBED_HANDOVER_BUNDLE="+bundle("/bin/sh", "-c", "exit 9"), "EMBED_HANDOVER_STATE="+hstate)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 9 {
		t.Fatalf("handover: %v, want the workload's exit 9; output:\n%s", err, out)
	}
	// This process is a child subreaper (New made it one), so the handed-over runsc's
	// helpers, orphaned when it exited, were reparented here: as the embedding
	// program, it reaps them.
	reapZombieChildren()
	noProcessesNaming(t, hstate)
	// runsc ran the container in the state directory's root and deleted it: nothing
	// but empty directories and the owner record (by which a later New collects a dead
	// runtime's state) remains, for the caller to remove.
	filepath.WalkDir(hstate, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && p != filepath.Join(hstate, "owner") {
			t.Errorf("handover left %s", p)
		}
		return nil
	})
}

// noProcessesNaming fails if a process's command line names dir (runsc's --root in it).
func noProcessesNaming(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), dir) {
			t.Errorf("process %s left: %s", e.Name(), strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
}

// reapZombieChildren waits for the children of this process that have exited.
func reapZombieChildren() {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		i := strings.LastIndexByte(string(stat), ')')
		if err != nil || i < 0 {
			continue
		}
		var state string
		var ppid int
		fmt.Sscan(string(stat[i+1:]), &state, &ppid)
		pid, _ := strconv.Atoi(e.Name())
		if state == "Z" && ppid == os.Getpid() {
			var ws syscall.WaitStatus
			syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		}
	}
}
