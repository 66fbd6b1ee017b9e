package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/runsctest"
	"github.com/gvisorfsm/gvisorfsm/runtime"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// requireRunsc skips (loudly) under -short, and without root and the runsc under test
// (internal/runsctest: RUNSC, or Debian's) except in CI, where their absence fails the
// test.
func requireRunsc(t *testing.T) {
	t.Helper()
	runsctest.Need(t)
}

// buildBinary compiles gvisorfsm into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "gvisorfsm")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// invocation is one run of the binary, with TMPDIR pointing at a private directory:
// the runtime's state directory (runsc's --root) and the bundle go there, so afterwards
// the directory must be empty and no process may name it.
type invocation struct {
	cmd            *exec.Cmd
	tmp            string
	stdout, stderr bytes.Buffer
}

func command(t *testing.T, bin string, args ...string) *invocation {
	t.Helper()
	inv := &invocation{tmp: t.TempDir()}
	// The command resolves runsc itself: the runsc under test is what it finds first.
	argv := runsctest.AsInstalled(append([]string{bin}, args...)...)
	inv.cmd = exec.Command(argv[0], argv[1:]...)
	inv.cmd.Env = append(os.Environ(), "TMPDIR="+inv.tmp)
	inv.cmd.Stdout, inv.cmd.Stderr = &inv.stdout, &inv.stderr
	// The output reaches the test through pipes: if anything held them open after
	// gvisorfsm exited, Wait would return ErrWaitDelay instead of hanging.
	inv.cmd.WaitDelay = 30 * time.Second
	return inv
}

// status returns the exit status of a finished command.
func (inv *invocation) status(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode()
	}
	t.Fatalf("%s: %v\nstderr: %s", inv.cmd, err, inv.stderr.String())
	return -1
}

// run runs the command to completion and returns its exit status.
func (inv *invocation) run(t *testing.T) int {
	t.Helper()
	return inv.status(t, inv.cmd.Run())
}

// checkNothingLeft asserts that the invocation left no file in its TMPDIR and no
// process behind: every runsc process it started names its TMPDIR (--root, --bundle).
// Other runsc processes on the machine are not this test's business.
func (inv *invocation) checkNothingLeft(t *testing.T) {
	t.Helper()
	if ents, err := os.ReadDir(inv.tmp); err != nil || len(ents) != 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("left in TMPDIR %s: %v %v", inv.tmp, names, err)
	}
	if ps := processesNaming(inv.tmp); len(ps) > 0 {
		t.Errorf("processes left behind:\n%s", strings.Join(ps, "\n"))
	}
}

// processesNaming lists the processes whose command line contains s.
func processesNaming(s string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cl, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !bytes.Contains(cl, []byte(s)) {
			continue
		}
		out = append(out, e.Name()+": "+strings.ReplaceAll(string(bytes.TrimRight(cl, "\x00")), "\x00", " "))
	}
	return out
}

func TestEndToEnd(t *testing.T) {
	requireRunsc(t)
	bin := buildBinary(t, t.TempDir())

	t.Run("ExitStatus", func(t *testing.T) {
		// 128 is the workload's own here, not a runsc failure; 137 is death by SIGKILL.
		for script, want := range map[string]int{"exit 3": 3, "exit 128": 128, "kill -9 $$": 137} {
			inv := command(t, bin, "run", "--", "/bin/sh", "-c", script)
			if st := inv.run(t); st != want {
				t.Errorf("sh -c %q: exit %d, want %d; stderr: %s", script, st, want, inv.stderr.String())
			}
			inv.checkNothingLeft(t)
		}
	})

	t.Run("Uname", func(t *testing.T) {
		inv := command(t, bin, "run", "--", "uname", "-a")
		if st := inv.run(t); st != 0 {
			t.Fatalf("exit %d; stderr: %s", st, inv.stderr.String())
		}
		var host syscall.Utsname
		if err := syscall.Uname(&host); err != nil {
			t.Fatal(err)
		}
		hostRelease := utsString(host.Release[:])
		f := strings.Fields(inv.stdout.String())
		if len(f) < 3 || f[0] != "Linux" || f[2] == hostRelease {
			t.Errorf("uname -a in the sandbox printed %q; want Linux with a kernel release other than the host's %q",
				inv.stdout.String(), hostRelease)
		}
		t.Logf("sandbox: %s", strings.TrimSpace(inv.stdout.String()))
		inv.checkNothingLeft(t)
	})

	t.Run("CallersFilesKeepTheirOwners", func(t *testing.T) {
		// runsc makes the sandbox's stdio the sandbox user's: none of the caller's
		// objects may be handed to it.
		dir := t.TempDir()
		in := filepath.Join(dir, "in")
		out := filepath.Join(dir, "out")
		dev := filepath.Join(dir, "tty-like")
		if err := os.WriteFile(in, []byte("private words\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, nil, 0o640); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mknod(dev, syscall.S_IFCHR|0o620, 1<<8|3); err != nil {
			t.Fatal(err)
		}
		owners := map[string][2]int{in: {1111, 2222}, out: {3333, 4444}, dev: {5555, 6666}}
		for p, o := range owners {
			if err := os.Chown(p, o[0], o[1]); err != nil {
				t.Fatal(err)
			}
		}
		modes := map[string]os.FileMode{}
		for p := range owners {
			fi, _ := os.Stat(p)
			modes[p] = fi.Mode()
		}
		inv := command(t, bin, "run", "--", "/bin/sh", "-c", "cat; echo done >&2")
		fin, err := os.Open(in)
		if err != nil {
			t.Fatal(err)
		}
		defer fin.Close()
		fout, err := os.OpenFile(out, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer fout.Close()
		fdev, err := os.OpenFile(dev, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer fdev.Close()
		inv.cmd.Stdin, inv.cmd.Stdout, inv.cmd.Stderr = fin, fout, fdev
		if st := inv.run(t); st != 0 {
			t.Fatalf("exit %d", st)
		}
		for p, o := range owners {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			st := fi.Sys().(*syscall.Stat_t)
			if int(st.Uid) != o[0] || int(st.Gid) != o[1] || fi.Mode() != modes[p] {
				t.Errorf("%s: %d:%d %v after the run, was %d:%d %v", filepath.Base(p), st.Uid, st.Gid, fi.Mode(), o[0], o[1], modes[p])
			}
		}
		if b, _ := os.ReadFile(out); string(b) != "private words\n" {
			t.Errorf("stdout file holds %q", b)
		}
		inv.checkNothingLeft(t)
	})

	t.Run("KilledLeavesNothingForLong", func(t *testing.T) {
		// SIGKILL gives gvisorfsm no chance to clean up: its sandbox must go with it
		// within seconds, and the next run collects what it left in TMPDIR.
		inv := command(t, bin, "run", "--id", "e2e-sigkilled", "--", "/bin/sleep", "120")
		if err := inv.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(2 * time.Minute)
		for !sandboxRunning(inv.tmp, "e2e-sigkilled") {
			if time.Now().After(deadline) {
				inv.cmd.Process.Kill()
				inv.cmd.Wait()
				t.Fatalf("no sandbox appeared\nstderr: %s", inv.stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		inv.cmd.Process.Signal(syscall.SIGKILL)
		inv.cmd.Wait()
		deadline = time.Now().Add(5 * time.Second)
		for len(processesNaming(inv.tmp)) > 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if ps := processesNaming(inv.tmp); len(ps) > 0 {
			t.Errorf("5s after gvisorfsm was killed:\n%s", strings.Join(ps, "\n"))
		}
		next := command(t, bin, "run", "--", "/bin/true")
		next.tmp = inv.tmp
		next.cmd.Env = append(os.Environ(), "TMPDIR="+inv.tmp)
		if st := next.run(t); st != 0 {
			t.Fatalf("the next run: exit %d; stderr: %s", st, next.stderr.String())
		}
		next.checkNothingLeft(t)
		// The standard places of cgroup v2 and v1 hierarchies.
		v2, _ := filepath.Glob("/sys/fs/cgroup/e2e-sigkilled")
		v1, _ := filepath.Glob("/sys/fs/cgroup/*/e2e-sigkilled")
		if left := append(v2, v1...); len(left) > 0 {
			t.Errorf("the killed run's cgroups are left: %v", left)
		}
	})

	t.Run("TraceFileNeverFollowsOrReplacesForeign", func(t *testing.T) {
		dir := t.TempDir()
		os.Chmod(dir, 0o1777) // a sticky, world-writable directory, like /tmp
		victim := filepath.Join(t.TempDir(), "victim")
		if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chown(victim, 4242, 4242)
		planted := map[string]func(p string) error{
			"symlink":          func(p string) error { return os.Symlink(victim, p) },
			"dangling symlink": func(p string) error { return os.Symlink(filepath.Join(dir, "made-through-link"), p) },
			"hard link":        func(p string) error { return os.Link(victim, p) },
			"fifo":             func(p string) error { return syscall.Mkfifo(p, 0o666) },
			"foreign file": func(p string) error {
				if err := os.WriteFile(p, []byte("theirs\n"), 0o666); err != nil {
					return err
				}
				return os.Chown(p, 4343, 4343)
			},
		}
		i := 0
		for name, plant := range planted {
			i++
			p := filepath.Join(dir, "trace"+strconv.Itoa(i))
			if err := plant(p); err != nil {
				t.Fatal(err)
			}
			inv := command(t, bin, "run", "--trace", p, "--", "/bin/true")
			if st := inv.run(t); st == 0 {
				t.Errorf("%s: --trace through it accepted", name)
			}
			if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
				t.Fatalf("%s: the victim now holds %q", name, b)
			}
			if _, err := os.Lstat(filepath.Join(dir, "made-through-link")); err == nil {
				t.Fatalf("%s: a file was created through a symlink", name)
			}
			inv.checkNothingLeft(t)
		}
		// The caller's own files: a new one is 0600, an old one is replaced.
		mine := filepath.Join(dir, "mine")
		os.WriteFile(mine, bytes.Repeat([]byte("old\n"), 10000), 0o640)
		for _, p := range []string{filepath.Join(dir, "new"), mine} {
			inv := command(t, bin, "run", "--trace", p, "--", "/bin/true")
			if st := inv.run(t); st != 0 {
				t.Fatalf("--trace %s: exit %d; stderr: %s", p, st, inv.stderr.String())
			}
			readTrace(t, p)
		}
		if fi, _ := os.Stat(filepath.Join(dir, "new")); fi == nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("a new trace file: %v, want mode 0600", fi)
		}
	})

	t.Run("OutputOrderThroughOnePipe", func(t *testing.T) {
		inv := command(t, bin, "run", "--", "/bin/sh", "-c", "echo a; echo b >&2; echo c; echo d >&2")
		var both bytes.Buffer
		inv.cmd.Stdout, inv.cmd.Stderr = &both, &both // one pipe, like 2>&1
		if st := inv.run(t); st != 0 {
			t.Fatalf("exit %d; output: %s", st, both.String())
		}
		if both.String() != "a\nb\nc\nd\n" {
			t.Errorf("output %q, want %q", both.String(), "a\nb\nc\nd\n")
		}
		inv.checkNothingLeft(t)
	})

	t.Run("OutputToFiles", func(t *testing.T) {
		dir := t.TempDir()
		// A file opened without O_APPEND, and one with: both must end up with everything
		// written after what was there before.
		plain, appending := outputFiles(t, dir)
		plain.WriteString("before\n")
		appending.WriteString("before\n")
		inv := command(t, bin, "run", "--", "/bin/sh", "-c", "echo out; echo err >&2")
		inv.cmd.Stdout, inv.cmd.Stderr = plain, appending
		if st := inv.run(t); st != 0 {
			t.Fatalf("exit %d", st)
		}
		plain.WriteString("after\n")
		appending.WriteString("after\n")
		for name, want := range map[string]string{"plain": "before\nout\nafter\n", "append": "before\nerr\nafter\n"} {
			got, _ := os.ReadFile(filepath.Join(dir, name))
			if string(got) != want {
				t.Errorf("%s file holds %q, want %q", name, got, want)
			}
		}
		inv.checkNothingLeft(t)
	})

	t.Run("Stdin", func(t *testing.T) {
		inv := command(t, bin, "run", "--", "/bin/sh", "-c", "read x; echo got $x")
		inv.cmd.Stdin = strings.NewReader("hello\n")
		if st := inv.run(t); st != 0 {
			t.Fatalf("exit %d; stderr: %s", st, inv.stderr.String())
		}
		if inv.stdout.String() != "got hello\n" {
			t.Errorf("stdout %q, want %q", inv.stdout.String(), "got hello\n")
		}
		inv.checkNothingLeft(t)
	})

	t.Run("Trace", func(t *testing.T) {
		trace := filepath.Join(t.TempDir(), "trace.ndjson")
		inv := command(t, bin, "run", "--trace", trace, "--id", "e2e-trace", "--", "/bin/sh", "-c", "exit 5")
		if st := inv.run(t); st != 5 {
			t.Fatalf("exit %d, want 5; stderr: %s", st, inv.stderr.String())
		}
		steps := readTrace(t, trace)
		var ops []string
		for i, s := range steps {
			ops = append(ops, s.Op)
			if s.Seq != int64(i+1) {
				t.Errorf("step %d has seq %d", i+1, s.Seq)
			}
			if s.Result != steptrace.OK {
				t.Errorf("step %+v: result %q, want ok", s, s.Result)
			}
		}
		// The platforms that do not start a sandbox here come first, each left by a Retry.
		got := strings.Join(ops, " ")
		for strings.HasPrefix(got, "Resolve ProbeFail Retry ") {
			got = strings.TrimPrefix(got, "Resolve ProbeFail Retry ")
		}
		if want := "Resolve Probe Run Close CloseDone"; got != want {
			t.Fatalf("ops %q, want retries then %q", ops, want)
		}
		run := steps[len(steps)-3]
		if run.ID != "e2e-trace" || run.From != "Absent" || run.To != "Deleted" || run.Exit != 5 {
			t.Errorf("Run step = %+v; want e2e-trace Absent -> Deleted, exit 5", run)
		}
		inv.checkNothingLeft(t)
	})

	t.Run("Rootfs", func(t *testing.T) {
		rootfs := t.TempDir()
		if err := os.Mkdir(filepath.Join(rootfs, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		bb, err := os.ReadFile("/usr/bin/busybox")
		if err != nil {
			t.Skipf("SKIPPING: no static busybox to build a root filesystem from: %v", err)
		}
		if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), bb, 0o755); err != nil {
			t.Fatal(err)
		}
		inv := command(t, bin, "run", "--rootfs", rootfs, "--", "/bin/busybox", "sh", "-c",
			"/bin/busybox ls /bin; echo x > /tmp/scratch && /bin/busybox cat /tmp/scratch; echo y > /bin/new || echo read-only")
		if st := inv.run(t); st != 0 {
			t.Fatalf("exit %d; stderr: %s", st, inv.stderr.String())
		}
		if got, want := inv.stdout.String(), "busybox\nx\nread-only\n"; got != want {
			t.Errorf("stdout %q, want %q (only busybox in /bin, /tmp writable, / not)", got, want)
		}
		if ents, _ := os.ReadDir(rootfs); len(ents) != 1 {
			t.Errorf("the root filesystem was modified: %v", ents)
		}
		inv.checkNothingLeft(t)
	})

	t.Run("CommandNotFound", func(t *testing.T) {
		// By path and by a bare name looked up in PATH, like a shell.
		for _, cmd := range []string{"/no/such/command", "no-such-command-" + strconv.Itoa(os.Getpid()), "bin/missing"} {
			inv := command(t, bin, "run", "--", cmd, "arg")
			if st := inv.run(t); st != 127 {
				t.Errorf("%s: exit %d, want 127; stderr: %s", cmd, st, inv.stderr.String())
			}
			// runsc's error reaches the terminal once (runsc writes it on the
			// workload's stderr), followed by gvisorfsm's own line.
			se := inv.stderr.String()
			lines := strings.Split(strings.TrimSpace(se), "\n")
			if len(lines) != 2 || !strings.Contains(lines[0], "no such file or directory") || strings.Count(se, lines[0]) != 1 ||
				!strings.HasPrefix(lines[1], "gvisorfsm: ") {
				t.Errorf("%s: want runsc's error once, then gvisorfsm's line; stderr:\n%s", cmd, se)
			}
			inv.checkNothingLeft(t)
		}
	})

	t.Run("ExplicitPlatformIsNotReplaced", func(t *testing.T) {
		// This runsc predates systrap; newer ones may have it, so use a name no runsc knows.
		inv := command(t, bin, "run", "--platform", "nosuchplatform", "--", "true")
		if st := inv.run(t); st != exitTool {
			t.Errorf("exit %d, want %d", st, exitTool)
		}
		if !strings.Contains(inv.stderr.String(), `platform "nosuchplatform" unusable`) {
			t.Errorf("stderr %q does not name the platform", inv.stderr.String())
		}
		inv.checkNothingLeft(t)
	})

	t.Run("Interrupt", func(t *testing.T) {
		// Ctrl-C at a terminal: SIGINT to the whole process group, runsc included.
		inv := command(t, bin, "run", "--id", "e2e-interrupt", "--", "sleep", "1000")
		inv.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		st := signalWhenRunning(t, inv, "e2e-interrupt", func(pid int) error { return syscall.Kill(-pid, syscall.SIGINT) })
		if st != 128+int(syscall.SIGINT) {
			t.Errorf("exit %d, want %d; stderr: %s", st, 128+int(syscall.SIGINT), inv.stderr.String())
		}
		// runsc dies of the SIGINT too: that is the interruption, not a runsc failure.
		if strings.Contains(inv.stderr.String(), "exit -1") {
			t.Errorf("interruption reported as a runsc failure: %s", inv.stderr.String())
		}
		inv.checkNothingLeft(t)
	})

	t.Run("RunscKilled", func(t *testing.T) {
		// A SIGTERM to runsc alone, not to gvisorfsm: gvisorfsm reports the signal, exits
		// as if the workload had died of it, and removes the sandbox runsc left.
		inv := command(t, bin, "run", "--id", "e2e-runsc-killed", "--", "sleep", "1000")
		st := signalWhenRunning(t, inv, "e2e-runsc-killed", func(pid int) error {
			runsc := runscRunOf(inv.tmp, "e2e-runsc-killed", pid)
			if runsc == 0 {
				return errors.New("no runsc run process under gvisorfsm")
			}
			return syscall.Kill(runsc, syscall.SIGTERM)
		})
		if st != 128+int(syscall.SIGTERM) {
			t.Errorf("exit %d, want %d; stderr: %s", st, 128+int(syscall.SIGTERM), inv.stderr.String())
		}
		if se := inv.stderr.String(); !strings.Contains(se, "killed by signal 15") || strings.Contains(se, "exit -1") {
			t.Errorf("stderr %q does not report runsc's death by SIGTERM as an interruption", se)
		}
		inv.checkNothingLeft(t)
	})

	t.Run("SandboxKilled", func(t *testing.T) {
		// The sandbox process killed from outside (any uid-65534 process can): not
		// the workload's status, but an unknown one, said so, ending as by the signal.
		id := runtime.NewID()
		inv := command(t, bin, "run", "--id", id, "--", "sleep", "1000")
		st := signalWhenRunning(t, inv, id, func(int) error {
			for _, p := range processesNaming(inv.tmp) {
				pidStr, cl, _ := strings.Cut(p, ": ")
				if !strings.HasPrefix(cl, "runsc-sandbox ") || !strings.HasSuffix(cl, " "+id) {
					continue
				}
				pid, _ := strconv.Atoi(pidStr)
				var root string
				for _, a := range strings.Fields(cl) {
					if r, ok := strings.CutPrefix(a, "--root="); ok {
						root = r
					}
				}
				// Once the workload runs, not while the sandbox starts.
				for i := 0; i < 500; i++ {
					out, _ := exec.Command(runsctest.Path(), "--root", root, "state", id).Output()
					if strings.Contains(string(out), `"running"`) {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				if pid > 0 {
					return syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			return errors.New("no sandbox process")
		})
		if st != 128+int(syscall.SIGKILL) {
			t.Errorf("exit %d, want %d; stderr: %s", st, 128+int(syscall.SIGKILL), inv.stderr.String())
		}
		if se := inv.stderr.String(); !strings.Contains(se, "killed by signal 9") || !strings.Contains(se, "unknown") {
			t.Errorf("stderr %q does not say that the sandbox was killed and the status is unknown", se)
		}
		inv.checkNothingLeft(t)
	})

	t.Run("Terminate", func(t *testing.T) {
		// SIGTERM to gvisorfsm alone, as a service manager would send it.
		inv := command(t, bin, "run", "--id", "e2e-terminate", "--", "sleep", "1000")
		st := signalWhenRunning(t, inv, "e2e-terminate", func(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) })
		if st != 128+int(syscall.SIGTERM) {
			t.Errorf("exit %d, want %d; stderr: %s", st, 128+int(syscall.SIGTERM), inv.stderr.String())
		}
		inv.checkNothingLeft(t)
	})

	t.Run("ReaderGoesAway", func(t *testing.T) {
		// `gvisorfsm run -- yes | head -2`: once head exits, the run ends as yes would,
		// by SIGPIPE, instead of filling a relay file forever.
		inv := command(t, bin, "run", "--", "yes")
		inv.cmd.Stdout = nil
		out, err := inv.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := inv.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || line != "y\n" {
			t.Errorf("first line %q (%v), want \"y\\n\"", line, err)
		}
		out.Close()
		if st := inv.status(t, inv.cmd.Wait()); st != 128+int(syscall.SIGPIPE) {
			t.Errorf("exit %d, want %d; stderr: %s", st, 128+int(syscall.SIGPIPE), inv.stderr.String())
		}
		inv.checkNothingLeft(t)
	})

	t.Run("OutputAfterReaderWent", func(t *testing.T) {
		// `gvisorfsm run -- sh -c 'sleep 2; echo late' | true`: the reader has gone before
		// the workload writes. As on a plain host, the run ends by SIGPIPE (141), on
		// stdout or stderr, whether the workload writes once or would write on forever.
		for _, tc := range []struct{ stream, script string }{
			{"stdout", "sleep 2; echo late"},
			{"stderr", "sleep 2; echo late >&2"},
			{"stdout", "sleep 2; while :; do echo late; done"},
		} {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			pr.Close()
			inv := command(t, bin, "run", "--", "/bin/sh", "-c", tc.script)
			if tc.stream == "stdout" {
				inv.cmd.Stdout = pw
			} else {
				inv.cmd.Stderr = pw
			}
			st := inv.run(t)
			pw.Close()
			if st != 128+int(syscall.SIGPIPE) {
				t.Errorf("%s to a pipe without reader, %q: exit %d, want %d; stderr: %s", tc.stream, tc.script, st, 128+int(syscall.SIGPIPE), inv.stderr.String())
			}
			inv.checkNothingLeft(t)
		}
	})

	t.Run("Doctor", func(t *testing.T) {
		// kvm hangs here until the probe timeout; ptrace must not miss it when CI is busy.
		inv := command(t, bin, "doctor", "--probe-timeout", "10s")
		if st := inv.run(t); st != 0 {
			t.Errorf("exit %d, want 0; output:\n%s%s", st, inv.stdout.String(), inv.stderr.String())
		}
		out := inv.stdout.String()
		t.Logf("doctor:\n%s", out)
		for _, re := range []string{`(?m)^CHECK\s+STATUS\s+DETAIL$`, `(?m)^runsc\s+ok\s+/`, `(?m)^trusted\s+ok\s`,
			`(?m)^version\s+ok\s+\S+ \(OCI runtime spec \S+\)$`, `(?m)^platform ptrace\s+ok\s`, `(?m)^root\s+ok\s`,
			`(?m)^cgroups\s+\S+\s`, `(?m)^verdict\s+ok\s.*ptrace`} {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("doctor output does not match %s", re)
			}
		}
		inv.checkNothingLeft(t)
	})

	t.Run("DoctorUnprivileged", func(t *testing.T) {
		// As nobody, runsc cannot set up cgroups: no platform works, and doctor says so
		// with a non-zero exit.
		inv := unprivilegedCommand(t, bin, "doctor", "--probe-timeout", "5s")
		if st := inv.run(t); st != exitFail {
			t.Errorf("exit %d, want %d; output:\n%s%s", st, exitFail, inv.stdout.String(), inv.stderr.String())
		}
		out := inv.stdout.String()
		for _, re := range []string{`(?m)^root\s+warn\s+running as uid 65534`, `(?m)^platform ptrace\s+no\s`, `(?m)^verdict\s+FAIL\s`} {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("doctor output does not match %s:\n%s", re, out)
			}
		}
		inv.checkNothingLeft(t)
	})

	t.Run("RunUnprivileged", func(t *testing.T) {
		// Where no sandbox can start, run fails as gvisorfsm (125), not as the workload.
		// Every platform is tried in turn, each attempt a Retry of the runtime machine in
		// the one trace.
		inv := unprivilegedCommand(t, bin, "run", "--trace", "trace.ndjson", "--", "true")
		// The trace goes to the working directory, where nobody cannot create files: make it.
		trace := filepath.Join(inv.cmd.Dir, "trace.ndjson")
		if err := os.WriteFile(trace, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(trace, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if st := inv.run(t); st != exitTool {
			t.Errorf("exit %d, want %d; stderr: %s", st, exitTool, inv.stderr.String())
		}
		if !strings.Contains(inv.stderr.String(), "no gVisor platform starts a sandbox here") {
			t.Errorf("stderr %q does not explain", inv.stderr.String())
		}
		var ops []string
		for i, s := range readTrace(t, trace) {
			ops = append(ops, s.Op)
			if s.Seq != int64(i+1) {
				t.Errorf("step %d has seq %d", i+1, s.Seq)
			}
		}
		want := strings.Repeat("Resolve ProbeFail Retry ", len(runtime.Platforms)-1) + "Resolve ProbeFail"
		if strings.Join(ops, " ") != want {
			t.Errorf("trace ops %q, want %q", strings.Join(ops, " "), want)
		}
		inv.checkNothingLeft(t)
	})

	t.Run("Version", func(t *testing.T) {
		inv := command(t, bin, "version")
		if st := inv.run(t); st != 0 {
			t.Fatalf("exit %d; stderr: %s", st, inv.stderr.String())
		}
		out := inv.stdout.String()
		if !regexp.MustCompile(`(?m)^gvisorfsm \S.*go1\.`).MatchString(out) ||
			!regexp.MustCompile(`(?m)^runsc \S+, OCI runtime spec \S+ \(/`).MatchString(out) {
			t.Errorf("version printed %q", out)
		}
		inv.checkNothingLeft(t)
	})
}

// unprivilegedCommand is command for user nobody: a copy of bin it can execute, and a
// TMPDIR it can write, outside the test's root-only temporary directories.
func unprivilegedCommand(t *testing.T, bin string, args ...string) *invocation {
	t.Helper()
	dir, err := os.MkdirTemp("", "gvisorfsm-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "gvisorfsm")
	tmp := filepath.Join(dir, "tmp")
	if err := os.WriteFile(cp, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{os.Chown(tmp, 65534, 65534), os.Chmod(dir, 0o755)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// setpriv drops to nobody after AsInstalled's namespace, which needs root, is made.
	inv := command(t, "setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", cp}, args...)...)
	inv.tmp = tmp
	inv.cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	inv.cmd.Dir = dir
	return inv
}

// signalWhenRunning starts inv, waits until the sandbox of container id runs, signals
// gvisorfsm with send (given its pid) and returns gvisorfsm's exit status.
func signalWhenRunning(t *testing.T, inv *invocation, id string, send func(pid int) error) int {
	t.Helper()
	if err := inv.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- inv.cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for !sandboxRunning(inv.tmp, id) {
		select {
		case err := <-done:
			t.Fatalf("gvisorfsm exited before its sandbox ran: %v\nstderr: %s", err, inv.stderr.String())
		case <-ctx.Done():
			inv.cmd.Process.Kill()
			t.Fatalf("no sandbox appeared\nstderr: %s", inv.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := send(inv.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	return inv.status(t, <-done)
}

// sandboxRunning reports whether the sandbox process of container id (runsc-sandbox ...
// boot ... id, naming the runtime's --root under tmp) exists. The platform probe's
// sandbox, which runs first, has another ID.
func sandboxRunning(tmp, id string) bool {
	for _, p := range processesNaming(tmp) {
		if strings.HasPrefix(strings.SplitN(p, " ", 2)[1], "runsc-sandbox ") && strings.HasSuffix(p, " "+id) {
			return true
		}
	}
	return false
}

// runscRunOf returns the pid of the `runsc ... run ... id` that parent started, under
// the runtime's --root in tmp, or 0.
func runscRunOf(tmp, id string, parent int) int {
	for _, p := range processesNaming(tmp) {
		pidStr, cl, _ := strings.Cut(p, ": ")
		args := strings.Fields(cl)
		if len(args) < 4 || args[0] != "runsc" || args[len(args)-1] != id || !slices.Contains(args, "run") {
			continue
		}
		stat, err := os.ReadFile("/proc/" + pidStr + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(parent) {
			pid, _ := strconv.Atoi(pidStr)
			return pid
		}
	}
	return 0
}

func readTrace(t *testing.T, path string) []steptrace.Step {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	steps, err := steptrace.Read(f)
	if err != nil {
		t.Fatalf("the trace %s: %v", path, err)
	}
	if len(steps) == 0 {
		t.Fatal("empty trace")
	}
	return steps
}

func utsString(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}
