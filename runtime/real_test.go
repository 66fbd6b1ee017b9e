package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
	"github.com/gvisorfsm/gvisorfsm/internal/runsctest"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// realRunsc is the runsc under test: $RUNSC, or Debian's (see internal/runsctest).
var realRunsc = runsctest.Path()

// needRunsc skips tests that drive the real runsc unless they can run; under CI=true a
// missing prerequisite is a failure, not a skip.
func needRunsc(t testing.TB) {
	t.Helper()
	runsctest.Need(t)
}

// newOnLine is New for the runsc under test: resolution is New's own business (tested
// by TestRealResolvePath); everything else runs on the binary RUNSC names.
func newOnLine(ctx context.Context, opts ...Option) (*Runtime, error) {
	return NewWithPath(ctx, realRunsc, opts...)
}

// lineOf is the behaviour of the runsc under test, as the runtime derives it.
func lineOf(t *testing.T) Behaviour {
	t.Helper()
	r, _ := newReal(t)
	return r.Behaviour()
}

// syncBuffer is a trace sink safe for the runtime's concurrent steps.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newReal returns a runtime on the real runsc (ptrace, no network) and, at cleanup,
// closes it and checks that nothing is left behind.
func newReal(t *testing.T, opts ...Option) (*Runtime, *syncBuffer) {
	t.Helper()
	needRunsc(t)
	tr := &syncBuffer{}
	opts = append([]Option{WithPlatform("ptrace"), WithNetwork(NetworkNone), WithTrace(tr), WithoutSandboxProbe()}, opts...)
	r, err := newOnLine(context.Background(), opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	root := r.Root()
	t.Cleanup(func() {
		if r.Lifecycle() == fsm.Available {
			if err := r.Close(context.Background()); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
		assertNothingLeft(t, root)
		if t.Failed() {
			t.Logf("trace:\n%s", tr.String())
		}
	})
	return r, tr
}

// zombieChildren lists our children that have exited and nobody reaped, as
// "pid (comm)".
func zombieChildren() []string {
	var out []string
	all := procfs.All()
	for _, pid := range procfs.Zombies(all, os.Getpid()) {
		out = append(out, fmt.Sprintf("%d (%s)", pid, all[pid].Comm))
	}
	return out
}

// assertNothingLeft checks that no runsc process names root and that runsc lists nothing there.
func assertNothingLeft(t *testing.T, root string) {
	t.Helper()
	if z := zombieChildren(); len(z) > 0 {
		t.Errorf("unreaped children: %v", z)
		for _, zz := range z {
			var pid int
			fmt.Sscan(zz, &pid)
			d, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			t.Logf("zombie: %s", strings.Join(strings.Fields(string(d))[:8], " ")) // pid comm state ppid pgrp sid
		}
	}
	if pids := processesUsingRoot(root); len(pids) > 0 {
		t.Errorf("runsc processes left for %s: %v", root, pids)
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
	if _, err := os.Stat(root); err == nil {
		out, _ := exec.Command(realRunsc, "--root", root, "list", "--format", "json").Output()
		var l []ContainerState
		json.Unmarshal(out, &l)
		if len(l) > 0 {
			t.Errorf("runsc list not empty after Close: %s", out)
		}
	}
}

// busyboxBundle builds a bundle whose rootfs is busybox-static with applet symlinks.
func busyboxBundle(t testing.TB, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "rootfs", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"sh", "true", "false", "sleep", "echo", "cat"} {
		if err := os.Symlink("busybox", filepath.Join(bin, a)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := BuildBundle(dir, BundleSpec{Args: args, Env: []string{"PATH=/bin"}}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func steps(r *Runtime, id string) []string {
	var out []string
	for _, s := range r.Trace() {
		if s.ID == id {
			out = append(out, s.Op+":"+string(s.From)+">"+string(s.To)+":"+string(s.Result))
		}
	}
	return out
}

func hasStep(r *Runtime, id, op string, result steptrace.Result) bool {
	for _, s := range r.Trace() {
		if s.ID == id && s.Op == op && s.Result == result {
			return true
		}
	}
	return false
}

func TestRealLifecycle(t *testing.T) {
	r, tr := newReal(t)
	ctx := context.Background()
	b := busyboxBundle(t, "sleep", "3600")
	mustCreate(t, ctx, r, "life", b, nil)
	st, err := r.State(ctx, "life")
	if err != nil || st.Status != "created" || st.ID != "life" {
		t.Fatalf("State after Create = %+v, %v", st, err)
	}
	if err := r.Delete(ctx, "life", nil); !errors.Is(err, ErrIllegal) {
		t.Fatalf("Delete of a created container: want ErrIllegal, got %v", err)
	}
	if err := r.Start(ctx, "life", nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Pause(ctx, "life"); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.State(ctx, "life"); st.Status != "paused" {
		t.Fatalf("after Pause: %+v", st)
	}
	if err := r.Resume(ctx, "life"); err != nil {
		t.Fatal(err)
	}
	l, err := r.List(ctx)
	if err != nil || len(l) != 1 || l[0].ID != "life" || l[0].Status != "running" {
		t.Fatalf("List = %+v, %v", l, err)
	}
	if err := r.Kill(ctx, "life", syscall.SIGTERM, nil); err != nil {
		t.Fatal(err)
	}
	mustWait(t, ctx, r, "life", 143)
	if err := r.Delete(ctx, "life", nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"Create:Absent>Created:ok", "State:Created>Created:ok", "Delete:Created>Created:refused",
		"Start:Created>Running:ok", "Pause:Running>Paused:ok", "State:Paused>Paused:ok", "Resume:Paused>Running:ok",
		"Kill:Running>Running:ok", "Exit:Running>Stopped:ok", "Delete:Stopped>Deleted:ok"}
	// Wait races the Exit its Kill causes: called before the Exit is observed it is a
	// step from Running; after, it is refused from Stopped (and still answers with the
	// recorded status). Either is right, in its place, exactly once.
	var got []string
	waits := 0
	exited := false
	for _, s := range steps(r, "life") {
		switch s {
		case "Wait:Running>Running:ok", "Wait:Stopped>Stopped:refused":
			waits++
			if (s == "Wait:Stopped>Stopped:refused") != exited {
				t.Errorf("%s where the container was %s", s, map[bool]string{true: "Stopped", false: "Running"}[exited])
			}
			continue
		case "Exit:Running>Stopped:ok":
			exited = true
		}
		got = append(got, s)
	}
	if waits != 1 {
		t.Errorf("%d Wait steps, want 1", waits)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("trace:\n got %v\nwant %v", got, want)
	}
	// The NDJSON trace is in the trace format, step for step what Trace returned.
	written, err := steptrace.Read(strings.NewReader(tr.String()))
	if err != nil {
		t.Fatalf("the NDJSON trace: %v\n%s", err, tr.String())
	}
	if len(written) != len(r.Trace()) {
		t.Fatalf("the NDJSON trace has %d steps, Trace %d", len(written), len(r.Trace()))
	}
}

// runsc's duplicate create deletes the first container's state; it must never see one.
func TestRealDuplicateCreateRefused(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	b := busyboxBundle(t, "sleep", "3600")
	mustCreate(t, ctx, r, "dup", b, nil)
	err := r.Create(ctx, "dup", b, nil)
	if !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate Create: want ErrExists, got %v", err)
	}
	if !hasStep(r, "dup", "Create", steptrace.Refused) {
		t.Fatal("duplicate Create not recorded as refused")
	}
	st, err := r.State(ctx, "dup")
	if err != nil || st.Status != "created" {
		t.Fatalf("first container damaged: %+v, %v", st, err)
	}
	if err := r.Start(ctx, "dup", nil); err != nil {
		t.Fatalf("first container no longer starts: %v", err)
	}
}

// runsc resolves ID prefixes (and finds an exact ID ambiguous when a longer one shares
// it); the runtime must never act on another container.
func TestRealExactIDs(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	b := busyboxBundle(t, "sleep", "3600")
	mustCreate(t, ctx, r, "ab", b, nil)
	if err := r.Create(ctx, "abcd", b, nil); !errors.Is(err, ErrAmbiguousID) {
		t.Fatalf("Create of abcd next to ab: want ErrAmbiguousID, got %v", err)
	}
	if err := r.Create(ctx, "a", b, nil); !errors.Is(err, ErrAmbiguousID) {
		t.Fatalf("Create of a next to ab: want ErrAmbiguousID, got %v", err)
	}
	rs := func(args ...string) {
		t.Helper()
		// No output capture: a pipe would be inherited by the sandbox and never close.
		cmd := exec.Command(realRunsc, append([]string{"--root", r.Root(), "--platform=ptrace", "--network=none"}, args...)...)
		errf, _ := os.Create(filepath.Join(t.TempDir(), "stderr"))
		defer errf.Close()
		cmd.Stderr = errf
		if err := cmd.Run(); err != nil {
			msg, _ := os.ReadFile(errf.Name())
			t.Fatalf("runsc %v: %v: %s", args, err, msg)
		}
	}
	// Behind the runtime's back, "ab" vanishes and "abcd" appears.
	rs("delete", "--force", "ab")
	rs("create", "--bundle", b, "abcd")
	if _, err := r.State(ctx, "ab"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("State of vanished ab: want ErrMismatch (runsc answered for abcd), got %v", err)
	}
	if err := r.Pause(ctx, "ab"); !errors.Is(err, ErrIllegal) {
		t.Fatalf("Pause: %v", err)
	}
	if err := r.Delete(ctx, "ab", &DeleteOpts{Force: true}); err != nil {
		t.Fatalf("force Delete of vanished ab: %v", err)
	}
	out, err := exec.Command(realRunsc, "--root", r.Root(), "state", "abcd").Output()
	var st ContainerState
	if err != nil || json.Unmarshal(out, &st) != nil || st.ID != "abcd" || st.Status != "created" {
		t.Fatalf("abcd was acted on through its prefix: %s, %v", out, err)
	}
	if _, err := r.State(ctx, "abc"); !errors.Is(err, ErrNoContainer) {
		t.Fatalf("State of unknown abc: want ErrNoContainer, got %v", err)
	}
	// Close deletes what runsc lists under the private root, "abcd" included.
}

// A workload that exits at once still reports its status.
func TestRealFastExitCodeKept(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	b := busyboxBundle(t, "sh", "-c", "exit 3")
	for i := range 3 {
		id := fmt.Sprintf("fast%d", i)
		mustStart(t, ctx, r, id, b, nil)
		mustWait(t, ctx, r, id, 3)
		if !hasStep(r, id, "Exit", steptrace.OK) {
			t.Fatalf("%s: no Exit step: %v", id, steps(r, id))
		}
		if err := r.Delete(ctx, id, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// `runsc run` exits 128 both for a workload's `exit 128` and for its own failures.
func TestRealRunExit128(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	code, err := r.Run(ctx, "r128", busyboxBundle(t, "sh", "-c", "exit 128"), nil)
	if err != nil || code != 128 {
		t.Fatalf("workload exit 128: Run = %d, %v", code, err)
	}
	code, err = r.Run(ctx, "rtrue", busyboxBundle(t, "true"), nil)
	if err != nil || code != 0 {
		t.Fatalf("true: Run = %d, %v", code, err)
	}
	_, err = r.Run(ctx, "rmissing", busyboxBundle(t, "/no/such/binary"), nil)
	var re *RunscError
	if !errors.As(err, &re) || re.ExitCode != 128 || re.Msg == "" {
		t.Fatalf("runsc failure: want *RunscError exit 128 with runsc's message, got %v", err)
	}
	if !hasStep(r, "r128", "Run", steptrace.OK) || !hasStep(r, "rmissing", "Run", steptrace.Failed) {
		t.Fatalf("trace: %v / %v", steps(r, "r128"), steps(r, "rmissing"))
	}
}

// runsc pause of a created container wedges it; the lifecycle refuses it first.
func TestRealPauseCreatedRefused(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	mustCreate(t, ctx, r, "pc", busyboxBundle(t, "sleep", "3600"), nil)
	err := r.Pause(ctx, "pc")
	var se *StepError
	if !errors.Is(err, ErrIllegal) || !errors.As(err, &se) || !errors.Is(err, fsm.ErrIllegalTransition) {
		t.Fatalf("Pause of created: want refused, got %v", err)
	}
	if !hasStep(r, "pc", "Pause", steptrace.Refused) {
		t.Fatalf("no refused Pause step: %v", steps(r, "pc"))
	}
	// Not wedged: it starts, pauses, resumes and stops normally.
	for _, f := range []func() error{
		func() error { return r.Start(ctx, "pc", nil) },
		func() error { return r.Pause(ctx, "pc") },
		func() error { return r.Resume(ctx, "pc") },
		func() error { return r.Kill(ctx, "pc", syscall.SIGKILL, nil) },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	mustWait(t, ctx, r, "pc", 137)
}

// A context that ends mid-Run leaves no sandbox, and the trace says what was cleaned up.
func TestRealCancelledRunCleansUp(t *testing.T) {
	r, _ := newReal(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := r.Run(ctx, "cancelme", busyboxBundle(t, "sleep", "3600"), nil)
		errc <- err
	}()
	// Cancel once the sandbox is really running.
	for {
		out, _ := exec.Command(realRunsc, "--root", r.Root(), "list", "--format", "json").Output()
		if bytes.Contains(out, []byte(`"running"`)) {
			break
		}
		select {
		case err := <-errc:
			t.Fatalf("Run ended early: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: want context.Canceled, got %v", err)
	}
	if !hasStep(r, "cancelme", "ForceDelete", steptrace.Cleanup) {
		t.Fatalf("no cleanup step: %v", steps(r, "cancelme"))
	}
	l, err := r.List(context.Background())
	if err != nil || len(l) != 0 {
		t.Fatalf("sandbox left after cancelled Run: %+v, %v", l, err)
	}
	for _, pid := range processesUsingRoot(r.Root()) {
		if ppidOf(pid) != os.Getpid() { // our own reapers' targets are exiting
			t.Errorf("runsc process %d left running", pid)
		}
	}
}

// Create must return while the sandbox runs: nothing it holds may be a pipe.
func TestRealStdioFilesNotPipes(t *testing.T) {
	r, _ := newReal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	b := busyboxBundle(t, "sh", "-c", "echo hello-from-sandbox; exec sleep 3600")
	mustStart(t, ctx, r, "io", b, &CreateOpts{Stdout: out})
	mustKill(t, ctx, r, "io")
	data, _ := os.ReadFile(out.Name())
	if !strings.Contains(string(data), "hello-from-sandbox") {
		t.Fatalf("stdout file holds %q", data)
	}
}

func TestRealIDValidation(t *testing.T) {
	r, _ := newReal(t)
	b := busyboxBundle(t, "true")
	for _, id := range []string{"", "bad/id", "bad id", "..", strings.Repeat("x", 93), "a\x00b"} {
		err := r.Create(context.Background(), id, b, nil)
		var ie *IDError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidID) {
			t.Errorf("Create(%q): want *IDError, got %v", id, err)
		}
	}
	for _, s := range r.Trace() {
		if s.Op == "Create" && s.Result != steptrace.Refused {
			t.Errorf("invalid ID reached runsc: %+v", s)
		}
	}
}

// runsc fails half way through create for IDs longer than its control socket's name
// allows (92 characters for an abstract socket, 91 for a socket file, which falls back
// to /tmp), whatever the --root. The runtime lets the limit through and refuses one more
// before runsc runs, with a long and a short state directory.
func TestRealIDLengthBoundary(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	if err := os.Mkdir(long, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{t.TempDir(), long} {
		r, _ := newReal(t, WithStateDir(dir))
		b := busyboxBundle(t, "true")
		limit := r.Behaviour().MaxIDLen
		if want := map[bool]int{false: 92, true: 91}[r.Behaviour().SocketFile]; limit != want {
			t.Fatalf("%s: ID limit %d, want %d", r.Behaviour().Line, limit, want)
		}
		ok := strings.Repeat("y", limit)
		if code, err := r.Run(context.Background(), ok, b, nil); err != nil || code != 0 {
			t.Fatalf("root %s: %d-character ID: Run = %d, %v", r.Root(), limit, code, err)
		}
		over := strings.Repeat("z", limit+1)
		_, err := r.Run(context.Background(), over, b, nil)
		var ie *IDError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), strconv.Itoa(limit)) || !strings.Contains(err.Error(), "socket") {
			t.Fatalf("%d-character ID: want an *IDError naming the limit and why, got %v", limit+1, err)
		}
		if !hasStep(r, over, "Run", steptrace.Refused) || hasStep(r, over, "Run", steptrace.Failed) {
			t.Fatalf("%d-character ID reached runsc: %v", limit+1, steps(r, over))
		}
	}
}

// A sandbox killed from outside is a SandboxDied with an unknown status.
func TestRealSandboxDied(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	mustStart(t, ctx, r, "victim", busyboxBundle(t, "sleep", "3600"), nil)
	killSandbox(t, ctx, r, "victim")
	if _, err := r.Wait(ctx, "victim"); !errors.Is(err, ErrExitUnknown) {
		t.Fatalf("Wait after outside kill: want ErrExitUnknown, got %v", err)
	}
	if !hasStep(r, "victim", "SandboxDied", steptrace.OK) {
		t.Fatalf("no SandboxDied step: %v", steps(r, "victim"))
	}
	if err := r.Delete(ctx, "victim", nil); err != nil {
		t.Fatal(err)
	}
}

func treeHash(t *testing.T, dir string) string {
	t.Helper()
	var h strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		fmt.Fprintf(&h, "%s %v %d\n", p, fi.Mode(), fi.Size())
		if fi.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&h, "  sha256 %x\n", sha256.Sum256(data))
		}
		return nil
	})
	return h.String()
}

// The caller's bundle is read, never changed; Close removes everything else.
func TestRealBundleUntouchedAndCloseCleans(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	b := busyboxBundle(t, "sleep", "3600")
	before := treeHash(t, b)
	for _, id := range []string{"k1", "k2", "k3"} {
		mustCreate(t, ctx, r, id, b, nil)
	}
	if err := r.Start(ctx, "k2", nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx, "k3", nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Pause(ctx, "k3"); err != nil {
		t.Fatal(err)
	}
	root, work := r.Root(), r.StateDir()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, root)
	if _, err := os.Stat(work); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("state directory left: %v", err)
	}
	if after := treeHash(t, b); after != before {
		t.Fatalf("bundle changed:\n%s\n---\n%s", before, after)
	}
	for _, id := range []string{"k1", "k2", "k3"} {
		if !hasStep(r, id, "ForceDelete", steptrace.Cleanup) {
			t.Errorf("%s: no cleanup step on Close: %v", id, steps(r, id))
		}
	}
	if err := r.Create(ctx, "late", b, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Create after Close: want ErrClosed, got %v", err)
	}
}

// What runs is the binary that was validated, even if the path is swapped afterwards.
func TestRealSwapAfterValidation(t *testing.T) {
	needRunsc(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "runsc")
	data, err := os.ReadFile(realRunsc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := NewWithPath(context.Background(), p, WithoutSandboxProbe())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	// Replace the file at the path: a script that would print a different version.
	evil := filepath.Join(dir, "evil")
	os.WriteFile(evil, []byte("#!/bin/sh\necho 'runsc version EVIL'\necho 'spec: 9.9.9'\n"), 0o755)
	if err := os.Rename(evil, p); err != nil {
		t.Fatal(err)
	}
	v, err := r.Version(context.Background())
	if err != nil || v.Release == "EVIL" || v != r.version {
		t.Fatalf("Version after swap = %+v, %v: the swapped file ran", v, err)
	}
	if _, err := NewWithPath(context.Background(), p, WithoutSandboxProbe()); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("NewWithPath re-validates: want the swapped-in script refused, got %v", err)
	}
}

// Without /dev/kvm (as on these machines) kvm never starts; ptrace starts on every
// line, systrap wherever runsc knows it. The probes leave nothing behind. An explicitly requested platform that fails is an error. The
// probe timeout is the default one: a ptrace sandbox on the loaded shared machine has
// taken more than 3s to run /bin/true.
func TestRealProbePlatforms(t *testing.T) {
	r, _ := newReal(t, WithProbeTimeout(10*time.Second))
	res, err := r.ProbePlatforms(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range res {
		got[p.Platform] = p.Works
		if !p.Works && !errors.Is(p.Err, ErrPlatform) {
			t.Errorf("%s: error %v is not ErrPlatform", p.Platform, p.Err)
		}
	}
	_, kvmErr := os.Stat("/dev/kvm")
	if !got["ptrace"] || got["systrap"] != r.Behaviour().Systrap || (kvmErr != nil && got["kvm"]) {
		t.Fatalf("%s: ProbePlatforms = %+v", r.Behaviour().Line, res)
	}
	for _, pid := range processesUsingRoot(r.StateDir()) {
		t.Errorf("probe process %d left", pid)
	}
	out, _ := exec.Command("sh", "-c", "ps -eo args | grep -c '^runsc-sandbox.*"+r.StateDir()+"/probe-' || true").Output()
	if strings.TrimSpace(string(out)) != "0" {
		t.Errorf("probe sandboxes left: %s", out)
	}
	bad := brokenPlatform(t, r.Behaviour())
	_, err = newOnLine(context.Background(), WithPlatform(bad), WithProbeTimeout(3*time.Second))
	var pe *PlatformError
	if !errors.As(err, &pe) || pe.Platform != bad {
		t.Fatalf("New with %s: want *PlatformError, got %v", bad, err)
	}
	r2, err := newOnLine(context.Background(), WithPlatform("ptrace"))
	if err != nil {
		t.Fatalf("New with ptrace (probed): %v", err)
	}
	if !r2.IsAvailable() {
		t.Fatal("not available")
	}
	r2.Close(context.Background())
}

// The handover is tested in a child: the re-executed test binary becomes runsc, and its
// exit status and output are the workload's.
func TestRealExecHandover(t *testing.T) {
	if os.Getenv("GVISORFSM_EXEC_CHILD") == "1" {
		tr, _ := os.Create(os.Getenv("GVISORFSM_EXEC_TRACE"))
		err := ExecWithOCIBundle("exec-child", os.Getenv("GVISORFSM_EXEC_BUNDLE"),
			WithPlatform("ptrace"), WithStateDir(os.Getenv("GVISORFSM_EXEC_STATE")), WithTrace(tr), WithPath(realRunsc))
		fmt.Fprintln(os.Stderr, "exec returned:", err)
		os.Exit(99)
	}
	needRunsc(t)
	state := t.TempDir()
	trace := filepath.Join(t.TempDir(), "trace")
	b := busyboxBundle(t, "sh", "-c", "echo handed-over:$FOO; exit 7")
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRealExecHandover$")
	cmd.Env = append(os.Environ(), "GVISORFSM_EXEC_CHILD=1", "GVISORFSM_EXEC_BUNDLE="+b,
		"GVISORFSM_EXEC_STATE="+state, "GVISORFSM_EXEC_TRACE="+trace, "FOO=leaked")
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	data, _ := os.ReadFile(out.Name())
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("child exit = %v, want the workload's 7; output:\n%s", err, data)
	}
	if !strings.Contains(string(data), "handed-over:") || strings.Contains(string(data), "leaked") {
		t.Fatalf("child output %q: want the workload's output without the caller's environment", data)
	}
	tdata, _ := os.ReadFile(trace)
	if !strings.Contains(string(tdata), `"op":"ExecHandover","id":"","from":"Available","to":"Done","result":"ok"`) {
		t.Fatalf("trace:\n%s", tdata)
	}
	// The private root: 0700, in the given state dir, not in the bundle.
	fi, err := os.Lstat(filepath.Join(state, "root"))
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("private root: %v %v", fi, err)
	}
	// This test process is a subreaper (other tests' runtimes made it one), so the
	// handed-over runsc's helpers were reparented here. No runtime of ours started
	// them, so none reaps them: as their embedding program, the test does.
	for _, z := range zombieChildren() {
		var pid int
		fmt.Sscan(z, &pid)
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	}
	assertNothingLeft(t, filepath.Join(state, "root"))
}

// Two concurrent starts of one container: runsc lets both through and one fails with a
// network error; the runtime serializes them and the lifecycle refuses the second.
func TestRealConcurrentStartsSerialized(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	mustCreate(t, ctx, r, "twice", busyboxBundle(t, "sleep", "3600"), nil)
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- r.Start(ctx, "twice", nil) }()
	}
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) {
		t.Fatalf("want exactly one Start to succeed: %v / %v", e1, e2)
	}
	if e := errors.Join(e1, e2); !errors.Is(e, ErrIllegal) {
		t.Fatalf("the losing Start was not refused by the lifecycle: %v", e)
	}
	if st, err := r.State(ctx, "twice"); err != nil || st.Status != "running" {
		t.Fatalf("state %+v %v", st, err)
	}
}

// Where runsc names sandboxes host-wide (an abstract socket per ID), a second
// runtime's create of the same ID is refused up front instead of failing half way in
// runsc; where the socket is a file in each root, both runtimes have their own.
func TestRealIDInUseByAnotherRuntime(t *testing.T) {
	r1, _ := newReal(t)
	r2, _ := newReal(t)
	ctx := context.Background()
	b := busyboxBundle(t, "sleep", "3600")
	mustCreate(t, ctx, r1, "shared-name", b, nil)
	err := r2.Create(ctx, "shared-name", b, nil)
	if r2.Behaviour().SocketFile {
		if err != nil {
			t.Fatalf("%s: IDs are per root, but the second runtime's Create failed: %v", r2.Behaviour().Line, err)
		}
	} else if !errors.Is(err, ErrExists) || !hasStep(r2, "shared-name", "Create", steptrace.Refused) {
		t.Fatalf("second runtime's Create: want refused ErrExists, got %v", err)
	}
	if st, err := r1.State(ctx, "shared-name"); err != nil || st.Status != "created" {
		t.Fatalf("first runtime's container: %+v %v", st, err)
	}
}

// A paused container whose sandbox is killed from outside stays "paused" in runsc,
// which then refuses a plain delete and panics on a forced one; the lifecycle knows it
// stopped, and Delete still cleans it up.
func TestRealPausedSandboxDied(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	b := busyboxBundle(t, "sleep", "3600")
	for _, id := range []string{"pz1", "qz2"} {
		mustStart(t, ctx, r, id, b, nil)
		if err := r.Pause(ctx, id); err != nil {
			t.Fatal(err)
		}
		killSandbox(t, ctx, r, id)
		// Refused while still Paused, ErrExitUnknown once Stopped: never a status.
		if code, err := r.Wait(ctx, id); err == nil {
			t.Fatalf("Wait of a killed paused sandbox returned %d", code)
		}
	}
	for _, id := range []string{"pz1", "qz2"} {
		for !hasStep(r, id, "SandboxDied", steptrace.OK) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := r.Delete(ctx, "pz1", nil); err != nil {
		t.Fatalf("Delete of a stopped (paused, sandbox dead) container: %v", err)
	}
	if err := r.Delete(ctx, "qz2", &DeleteOpts{Force: true}); err != nil {
		t.Fatalf("force Delete of the same: %v", err)
	}
	if l, err := r.List(ctx); err != nil || len(l) != 0 {
		t.Fatalf("left: %+v %v", l, err)
	}
}

// cutShort takes a step once for each delay, on a fresh ID (prefix and a count) that
// prepare, if any, readies first, with a context that ends after the delay, and logs
// the ID's steps. Then left judges the step's error and what runsc lists, and says
// whether the ID is left in runsc, for cutShort to force-delete before the next.
func cutShort(t *testing.T, r *Runtime, prefix string, delays []time.Duration, prepare func(id string),
	step func(ctx context.Context, id string) error, left func(id string, err error, l []ContainerState) bool) {
	t.Helper()
	for i, d := range delays {
		id := fmt.Sprintf("%s%d", prefix, i)
		if prepare != nil {
			prepare(id)
		}
		ctx, cancel := context.WithTimeout(context.Background(), d*time.Millisecond)
		err := step(ctx, id)
		cancel()
		t.Logf("%s after %v: %v", id, d*time.Millisecond, steps(r, id))
		l, lerr := r.List(context.Background())
		if lerr != nil {
			t.Fatal(lerr)
		}
		if left(id, err, l) {
			if err := r.Delete(context.Background(), id, &DeleteOpts{Force: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A context ending at any point of Create leaves either a created container or nothing.
func TestRealCancelledCreateLeavesNothing(t *testing.T) {
	r, _ := newReal(t)
	b := busyboxBundle(t, "sleep", "3600")
	create := func(ctx context.Context, id string) error { return r.Create(ctx, id, b, nil) }
	cutShort(t, r, "cc", []time.Duration{5, 30, 60, 90, 120, 160}, nil, create, func(id string, err error, l []ContainerState) bool {
		if err == nil {
			if len(l) != 1 || l[0].ID != id {
				t.Fatalf("%s created, but runsc lists %+v", id, l)
			}
			return true
		}
		if len(l) != 0 {
			t.Fatalf("%s: Create failed (%v) but runsc lists %+v", id, err, l)
		}
		for _, pid := range processesUsingRoot(r.Root()) {
			cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if bytes.HasPrefix(cl, []byte("runsc-sandbox")) {
				t.Fatalf("%s: Create failed (%v) but sandbox %d runs", id, err, pid)
			}
		}
		return false
	})
}

func TestRealResolvePath(t *testing.T) {
	needRunsc(t)
	p, err := ResolvePath()
	if err != nil {
		t.Fatal(err)
	}
	// As root only the trusted locations count, the first one present wins.
	want := ""
	for _, c := range TrustedLocations {
		if _, err := os.Stat(c); err == nil {
			want = c
			break
		}
	}
	if p != want {
		t.Fatalf("ResolvePath = %q, want the first trusted location present, %q", p, want)
	}
	r, err := New(context.Background(), WithoutSandboxProbe())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	if r.Binary().Path() != p || !r.IsAvailable() {
		t.Fatalf("New resolved %q, available %v", r.Binary().Path(), r.IsAvailable())
	}
	v, err := r.Version(context.Background())
	if err != nil || v.Release == "" || v.Spec == "" {
		t.Fatalf("Version = %+v, %v", v, err)
	}
}

// A context ending at any point of Start leaves either a running container or nothing.
func TestRealCancelledStartLeavesNothing(t *testing.T) {
	r, _ := newReal(t)
	b := busyboxBundle(t, "sleep", "3600")
	create := func(id string) { mustCreate(t, context.Background(), r, id, b, nil) }
	start := func(ctx context.Context, id string) error { return r.Start(ctx, id, nil) }
	cutShort(t, r, "cs", []time.Duration{1, 15, 30, 45, 60, 90}, create, start, func(id string, err error, l []ContainerState) bool {
		if err == nil {
			if len(l) != 1 || l[0].ID != id || l[0].Status != "running" {
				t.Fatalf("%s started, but runsc lists %+v", id, l)
			}
			return true
		}
		// Ended before runsc start ran: nothing changed, the caller still owns a
		// created container. Ended while it ran: the container is gone.
		if hasStep(r, id, "Start", steptrace.Failed) {
			if len(l) != 1 || l[0].Status != "created" {
				t.Fatalf("%s: Start refused early (%v) but runsc lists %+v", id, err, l)
			}
			return true
		}
		if len(l) != 0 || !hasStep(r, id, "ForceDelete", steptrace.Cleanup) {
			t.Fatalf("%s: Start failed (%v) but runsc lists %+v; trace %v", id, err, l, steps(r, id))
		}
		return false
	})
}

// runscRunPid waits until our own `runsc run` for id is running and returns its pid.
func runscRunPid(t *testing.T, r *Runtime, id string, errc <-chan error) int {
	t.Helper()
	for {
		for _, pid := range processesUsingRoot(r.Root()) {
			cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			args := strings.Split(strings.TrimRight(string(cl), "\x00"), "\x00")
			if args[0] == "runsc" && ppidOf(pid) == os.Getpid() && len(args) > 4 && args[len(args)-1] == id && args[len(args)-4] == "run" {
				out, _ := exec.Command(realRunsc, "--root", r.Root(), "list", "--format", "json").Output()
				if bytes.Contains(out, []byte(`"running"`)) {
					return pid
				}
			}
		}
		select {
		case err := <-errc:
			t.Fatalf("Run ended early: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// A `runsc run` killed by a signal that is not the context's (e.g. Ctrl-C to the
// process group, or a SIGKILL from outside) is a failure with an unknown outcome, never
// "exit -1, ok"; the sandbox it left is cleaned up without errors.
func TestRealRunKilledBySignal(t *testing.T) {
	r, _ := newReal(t)
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		id := "sig" + strings.ToLower(strings.TrimPrefix(fmt.Sprint(int(sig)), "-"))
		type res struct {
			code int
			err  error
		}
		resc := make(chan res, 1)
		errc := make(chan error, 1)
		go func() {
			code, err := r.Run(context.Background(), id, busyboxBundle(t, "sleep", "3600"), nil)
			resc <- res{code, err}
			errc <- err
		}()
		pid := runscRunPid(t, r, id, errc)
		syscall.Kill(pid, sig)
		got := <-resc
		var re *RunscError
		if got.err == nil || !errors.As(got.err, &re) || !errors.Is(got.err, ErrRunsc) {
			t.Fatalf("signal %d: Run = %d, %v; want a *RunscError", sig, got.code, got.err)
		}
		if got.code != -1 {
			t.Errorf("signal %d: Run returned code %d with an error", sig, got.code)
		}
		if hasStep(r, id, "Run", steptrace.OK) || !(hasStep(r, id, "Run", steptrace.Failed) || hasStep(r, id, "Run", steptrace.Unknown)) {
			t.Fatalf("signal %d: trace %v; want Run failed or unknown", sig, steps(r, id))
		}
		if !hasStep(r, id, "ForceDelete", steptrace.Cleanup) {
			t.Errorf("signal %d: no cleanup step: %v", sig, steps(r, id))
		}
		if l, err := r.List(context.Background()); err != nil || len(l) != 0 {
			t.Fatalf("signal %d: sandbox left: %+v, %v", sig, l, err)
		}
		for _, p := range processesUsingRoot(r.Root()) {
			if ppidOf(p) != os.Getpid() {
				t.Errorf("signal %d: runsc process %d left running", sig, p)
			}
		}
		r.mu.Lock()
		n := len(r.containers)
		r.mu.Unlock()
		if n != 0 {
			t.Errorf("signal %d: runtime still tracks %d container(s)", sig, n)
		}
	}
}

// brokenPlatform is a platform that fails at once on this line and host, and the words
// runsc uses for it: systrap where runsc does not know it, else kvm without /dev/kvm.
func brokenPlatform(t *testing.T, b Behaviour) string {
	t.Helper()
	if !b.Systrap {
		return "systrap"
	}
	if _, err := os.Stat("/dev/kvm"); err == nil {
		t.Skip("SKIPPING: this line knows systrap and the host has /dev/kvm: no platform is sure to fail")
	}
	return "kvm"
}

// A platform that does not work says why, in runsc's own words.
func TestRealPlatformErrorNamesCause(t *testing.T) {
	bad := brokenPlatform(t, lineOf(t))
	_, err := newOnLine(context.Background(), WithPlatform(bad), WithProbeTimeout(10*time.Second))
	var pe *PlatformError
	if !errors.As(err, &pe) {
		t.Fatalf("New with %s: want *PlatformError, got %v", bad, err)
	}
	// systrap: runsc's own words; kvm: the runtime sees there is no /dev/kvm before
	// runsc would hang or fail on it.
	want := map[string]string{"systrap": "unknown platform: systrap", "kvm": "/dev/kvm"}[bad]
	if msg := err.Error(); !strings.Contains(msg, want) || (bad == "systrap" && !strings.Contains(msg, "sandbox did not run")) {
		t.Fatalf("PlatformError %q lacks runsc's message (%s)", msg, want)
	}
}

// The sandbox of a killed `runsc run` dies with it and is reparented to us as a zombie,
// whose command line can no longer be matched to our root; runsc delete --force waits
// for that pid to go away, times out after seconds and logs "stopping container:
// context deadline exceeded". The cleanup reaps the pids runsc recorded first, so it is
// clean. (Run's own path races the sandbox's death; this sets the zombie up first.)
func TestRealCleanupReapsZombieSandboxFirst(t *testing.T) {
	r, _ := newReal(t)
	id := "zsb"
	b := busyboxBundle(t, "sleep", "3600")
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	cmd := exec.Command(realRunsc, "--root", r.Root(), "--platform=ptrace", "--network=none", "run", "--bundle", b, id)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var sandbox int
	for sandbox == 0 {
		out, _ := exec.Command(realRunsc, "--root", r.Root(), "state", id).Output()
		var st ContainerState
		if json.Unmarshal(out, &st) == nil && st.Status == "running" {
			sandbox = st.Pid
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	for i := 0; ; i++ {
		if st, ok := procfs.ReadStat(sandbox); ok && st.State == 'Z' && st.PPid == os.Getpid() {
			break
		}
		if i == 1000 {
			t.Fatalf("sandbox %d did not become our zombie", sandbox)
		}
		time.Sleep(10 * time.Millisecond)
	}
	c := newContainer(id)
	c.mu.Lock()
	r.cleanup(c, "test")
	c.mu.Unlock()
	found := false
	for _, s := range r.Trace() {
		if s.ID == id && s.Op == "ForceDelete" && s.Result == steptrace.Cleanup {
			found = true
			if s.Error != "" || s.Exit != 0 || strings.Contains(s.Note, "runsc logged") {
				t.Errorf("cleanup was not clean: %+v", s)
			}
		}
	}
	if !found {
		t.Fatalf("no cleanup step: %v", steps(r, id))
	}
	if l, err := r.List(context.Background()); err != nil || len(l) != 0 {
		t.Fatalf("left: %+v %v", l, err)
	}
	if _, ok := procfs.ReadStat(sandbox); ok {
		t.Errorf("sandbox %d not reaped", sandbox)
	}
	// The platform stubs of the sandbox this test started itself were never seen by
	// the runtime, so they are the test's to reap.
	for i := 0; i < 100 && len(zombieChildren()) < 2; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	for _, z := range zombieChildren() {
		var pid int
		fmt.Sscan(z, &pid)
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	}
}

// A bundle built with BundleSpec's mounts runs: a read-only root outside the bundle, a
// private tmpfs on /tmp to write to, and a read-only bind mount of a host directory.
func TestRealBundleMounts(t *testing.T) {
	r, _ := newReal(t)
	src := busyboxBundle(t, "true")
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "f"), []byte("from-host"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err := BuildBundle(dir, BundleSpec{
		Args:     []string{"sh", "-c", "echo scratch > /tmp/x && cat /tmp/x /data/f && cat /proc/mounts"},
		Env:      []string{"PATH=/bin"},
		Rootfs:   filepath.Join(src, "rootfs"),
		Readonly: true,
		Tmpfs:    []string{"/tmp"},
		Mounts:   []specs.Mount{BindMount(data, "/data", true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	code, err := r.Run(context.Background(), "mounts", dir, &RunOpts{Stdout: out, Stderr: out})
	got, _ := os.ReadFile(out.Name())
	if err != nil || code != 0 {
		t.Fatalf("Run = %d, %v; output:\n%s", code, err, got)
	}
	for _, want := range []string{"scratch", "from-host", " /tmp tmpfs "} {
		if !strings.Contains(string(got), want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// reapDirectRun reaps what a runsc started by the test itself on root left: its
// sandbox and gofer outlive it and, the test process being a subreaper (the runtime
// makes it one), end as its zombie children, which no runtime claims.
func reapDirectRun(t *testing.T, root string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(processesUsingRoot(root)) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for _, pid := range procfs.Zombies(procfs.All(), os.Getpid()) {
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	}
}

// Where runsc defaults to a shared null network namespace for gofers, it bind-mounts it
// at <root>/null-netns and leaves it there; a runtime's Close must unmount it rather
// than fail with EBUSY. The runtime itself avoids it (--gofer-network-namespace=new),
// so the mount is made here by a runsc started on the runtime's root without that flag.
func TestRealCloseUnmountsNullNetns(t *testing.T) {
	needRunsc(t)
	r, err := newOnLine(context.Background(), WithPlatform("ptrace"), WithNetwork(NetworkNone), WithoutSandboxProbe())
	if err != nil {
		t.Fatal(err)
	}
	b := busyboxBundle(t, "true")
	cmd := exec.Command(realRunsc, "--root", r.Root(), "--platform=ptrace", "--network=none", "run", "--bundle", b, "outside")
	if out, err := cmd.CombinedOutput(); err != nil {
		r.Close(context.Background())
		t.Fatalf("runsc run: %v\n%s", err, out)
	}
	mounted, _ := mountsBelow(r.StateDir())
	if want := r.Behaviour().GoferNetNS; (len(mounted) > 0) != want {
		r.Close(context.Background())
		t.Fatalf("%s: mounts under the root after a plain run: %q; a null-netns mount expected: %v", r.Behaviour().Line, mounted, want)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	reapDirectRun(t, r.Root())
	if left, _ := mountsBelow(r.StateDir()); len(left) > 0 {
		t.Fatalf("mounts left after Close: %q", left)
	}
	if _, err := os.Stat(r.StateDir()); !os.IsNotExist(err) {
		t.Fatalf("state dir left after Close: %v", err)
	}
}

// A workload that ends on its own is Stopped as soon as the runtime has observed it,
// and a plain Delete then succeeds at once, on every line: where runsc goes on saying
// "running" until the sandbox process is reaped (the zombie window), the runtime is the
// one that reaps it (subreaper), or init does (WithoutSubreaper), and the runtime waits
// for that, not for a fixed time. Kill of a created container is refused on every
// line, whether or not this runsc would accept it.
func TestRealExitThenPlainDelete(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts []Option
	}{{"subreaper", nil}, {"no-subreaper", []Option{WithoutSubreaper()}}} {
		t.Run(mode.name, func(t *testing.T) {
			r, _ := newReal(t, mode.opts...)
			ctx := context.Background()
			for i := range 3 {
				id := fmt.Sprintf("ends-%d", i)
				mustCreate(t, ctx, r, id, busyboxBundle(t, "sh", "-c", "exit 5"), nil)
				if err := r.Kill(ctx, id, syscall.SIGKILL, nil); !errors.Is(err, ErrIllegal) {
					t.Fatalf("%s: Kill of a created container: want ErrIllegal, got %v", r.Behaviour().Line, err)
				}
				if err := r.Start(ctx, id, nil); err != nil {
					t.Fatal(err)
				}
				mustWait(t, ctx, r, id, 5)
				if st, err := r.State(ctx, id); err != nil || st.Status != "stopped" {
					t.Fatalf("State after Wait = %+v, %v; want stopped", st, err)
				}
				if err := r.Delete(ctx, id, nil); err != nil {
					t.Fatalf("%s: plain Delete after the exit: %v\n%v", r.Behaviour().Line, err, steps(r, id))
				}
			}
		})
	}
}

// cgroupDirs lists the directories named name at the top of each cgroup hierarchy.
func cgroupDirs(name string) []string {
	var out []string
	for _, m := range cgroupMounts() {
		if fi, err := os.Stat(filepath.Join(m, name)); err == nil && fi.IsDir() {
			out = append(out, filepath.Join(m, name))
		}
	}
	return out
}

// A sandbox that never started (a platform that cannot start one) and one killed from
// outside leave no cgroup directory; a cgroup of the
// host's with a container's name, made before the container, is left alone.
func TestRealNoCgroupLeftBehind(t *testing.T) {
	if len(cgroupMounts()) == 0 {
		t.Skip("SKIPPING: no cgroup hierarchy mounted")
	}
	r, _ := newReal(t)
	ctx := context.Background()
	// A host cgroup that shares a name with a container to come, in every hierarchy.
	hostOwned := "host-owned-" + strconv.Itoa(os.Getpid())
	for _, m := range cgroupMounts() {
		os.Mkdir(filepath.Join(m, hostOwned), 0o755)
	}
	t.Cleanup(func() {
		for _, d := range cgroupDirs(hostOwned) {
			os.Remove(d)
		}
	})
	held := cgroupDirs(hostOwned)
	if len(held) == 0 {
		t.Skip("SKIPPING: cannot make cgroups here")
	}

	// A failed create: the sandbox cannot start on a broken platform.
	bad := brokenPlatform(t, r.Behaviour())
	rb, err := newOnLine(ctx, WithPlatform(bad), WithNetwork(NetworkNone), WithoutSandboxProbe())
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Create(ctx, "never-started", busyboxBundle(t, "true"), nil); err == nil {
		t.Fatalf("Create on %s succeeded", bad)
	}
	// The host-owned name as a container that fails the same way: its cleanup must
	// leave the older directory of that name alone.
	if err := rb.Create(ctx, hostOwned, busyboxBundle(t, "true"), nil); err == nil {
		t.Fatalf("Create on %s succeeded", bad)
	}
	rb.Close(ctx)
	// Killed from outside, then deleted.
	mustStart(t, ctx, r, "killed-outside", busyboxBundle(t, "sleep", "3600"), nil)
	killSandbox(t, ctx, r, "killed-outside")
	if _, err := r.Wait(ctx, "killed-outside"); err == nil {
		t.Log("Wait reported a status for a sandbox killed from outside")
	}
	if err := r.Delete(ctx, "killed-outside", &DeleteOpts{Force: true}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"never-started", "killed-outside"} {
		if left := cgroupDirs(id); len(left) > 0 {
			t.Errorf("%s: cgroup directories left: %v", id, left)
		}
	}
	if now := cgroupDirs(hostOwned); len(now) != len(held) {
		t.Errorf("the host's own cgroup %s was removed: had %v, now %v", hostOwned, held, now)
	}
}

// A bundle that names no hostname gets the container's ID, through Create and through
// Run; one that names a hostname keeps it; the caller's bundle is left as it was.
func TestRealHostnameIsID(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	b := busyboxBundle(t, "busybox", "hostname")
	before := treeHash(t, b)
	read := func(f *os.File) string {
		data, _ := os.ReadFile(f.Name())
		return strings.TrimSpace(string(data))
	}
	// run runs id from bundle and returns the hostname it printed.
	run := func(id, bundle string) string {
		t.Helper()
		out, _ := os.Create(filepath.Join(t.TempDir(), "out"))
		defer out.Close()
		if code, err := r.Run(ctx, id, bundle, &RunOpts{Stdout: out}); err != nil || code != 0 {
			t.Fatalf("Run = %d, %v", code, err)
		}
		return read(out)
	}
	if got := run("host-by-run", b); got != "host-by-run" {
		t.Errorf("Run: hostname %q, want the ID", got)
	}
	out2, _ := os.Create(filepath.Join(t.TempDir(), "out"))
	defer out2.Close()
	mustStart(t, ctx, r, "host-by-create", b, &CreateOpts{Stdout: out2})
	mustWait(t, ctx, r, "host-by-create", 0)
	if got := read(out2); got != "host-by-create" {
		t.Errorf("Create: hostname %q, want the ID", got)
	}
	if after := treeHash(t, b); after != before {
		t.Fatalf("bundle changed:\n%s\n---\n%s", before, after)
	}
	named := t.TempDir()
	if _, err := BuildBundle(named, BundleSpec{Args: []string{"/bin/hostname"}, Rootfs: "/", Readonly: true, Hostname: "chosen"}); err != nil {
		t.Fatal(err)
	}
	if got := run("host-named", named); got != "chosen" {
		t.Errorf("hostname %q, want the bundle's", got)
	}
}

// TestRealRunLeavesNoZombie: when Run returns, no process of its sandbox is left, nor
// a zombie for some later step (or another runtime's check) to find: the gofer that
// runsc run kills as it exits and the platform's stubs, which die a moment after the
// sandbox and reach us only then, are waited for.
func TestRealRunLeavesNoZombie(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	b := busyboxBundle(t, "sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 0.2 & done; exit 3")
	for i := 0; i < 10; i++ {
		if code, err := r.Run(ctx, NewID(), b, nil); code != 3 || err != nil {
			t.Fatalf("Run = %d, %v", code, err)
		}
		if z := zombieChildren(); len(z) > 0 {
			t.Fatalf("run %d: zombies left when Run returned: %v", i, z)
		}
		// Nor any process of its sandbox still dying (the runtime holds no other).
		if left := r.reaper.ownLeft(); len(left) > 0 {
			t.Fatalf("run %d: processes of its sandbox left when Run returned: %v", i, left)
		}
	}
}
