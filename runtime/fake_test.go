package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/internal/forkevents"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// newFake returns a runtime on a fresh copy of the fake runsc.
func newFake(t *testing.T, opts ...Option) (*Runtime, string) {
	t.Helper()
	bin := fakerunsc.Build(t)
	opts = append([]Option{WithStateDir(t.TempDir())}, opts...)
	r, err := NewWithPath(context.Background(), bin, opts...)
	if err != nil {
		t.Fatalf("NewWithPath(fake): %v", err)
	}
	r.cfg.createGrace = 200 * time.Millisecond // the fake's hangs are forever
	t.Cleanup(func() {
		if r.IsAvailable() {
			if err := r.Close(context.Background()); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
		if pids := processesUsingRoot(r.Root()); len(pids) > 0 {
			t.Errorf("fake runsc processes left: %v", pids)
		}
		if z := zombieChildren(); len(z) > 0 {
			t.Errorf("unreaped children: %v", z)
		}
	})
	return r, bin
}

func fakeBundle(t *testing.T, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := BuildBundle(dir, BundleSpec{Args: args}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// setFaults makes f the fault profile of the fake at bin; fakerunsc.Faults{} clears it.
func setFaults(t testing.TB, bin string, f fakerunsc.Faults) {
	t.Helper()
	if err := fakerunsc.SetFaults(bin, f); err != nil {
		t.Fatalf("SetFaults: %v", err)
	}
}

func subcommand(c fakerunsc.Call) (string, []string) {
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i]
		if !strings.HasPrefix(a, "-") {
			return a, c.Args[:i]
		}
		if !strings.Contains(a, "=") && (a == "--root" || a == "--log" || a == "--log-format" || a == "--debug-log") {
			i++
		}
	}
	return "", c.Args
}

func TestFakeLifecycleFlagsAndEnv(t *testing.T) {
	dbg := t.TempDir()
	logs := &syncBuffer{}
	r, bin := newFake(t, WithPlatform("ptrace"), WithRootless(), WithIgnoreCgroups(), WithDebugLog(dbg),
		WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := context.Background()
	b := fakeBundle(t, "sleep", "3600")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustStart(t, ctx, r, "c1", b, nil)
	must(r.Pause(ctx, "c1"))
	must(r.Resume(ctx, "c1"))
	must(r.Kill(ctx, "c1", syscall.SIGKILL, &KillOpts{}))
	mustWait(t, ctx, r, "c1", 137)
	must(r.Delete(ctx, "c1", nil))
	for _, want := range []string{`"msg":"runsc step"`, `"op":"Create","id":"c1","from":"Absent","to":"Created","result":"ok"`, `"op":"Exit"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("slog output lacks %s:\n%s", want, logs.String())
		}
	}
	calls, err := fakerunsc.Calls(bin)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range calls {
		sub, globals := subcommand(c)
		seen[sub] = true
		if !slices.Equal(c.Env, safeEnv) {
			t.Errorf("%s: environment %v not sanitized", sub, c.Env)
		}
		if len(c.Args) == 1 && c.Args[0] == "--version" {
			continue
		}
		g := strings.Join(globals, " ")
		for _, want := range []string{"--platform=ptrace", "--network=none", "--rootless", "--ignore-cgroups", "--debug --debug-log " + dbg + "/", "--overlay", "--log-format json"} {
			if !strings.Contains(g, want) {
				t.Errorf("%s: global flags %q lack %q", sub, g, want)
			}
		}
		if len(globals) < 2 || globals[0] != "--root" || (globals[1] != r.Root() && !strings.HasPrefix(globals[1], r.StateDir()+"/probe-")) {
			t.Errorf("%s: --root not first or not private: %v", sub, globals)
		}
	}
	for _, v := range []string{"create", "start", "pause", "resume", "kill", "wait", "delete", "state", "run"} {
		if !seen[v] {
			t.Errorf("runsc %s never called", v)
		}
	}
	fi, err := os.Lstat(r.Root())
	if err != nil || fi.Mode().Perm() != 0o700 || !fi.IsDir() {
		t.Fatalf("private root %v %v", fi, err)
	}
}

// RunscCalls counts every runsc process: the version and sandbox probes, the
// steps, their state checks, the waiter Start arms and Close's own calls.
func TestFakeRunscCallsCountsEveryProcess(t *testing.T) {
	r, bin := newFake(t)
	ctx := context.Background()
	mustStart(t, ctx, r, "n1", fakeBundle(t, "sleep", "3600"), nil)
	mustKill(t, ctx, r, "n1")
	mustCreate(t, ctx, r, "n2", fakeBundle(t, "sleep", "3600"), nil)
	if err := r.Close(ctx); err != nil { // force-deletes both
		t.Fatal(err)
	}
	calls, err := fakerunsc.Calls(bin)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.RunscCalls(); got != len(calls) {
		t.Errorf("RunscCalls() = %d, the fake ran %d times", got, len(calls))
	}
}

func TestFakeFastExitAndRun(t *testing.T) {
	r, _ := newFake(t)
	ctx := context.Background()
	mustStart(t, ctx, r, "fast", fakeBundle(t, "sh", "-c", "exit 5"), nil)
	mustWait(t, ctx, r, "fast", 5)
	if code, err := r.Run(ctx, "run128", fakeBundle(t, "sh", "-c", "exit 128"), nil); err != nil || code != 128 {
		t.Fatalf("Run exit 128 = %d, %v", code, err)
	}
}

func TestFakeFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("start-exit-128", func(t *testing.T) {
		r, bin := newFake(t)
		b := fakeBundle(t, "sleep", "3600")
		mustCreate(t, ctx, r, "c", b, nil)
		setFaults(t, bin, fakerunsc.Faults{Exit: map[string]int{"start": 128}, Message: "boom"})
		err := r.Start(ctx, "c", nil)
		var re *RunscError
		if !errors.As(err, &re) || re.ExitCode != 128 || re.Msg != "boom" || re.Op != "start" {
			t.Fatalf("Start: want RunscError 128 boom, got %v", err)
		}
		if !hasStep(r, "c", "Start", steptrace.Failed) {
			t.Fatal("no failed Start step")
		}
		setFaults(t, bin, fakerunsc.Faults{})
		if st, err := r.State(ctx, "c"); err != nil || st.Status != "created" {
			t.Fatalf("after failed start: %+v %v", st, err)
		}
	})
	t.Run("garbage-state-after-create", func(t *testing.T) {
		r, bin := newFake(t)
		setFaults(t, bin, fakerunsc.Faults{Garbage: map[string]bool{"state": true}})
		err := r.Create(ctx, "g", fakeBundle(t, "sleep", "3600"), nil)
		if !errors.Is(err, ErrRunsc) || !strings.Contains(err.Error(), "unparsable") {
			t.Fatalf("Create with garbage state: %v", err)
		}
		setFaults(t, bin, fakerunsc.Faults{})
		if l, _ := r.List(ctx); len(l) != 1 {
			// The state could not be confirmed, so cleanup could not check the ID
			// exactly and did not act by prefix; Close removes it.
			t.Logf("list after unconfirmed create: %+v", l)
		}
	})
	t.Run("garbage-list", func(t *testing.T) {
		r, bin := newFake(t)
		setFaults(t, bin, fakerunsc.Faults{Garbage: map[string]bool{"list": true}})
		if _, err := r.List(ctx); !errors.Is(err, ErrRunsc) {
			t.Fatalf("List with garbage: %v", err)
		}
	})
	t.Run("hang-before-start", func(t *testing.T) {
		r, bin := newFake(t)
		mustCreate(t, ctx, r, "h", fakeBundle(t, "sleep", "3600"), nil)
		setFaults(t, bin, fakerunsc.Faults{HangBefore: map[string]bool{"start": true}})
		tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		err := r.Start(tctx, "h", nil)
		setFaults(t, bin, fakerunsc.Faults{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Start with hang: want DeadlineExceeded, got %v", err)
		}
		if !hasStep(r, "h", "Start", steptrace.Unknown) || !hasStep(r, "h", "ForceDelete", steptrace.Cleanup) {
			t.Fatalf("trace: %v", steps(r, "h"))
		}
		if l, _ := r.List(ctx); len(l) != 0 {
			t.Fatalf("sandbox left: %+v", l)
		}
	})
	t.Run("hang-after-create", func(t *testing.T) {
		r, bin := newFake(t)
		setFaults(t, bin, fakerunsc.Faults{HangAfter: map[string]bool{"create": true}})
		tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		err := r.Create(tctx, "h2", fakeBundle(t, "sleep", "3600"), nil)
		setFaults(t, bin, fakerunsc.Faults{})
		if !errors.Is(err, context.DeadlineExceeded) || !hasStep(r, "h2", "ForceDelete", steptrace.Cleanup) {
			t.Fatalf("Create with hang: %v; trace %v", err, steps(r, "h2"))
		}
		if l, _ := r.List(ctx); len(l) != 0 {
			t.Fatalf("sandbox left: %+v", l)
		}
	})
	t.Run("hang-mid-create", func(t *testing.T) {
		r, bin := newFake(t)
		setFaults(t, bin, fakerunsc.Faults{HangMidCreate: true})
		tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		err := r.Create(tctx, "mid", fakeBundle(t, "sleep", "3600"), nil)
		setFaults(t, bin, fakerunsc.Faults{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Create: %v", err)
		}
		found := false
		for _, s := range r.Trace() {
			if s.ID == "mid" && s.Result == steptrace.Cleanup && strings.Contains(s.Note, "killed 1 unrecorded sandbox") {
				found = true
			}
		}
		if !found {
			t.Fatalf("no cleanup of the unrecorded sandbox: %+v", r.Trace())
		}
		if pids := processesUsingRoot(r.Root()); len(pids) > 0 {
			t.Fatalf("left: %v", pids)
		}
	})
	t.Run("run-failure-vs-exit-128", func(t *testing.T) {
		r, bin := newFake(t)
		setFaults(t, bin, fakerunsc.Faults{Exit: map[string]int{"run": 128}, Message: "running container: boom"})
		_, err := r.Run(ctx, "rf", fakeBundle(t, "true"), nil)
		var re *RunscError
		if !errors.As(err, &re) || re.ExitCode != 128 || re.Msg != "running container: boom" {
			t.Fatalf("Run with runsc failure: %v", err)
		}
	})
	t.Run("delete-prefix-and-duplicate", func(t *testing.T) {
		r, bin := newFake(t)
		b := fakeBundle(t, "sleep", "3600")
		mustCreate(t, ctx, r, "dup", b, nil)
		if err := r.Create(ctx, "dup", b, nil); !errors.Is(err, ErrExists) {
			t.Fatalf("duplicate: %v", err)
		}
		calls, _ := fakerunsc.Calls(bin)
		n := 0
		for _, c := range calls {
			if s, _ := subcommand(c); s == "create" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("runsc create ran %d times, want 1", n)
		}
	})
}

func TestFakeVersionsAndPlatforms(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		out string
		ok  bool
	}{
		{"runsc version VERSION_MISSING\nspec: 1.1.0\n", true},
		{"runsc version release-20260905.0\nspec: 1.2.1\n", true},
		{"hello world\n", false},
	} {
		bin := fakerunsc.Build(t)
		setFaults(t, bin, fakerunsc.Faults{Version: c.out})
		tr := &syncBuffer{}
		r, err := NewWithPath(ctx, bin, WithStateDir(t.TempDir()), WithTrace(tr), WithoutSandboxProbe())
		if c.ok {
			if err != nil {
				t.Fatalf("%q: %v", c.out, err)
			}
			if !strings.Contains(strings.Join(r.globals(call{}, "L"), " "), map[bool]string{true: "--overlay2=root:memory", false: "--overlay"}[strings.HasPrefix(c.out, "runsc version release-2026") || strings.Contains(c.out, "VERSION_MISSING")]) {
				t.Errorf("%q: overlay flag %v", c.out, r.globals(call{}, "L"))
			}
			r.Close(ctx)
			continue
		}
		if !errors.Is(err, ErrBadVersion) || !strings.Contains(tr.String(), `"op":"ProbeFail"`) {
			t.Fatalf("garbage version: %v\n%s", err, tr.String())
		}
	}
	bin := fakerunsc.Build(t)
	for _, p := range []string{"systrap", "kvm"} {
		_, err := NewWithPath(ctx, bin, WithStateDir(t.TempDir()), WithPlatform(p), WithProbeTimeout(500*time.Millisecond))
		var pe *PlatformError
		if !errors.As(err, &pe) || pe.Platform != p {
			t.Fatalf("%s: want *PlatformError, got %v", p, err)
		}
	}
	r, _ := newFake(t, WithProbeTimeout(500*time.Millisecond))
	res, err := r.ProbePlatforms(ctx)
	if err != nil || len(res) != 3 || res[0].Works || res[1].Works || !res[2].Works {
		t.Fatalf("ProbePlatforms = %+v, %v", res, err)
	}
	if pids := processesUsingRoot(r.StateDir()); len(pids) > 0 {
		t.Fatalf("probe leftovers %v", pids)
	}
}

func TestFakeSwapAfterValidation(t *testing.T) {
	r, bin := newFake(t, WithoutSandboxProbe())
	os.Remove(bin)
	os.WriteFile(bin, []byte("#!/bin/sh\necho 'runsc version EVIL'\necho 'spec: 9.9.9'\n"), 0o755)
	v, err := r.Version(context.Background())
	if err != nil || v.Release != "0.0~20221219.0" {
		t.Fatalf("Version after swap = %+v, %v", v, err)
	}
}

func TestFakeExecRefusals(t *testing.T) {
	bin := fakerunsc.Build(t)
	tr := &syncBuffer{}
	state := t.TempDir()
	err := ExecWithOCIBundle("bad/id", fakeBundle(t, "true"), WithPath(bin), WithStateDir(state), WithTrace(tr))
	if !errors.Is(err, ErrInvalidID) {
		t.Fatalf("bad id: %v", err)
	}
	err = ExecWithOCIBundle("ok", t.TempDir(), WithPath(bin), WithStateDir(state), WithTrace(tr), WithPlatform("ptrace"))
	if !errors.Is(err, ErrInvalidBundle) {
		t.Fatalf("bad bundle: %v", err)
	}
	if !strings.Contains(tr.String(), `"result":"refused"`) {
		t.Fatalf("trace:\n%s", tr.String())
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused handover left its state directory: %v", err)
	}
	// The method refuses while the runtime holds a container (exec would orphan it),
	// and the runtime stays usable.
	r, _ := newFake(t)
	mustCreate(t, context.Background(), r, "held", fakeBundle(t, "sleep", "60"), nil)
	if err := r.ExecWithOCIBundle("other", fakeBundle(t, "true")); err == nil || !strings.Contains(err.Error(), "holds 1 container") {
		t.Fatalf("handover with a container held: %v", err)
	}
	if !r.IsAvailable() {
		t.Fatalf("runtime %s after a refused handover", r.Lifecycle())
	}
}

func TestFakeExecHandover(t *testing.T) {
	if os.Getenv("GVISORFSM_FAKE_EXEC") != "" {
		err := ExecWithOCIBundle("ex", os.Getenv("GVISORFSM_FAKE_BUNDLE"), WithPath(os.Getenv("GVISORFSM_FAKE_EXEC")),
			WithStateDir(os.Getenv("GVISORFSM_FAKE_STATE")), WithNetwork(NetworkHost), WithPlatform("ptrace"))
		t.Logf("exec returned %v", err)
		os.Exit(99)
	}
	bin := fakerunsc.Build(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFakeExecHandover$")
	cmd.Env = append(os.Environ(), "GVISORFSM_FAKE_EXEC="+bin, "GVISORFSM_FAKE_BUNDLE="+fakeBundle(t, "sh", "-c", "exit 7"),
		"GVISORFSM_FAKE_STATE="+t.TempDir())
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("child: %v, want exit 7", err)
	}
	calls, _ := fakerunsc.Calls(bin)
	last := calls[len(calls)-1]
	sub, globals := subcommand(last)
	if sub != "run" || !slices.Equal(last.Env, safeEnv) || !slices.Contains(globals, "--network=host") || globals[0] != "--root" {
		t.Fatalf("handover call %+v", last)
	}
}

// The runtime makes the process a child subreaper and reaps what runsc leaves it, but
// never a process it did not start: an embedding program's own children, even ones
// named like runsc's re-executed helpers ("exe") or its descriptor-run commands (a
// number), keep their exit statuses for os/exec.
func TestFakeCallersChildrenNotReaped(t *testing.T) {
	r, _ := newFake(t)
	ctx := context.Background()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("SKIPPING: no sh to copy")
	}
	data, err := os.ReadFile(sh)
	if err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	for _, name := range []string{"exe", "42"} {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(p, "-c", "exit 7")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		// Let it become a zombie before the runtime looks.
		for {
			st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
			if err != nil {
				t.Fatalf("child %s vanished before it was waited for: %v", name, err)
			}
			if i := strings.LastIndexByte(string(st), ')'); i > 0 && strings.HasPrefix(string(st[i+1:]), " Z") {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	b := fakeBundle(t, "sh", "-c", "exit 3")
	mustStart(t, ctx, r, "c1", b, nil)
	mustWait(t, ctx, r, "c1", 3)
	if err := r.Delete(ctx, "c1", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(ctx, "r1", b, nil); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, ctx, r, "c2", b, nil)
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range cmds {
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 7 {
			t.Errorf("caller's child %s: Wait = %v; want exit status 7 (the runtime reaped it)", filepath.Base(cmd.Path), err)
		}
	}
}

// The reaper must never wait for a runsc command the runtime itself started: argv0 of
// ours is a path or /proc/self/fd/N, so only the in-flight record tells them apart from
// the processes runsc leaves behind. Reaping one steals its exit status from os/exec,
// so a create that worked would be reported as failed.
func TestFakeReaperLeavesInFlightCommands(t *testing.T) {
	r, bin := newFake(t)
	if !reaping() {
		t.Skip("SKIPPING: the process cannot be a child subreaper, so nothing is adopted")
	}
	setFaults(t, bin, fakerunsc.Faults{SlowAfter: map[string]int{"create": 150}})
	ctx := context.Background()
	b := fakeBundle(t, "sleep", "3600")
	done := make(chan struct{})
	reaperDone := make(chan struct{})
	var adoptedCommands []string // runsc create commands a reaper claimed
	go func() {
		defer close(reaperDone)
		for {
			select {
			case <-done:
				return
			default:
			}
			r.reaper.adoptOrphans(r.Root())
			// The name test in adoptOrphans is no guard (argv0 may be a path or
			// /proc/self/fd/N), so offer every process of the root to adoptPid as a
			// reaper that cannot tell by name would: it must refuse our commands.
			for _, pid := range processesUsingRoot(r.Root()) {
				r.reaper.adoptPid(pid)
			}
			// Which of the two waiters gets a stolen status is up to the scheduler;
			// that the reaper claimed the command at all is not.
			adoptedPids.Range(func(k, _ any) bool {
				cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", k.(int)))
				if slices.Contains(strings.Split(string(cl), "\x00"), "create") {
					adoptedCommands = append(adoptedCommands, strings.ReplaceAll(string(cl), "\x00", " "))
				}
				return true
			})
			time.Sleep(time.Millisecond)
		}
	}()
	const n = 20
	var errs []error
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("slow-%02d-c", i) // no ID a prefix of another
		if err := r.Create(ctx, id, b, nil); err != nil {
			errs = append(errs, fmt.Errorf("Create(%s): %w", id, err))
		}
	}
	close(done)
	<-reaperDone
	for _, err := range errs {
		t.Error(err)
	}
	for _, c := range adoptedCommands {
		t.Errorf("reaper adopted the runtime's own runsc command: %s", c)
	}
	creates := 0
	for _, s := range r.Trace() {
		if s.Op != "Create" {
			continue
		}
		creates++
		if s.Result != steptrace.OK || s.Exit != 0 {
			t.Errorf("Create step %+v: want result ok, exit 0 (runsc's real status)", s)
		}
	}
	if creates != n {
		t.Errorf("%d Create steps, want %d", creates, n)
	}
}

// Once runsc has accepted a Kill, the stop is on its way and a Pause would hold it
// back: the lifecycle (the spec's killReq guard on Pause) refuses Pause before runsc
// runs. `runsc wait` is held up and the sandbox process stopped (SIGSTOP), so that
// the stop has not arrived (the container is still Running) when Pause is asked for,
// however slowly the test runs.
func TestFakePauseAfterKillRefused(t *testing.T) {
	r, bin := newFake(t)
	ctx := context.Background()
	b := fakeBundle(t, "sleep", "3600")
	setFaults(t, bin, fakerunsc.Faults{HangBefore: map[string]bool{"wait": true}})
	mustStart(t, ctx, r, "pk", b, nil)
	st, err := r.State(ctx, "pk")
	if err != nil {
		t.Fatal(err)
	}
	// The fake sandbox exits once it sees its container stopped; held stopped, it
	// cannot, and the reaper has nothing to report until it is let go.
	if err := syscall.Kill(st.Pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(st.Pid, syscall.SIGCONT)
	if err := r.Kill(ctx, "pk", syscall.SIGTERM, nil); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	err = r.Pause(ctx, "pk")
	var se *StepError
	if !errors.Is(err, ErrIllegal) || !errors.As(err, &se) {
		t.Fatalf("Pause after an accepted Kill: got %v, want a *StepError (ErrIllegal)", err)
	}
	tr := r.Trace()
	last := tr[len(tr)-1]
	if last.Op != "Pause" || last.Result != steptrace.Refused || last.From != "Running" || last.To != "Running" || last.Exit != -1 {
		t.Errorf("last step %+v: want Pause refused, Running -> Running, exit -1", last)
	}
	calls, err := fakerunsc.Calls(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		if sub, _ := subcommand(c); sub == "pause" {
			t.Errorf("runsc pause ran: %v", c.Args)
		}
	}
}

// TestWatchDescendantsBothWays runs a command that forks a short-lived child and
// checks that both ways of watching it — fork events, and polling /proc where fork
// events are not available — note that child as the runtime's.
func TestWatchDescendantsBothWays(t *testing.T) {
	for _, way := range []string{"fork events", "polling"} {
		t.Run(way, func(t *testing.T) {
			r, _ := newFake(t)
			if !reaping() {
				t.Skip("SKIP: not a child subreaper here; nothing is watched")
			}
			var forks *forkevents.Watch
			if way == "fork events" {
				if forks = r.reaper.listenForks(); forks == nil {
					if os.Getenv("CI") == "true" {
						t.Fatal("no fork events as root under CI")
					}
					t.Skip("SKIP (needs root): fork events unavailable")
				}
			}
			// The polling way sees only what lives for a tick: the child sleeps for a few.
			cmd := exec.Command("/bin/sh", "-c", "sleep 0.2 & echo $!; wait")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			stop := r.reaper.watchDescendants(cmd.Process.Pid, forks, nil)
			line, _ := io.ReadAll(out)
			if err := cmd.Wait(); err != nil {
				t.Fatal(err)
			}
			stop()
			child, err := strconv.Atoi(strings.TrimSpace(string(line)))
			if err != nil {
				t.Fatalf("sh printed %q", line)
			}
			r.reaper.own.mu.Lock()
			_, noted := r.reaper.own.pids[child]
			_, parent := r.reaper.own.pids[cmd.Process.Pid]
			r.reaper.own.mu.Unlock()
			if !noted {
				t.Errorf("child %d of the watched command not noted", child)
			}
			if parent {
				t.Errorf("the watched command %d itself noted: it is os/exec's", cmd.Process.Pid)
			}
		})
	}
}

// TestFakeShortLivedHelpersReaped has every runsc command leave a helper that
// holds its stdio for a moment and exits, often before the command itself does:
// a zombie with no command line is then reparented to us, and only what the
// command was seen to fork can claim it. newFake's cleanup fails on any child
// left unreaped.
func TestFakeShortLivedHelpersReaped(t *testing.T) {
	ctx := context.Background()
	r, bin := newFake(t)
	if forks := r.reaper.listenForks(); forks == nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no fork events as root under CI")
		}
		t.Skip("SKIP (needs root): without fork events such a helper can be missed")
	} else {
		forks.Stop()
	}
	b := fakeBundle(t, "sleep", "3600")
	hold := map[string]int{}
	for _, sub := range []string{"create", "start", "state", "kill", "delete"} {
		hold[sub] = 1
	}
	setFaults(t, bin, fakerunsc.Faults{PipeHold: hold})
	for i := range 10 {
		id := "c" + strconv.Itoa(i)
		mustStart(t, ctx, r, id, b, nil)
		if err := r.Kill(ctx, id, syscall.SIGKILL, nil); err != nil {
			t.Fatal(err)
		}
		if err := r.Delete(ctx, id, &DeleteOpts{Force: true}); err != nil {
			t.Fatal(err)
		}
	}
}

// A process noted at its fork has not called setsid yet; once it has, its session
// must become the runtime's, or the processes that later join it (the ptrace
// platform's stubs) are claimed by nobody.
func TestNoteDescendantsLearnsLaterSessions(t *testing.T) {
	rp := newReaper(func(int, syscall.WaitStatus) {}, nil)
	rp.own.add(100, procfs.Stat{PPid: 1, Session: 50, Start: 7}) // at its fork
	rp.noteDescendantsIn(map[int]procfs.Stat{
		100: {PPid: 1, Session: 100, Start: 7}, // it called setsid
		101: {PPid: 100, Session: 100, Start: 8},
	})
	if !rp.own.inSession(100) {
		t.Fatal("the session of a noted process that became a leader is not the runtime's")
	}
	if !rp.own.claims(102, procfs.Stat{PPid: 1, Session: 100, Start: 9}) {
		t.Fatal("a later member of that session is not claimed")
	}
	if rp.own.claims(103, procfs.Stat{PPid: 1, Session: 50, Start: 9}) {
		t.Fatal("a process of the session it left is claimed")
	}
}

func TestFakePlatformChoice(t *testing.T) {
	ctx := context.Background()
	// The fake knows no systrap and hangs on kvm: the first that works is ptrace, and
	// each move on is a Retry of the runtime machine.
	tr := &syncBuffer{}
	r, _ := newFake(t, WithTrace(tr), WithProbeTimeout(500*time.Millisecond))
	if r.Platform() != "ptrace" {
		t.Fatalf("Platform() = %q, want ptrace", r.Platform())
	}
	steps, err := steptrace.Read(strings.NewReader(tr.String()))
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, s := range steps {
		ops = append(ops, s.Op)
	}
	if got, want := strings.Join(ops, " "), "Resolve ProbeFail Retry Resolve ProbeFail Retry Resolve Probe"; got != want {
		t.Fatalf("trace ops %q, want %q", got, want)
	}
	// Nothing starts: New fails with every platform's reason, each a *PlatformError.
	bin := fakerunsc.Build(t)
	setFaults(t, bin, fakerunsc.Faults{Exit: map[string]int{"run": 128}, Message: "no sandbox here"})
	_, err = NewWithPath(ctx, bin, WithStateDir(t.TempDir()), WithProbeTimeout(500*time.Millisecond))
	if !errors.Is(err, ErrPlatform) || !strings.Contains(err.Error(), "no gVisor platform starts a sandbox here") {
		t.Fatalf("nothing works: %v", err)
	}
	for _, p := range Platforms {
		if !strings.Contains(err.Error(), `platform "`+p+`"`) {
			t.Errorf("error %q does not say why %s failed", err, p)
		}
	}
	// The package-level checks need no runtime of the caller's.
	if err := IsAvailable(ctx, WithPath(bin), WithStateDir(t.TempDir())); !errors.Is(err, ErrPlatform) {
		t.Errorf("IsAvailable(no platform works) = %v", err)
	}
	good := fakerunsc.Build(t)
	if err := IsAvailable(ctx, WithPath(good), WithStateDir(t.TempDir())); err != nil {
		t.Errorf("IsAvailable(fake) = %v", err)
	}
	if err := IsAvailable(ctx, WithPath(good), WithStateDir(t.TempDir()), WithPlatform("systrap")); !errors.Is(err, ErrPlatform) {
		t.Errorf("IsAvailable(explicit systrap) = %v, want ErrPlatform: an explicit platform is never replaced", err)
	}
	res, err := ProbePlatforms(ctx, WithPath(good), WithStateDir(t.TempDir()), WithProbeTimeout(500*time.Millisecond))
	if err != nil || len(res) != 3 || res[0].Works || res[1].Works || !res[2].Works {
		t.Fatalf("ProbePlatforms = %+v, %v", res, err)
	}
}

// Errors say what to do next, and name the IDs they are about.
func TestFakeActionableErrors(t *testing.T) {
	r, _ := newFake(t)
	ctx := context.Background()
	b := fakeBundle(t, "sleep", "3600")
	mustStart(t, ctx, r, "task-1", b, nil)
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := r.Wait(wctx, "task-1")
	var sr *StillRunningError
	if !errors.As(err, &sr) || sr.ID != "task-1" || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "still runs") {
		t.Fatalf("Wait past its deadline: %v, want a *StillRunningError for task-1", err)
	}
	if st, err := r.State(ctx, "task-1"); err != nil || st.Status != "running" {
		t.Fatalf("after the timed-out Wait: %+v, %v; want it running", st, err)
	}
	err = r.Delete(ctx, "task-1", nil)
	var se *StepError
	if !errors.As(err, &se) || !strings.Contains(se.Hint, "Force") || !strings.Contains(err.Error(), "Force") {
		t.Fatalf("Delete of a running container: %v, want a hint at Force", err)
	}
	var ce *ContainerError
	if err := r.Create(ctx, "task-1", b, nil); !errors.As(err, &ce) || ce.ID != "task-1" || !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate Create: %v, want a *ContainerError naming task-1", err)
	}
	if err := r.Create(ctx, "task-10", b, nil); !errors.As(err, &ce) || ce.ID != "task-10" || ce.Other != "task-1" || !errors.Is(err, ErrAmbiguousID) {
		t.Fatalf("Create of task-10 beside task-1: %v, want a *ContainerError naming both", err)
	}
	if err := r.Kill(ctx, "task-2", 0, nil); !errors.As(err, &ce) || ce.ID != "task-2" || !errors.Is(err, ErrNoContainer) {
		t.Fatalf("Kill of an unknown ID: %v, want a *ContainerError naming task-2", err)
	}
	if err := r.Delete(ctx, "task-1", &DeleteOpts{Force: true}); err != nil {
		t.Fatal(err)
	}
	// IDs from NewID live side by side.
	ids := map[string]bool{}
	for range 200 {
		id := NewID()
		if err := ValidateID(id); err != nil {
			t.Fatal(err)
		}
		for other := range ids {
			if strings.HasPrefix(other, id) || strings.HasPrefix(id, other) {
				t.Fatalf("NewID gave %q and %q", id, other)
			}
		}
		ids[id] = true
	}
	a, c := NewID(), NewID()
	for _, id := range []string{a, c} {
		if err := r.Create(ctx, id, b, nil); err != nil {
			t.Fatalf("Create %s: %v", id, err)
		}
	}
}

// WithStateDir names the directory StateDir returns; Close removes it; a directory
// with something in it is not taken.
func TestFakeStateDirIsWithStateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	r, _ := newFake(t, WithStateDir(dir), WithoutSandboxProbe())
	if r.StateDir() != dir || r.Root() != filepath.Join(dir, "root") {
		t.Fatalf("StateDir() = %q, Root() = %q; want %q and its root", r.StateDir(), r.Root(), dir)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state directory after Close: %v", err)
	}
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "mine"), nil, 0o600)
	_, err := NewWithPath(context.Background(), fakerunsc.Build(t), WithStateDir(full), WithoutSandboxProbe())
	if err == nil || !strings.Contains(err.Error(), "not an empty directory") {
		t.Fatalf("New with a non-empty state directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(full, "mine")); err != nil {
		t.Fatalf("the caller's file: %v", err)
	}
}
