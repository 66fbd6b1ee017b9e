package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/runtime"
)

func TestParseRun(t *testing.T) {
	o, _, err := parseRun([]string{"--platform", "ptrace", "--network=host", "--rootfs", "/r", "--trace", "t.json",
		"--id", "c1", "-v", "--", "sh", "-c", "exit 3"})
	if err != nil {
		t.Fatal(err)
	}
	want := &runOptions{platform: "ptrace", network: runtime.NetworkHost, rootfs: "/r", trace: "t.json", id: "c1",
		verbose: true, args: []string{"sh", "-c", "exit 3"}}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("parseRun = %+v, want %+v", o, want)
	}

	// Defaults, and flags stop at the command even without "--".
	o, _, err = parseRun([]string{"uname", "-a"})
	if err != nil {
		t.Fatal(err)
	}
	want = &runOptions{network: runtime.NetworkNone, args: []string{"uname", "-a"}}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("parseRun = %+v, want %+v", o, want)
	}
}

func TestParseRunErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{nil, "no command"},
		{[]string{"--"}, "no command"},
		{[]string{"--", ""}, "empty command"},
		{[]string{"--network", "bridge", "--", "true"}, "--network"},
		{[]string{"--id", "bad/id", "--", "true"}, "--id"},
		{[]string{"--id", strings.Repeat("x", runtime.MaxIDLen+1), "--", "true"}, "--id"},
		{[]string{"--platform=", "--", "true"}, "--platform"},
		{[]string{"--rootfs=", "--", "true"}, "--rootfs"},
		{[]string{"--bogus", "--", "true"}, "bogus"},
		{[]string{"--platform"}, "platform"},
	} {
		_, _, err := parseRun(tc.args)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(ue.msg, tc.msg) {
			t.Errorf("parseRun(%q) = %v, want a usage error mentioning %q", tc.args, err, tc.msg)
		}
	}
	if _, _, err := parseRun([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("parseRun(-h) = %v, want flag.ErrHelp", err)
	}
}

// invoke runs the command line in process, with stdout and stderr on temporary files.
// Only command lines that fail before a runtime is opened belong here: the rest need
// runsc and root and are exercised through the binary (e2e_test.go).
func invoke(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	errf, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	c := &cli{stdin: nil, stdout: out, stderr: errf}
	status = c.main(args)
	o, _ := os.ReadFile(out.Name())
	e, _ := os.ReadFile(errf.Name())
	return status, string(o), string(e)
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		status int
		stdout string // substring expected on stdout ("" = stdout must be empty)
		stderr string // substring expected on stderr ("" = stderr must be empty)
	}{
		{args: nil, status: exitUsage, stderr: "Usage: gvisorfsm <command>"},
		{args: []string{"-h"}, status: exitOK, stdout: "Usage: gvisorfsm <command>"},
		{args: []string{"--help"}, status: exitOK, stdout: "Commands:"},
		{args: []string{"help"}, status: exitOK, stdout: "Commands:"},
		{args: []string{"help", "run"}, status: exitOK, stdout: "Usage: gvisorfsm run"},
		{args: []string{"frobnicate"}, status: exitUsage, stderr: `unknown command "frobnicate"`},
		{args: []string{"run"}, status: exitUsage, stderr: "no command given"},
		{args: []string{"run", "-h"}, status: exitOK, stdout: "-network"},
		{args: []string{"run", "--network", "bridge", "--", "true"}, status: exitUsage, stderr: "Usage: gvisorfsm run"},
		{args: []string{"run", "--nope", "--", "true"}, status: exitUsage, stderr: "flag provided but not defined: -nope"},
		{args: []string{"doctor", "-h"}, status: exitOK, stdout: "-probe-timeout"},
		{args: []string{"doctor", "extra"}, status: exitUsage, stderr: "doctor takes no arguments"},
		{args: []string{"doctor", "--probe-timeout", "0s"}, status: exitUsage, stderr: "must be positive"},
		{args: []string{"doctor", "--probe-timeout", "soon"}, status: exitUsage, stderr: "Usage: gvisorfsm doctor"},
		{args: []string{"version", "-h"}, status: exitOK, stdout: "Usage: gvisorfsm version"},
		{args: []string{"version", "now"}, status: exitUsage, stderr: "version takes no arguments"},
	} {
		status, stdout, stderr := invoke(t, tc.args...)
		if status != tc.status {
			t.Errorf("gvisorfsm %q: exit %d, want %d (stderr %q)", tc.args, status, tc.status, stderr)
		}
		check := func(name, got, want string) {
			if want == "" && got != "" {
				t.Errorf("gvisorfsm %q: unexpected %s %q", tc.args, name, got)
			}
			if !strings.Contains(got, want) {
				t.Errorf("gvisorfsm %q: %s %q does not contain %q", tc.args, name, got, want)
			}
		}
		check("stdout", stdout, tc.stdout)
		check("stderr", stderr, tc.stderr)
	}
}

func TestParseCgroups(t *testing.T) {
	const (
		v1a = "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		v1b = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		v2  = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
		v2u = "30 23 0:27 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
		etc = "23 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
	)
	for _, tc := range []struct{ in, status, detail string }{
		{etc + v1a + v1b + v2, statusOK, "hybrid: v1 (2 hierarchies under /sys/fs/cgroup) and v2 at /sys/fs/cgroup/unified"},
		{etc + v2u, statusOK, "v2 at /sys/fs/cgroup"},
		{v1a + v1b, statusOK, "v1 (2 hierarchies under /sys/fs/cgroup)"},
		{etc, statusWarn, "no cgroup hierarchy mounted"},
		{"garbage\n\n", statusWarn, "no cgroup hierarchy mounted"},
	} {
		st, d := parseCgroups(strings.NewReader(tc.in))
		if st != tc.status || !strings.HasPrefix(d, tc.detail) {
			t.Errorf("parseCgroups(%q) = %q, %q; want %q, %q", tc.in, st, d, tc.status, tc.detail)
		}
	}
}

// TestStdio: stdout and stderr on one file are one stream; a write that finds the
// reader gone reports it once, and other failures are not taken for it.
func TestStdio(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	dup, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(int(w.Fd())), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer dup.Close()
	plain, _ := outputFiles(t, t.TempDir())
	var calls []error
	broken := func(err error) { calls = append(calls, err) }
	if s := openStdio(nil, w, dup, broken); s.stdout != s.stderr || s.stdin != nil {
		t.Errorf("a pipe and its duplicate: %+v, want one stream", s)
	}
	if s := openStdio(nil, w, plain, broken); s.stdout == s.stderr {
		t.Errorf("a pipe and a file: %+v, want two streams", s)
	}
	if s := openStdio(nil, nil, nil, broken); s.stdout != nil || s.stderr != nil {
		t.Errorf("no output: %+v, want none", s)
	}
	s := openStdio(nil, w, failing{}, broken)
	if _, err := s.stderr.Write([]byte("x")); err == nil || len(calls) != 0 {
		t.Errorf("a write failing otherwise: %v; broken called %d times", err, len(calls))
	}
	r.Close() // nobody reads: writes fail with EPIPE (openStdio handles SIGPIPE)
	for range 2 {
		if _, err := s.stdout.Write([]byte("late\n")); !errors.Is(err, syscall.EPIPE) {
			t.Errorf("write to a pipe without reader: %v", err)
		}
	}
	if len(calls) != 1 || !errors.Is(calls[0], syscall.EPIPE) {
		t.Errorf("broken called with %v, want EPIPE once", calls)
	}
}

// failing is a Writer that always fails, not for want of a reader.
type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

func TestFailureStatus(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{&runtime.RunscError{Op: "run", ExitCode: 128, Msg: "starting sandbox: creating process: failed to load /nope: no such file or directory"}, 127},
		{&runtime.RunscError{Op: "run", ExitCode: 128, Msg: "creating process: failed to load /etc/passwd: permission denied"}, 126},
		{&runtime.RunscError{Op: "run", ExitCode: 128, Msg: `starting sandbox: error finding executable "tool" in PATH [/bin /usr/bin]: no such file or directory`}, 127},
		{&runtime.RunscError{Op: "create", ExitCode: 128, Msg: "failed to load /nope: no such file or directory"}, exitTool},
		{errors.New("something else"), exitTool},
	} {
		if got := failureStatus(tc.err); got != tc.want {
			t.Errorf("failureStatus(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// A run ends "by signal" (exit 128+n) when gvisorfsm caught one, or when runsc was
// killed by one from outside; a runsc killed by the runtime for its context, with no
// signal caught, and ordinary failures are not interruptions.
func TestInterruption(t *testing.T) {
	outside := &runtime.RunscError{Op: "run", ID: "c1", ExitCode: -1, Signal: syscall.SIGINT, Msg: "killed by signal 2 (interrupt), not by its context"}
	byContext := &runtime.RunscError{Op: "run", ID: "c1", ExitCode: -1, Signal: syscall.SIGKILL, Msg: "killed: context canceled", Err: context.Canceled}
	failed := &runtime.RunscError{Op: "run", ID: "c1", ExitCode: 128, Msg: "unknown platform: x"}
	for _, tc := range []struct {
		name   string
		err    error
		caught syscall.Signal
		sig    syscall.Signal
		ours   bool
	}{
		{"caught, runsc killed for the context", byContext, syscall.SIGTERM, syscall.SIGTERM, true},
		{"caught, runsc got it too", outside, syscall.SIGINT, syscall.SIGINT, true},
		{"caught wins over runsc's signal", &runtime.RunscError{Op: "run", Signal: syscall.SIGKILL}, syscall.SIGPIPE, syscall.SIGPIPE, true},
		{"runsc killed from outside", outside, 0, syscall.SIGINT, false},
		{"runsc killed from outside, wrapped", fmt.Errorf("running: %w", &runtime.RunscError{Op: "run", ExitCode: -1, Signal: syscall.SIGKILL}), 0, syscall.SIGKILL, false},
		{"runsc killed for the context alone", byContext, 0, 0, false},
		{"runsc failed", failed, 0, 0, false},
		{"other failure", errors.New("no bundle"), 0, 0, false},
	} {
		sig, ours := interruption(tc.err, tc.caught)
		if sig != tc.sig || ours != tc.ours {
			t.Errorf("%s: interruption = %v, %v; want %v, %v", tc.name, sig, ours, tc.sig, tc.ours)
		}
	}
}

func TestToolVersion(t *testing.T) {
	v := toolVersion()
	if !strings.Contains(v, "go1.") {
		t.Errorf("toolVersion() = %q, want the Go version in it", v)
	}
}

// outputFiles creates dir/plain, opened without O_APPEND, and dir/append, opened
// with it, both closed when the test ends.
func outputFiles(t *testing.T, dir string) (plain, appending *os.File) {
	t.Helper()
	plain, err := os.Create(filepath.Join(dir, "plain"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plain.Close() })
	appending, err = os.OpenFile(filepath.Join(dir, "append"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { appending.Close() })
	return plain, appending
}

// TestErrorsQuotePaths: a path given on the command line reaches stderr quoted, never
// with its control characters raw.
func TestErrorsQuotePaths(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"new\nline", "esc\x1b[31mred", "tab\tcr\r"} {
		missing := filepath.Join(dir, name, "x")
		for _, args := range [][]string{
			{"run", "--rootfs", missing, "--", "true"},
			{"run", "--trace", missing, "--", "true"},
		} {
			status, _, stderr := invoke(t, args...)
			if status == exitOK {
				t.Errorf("gvisorfsm %q: exit 0", args)
			}
			msg := strings.TrimRight(stderr, "\n")
			if msg == "" || strings.IndexFunc(msg, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
				t.Errorf("gvisorfsm %q: stderr %q holds a raw control character (or nothing)", args, stderr)
			}
		}
	}
}
