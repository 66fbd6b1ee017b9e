package fakerunsc

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// run invokes the fake like a caller would, stdio on files (the sandbox inherits them).
func run(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	out, _ := os.Create(filepath.Join(dir, "out"))
	errf, _ := os.Create(filepath.Join(dir, "err"))
	defer out.Close()
	defer errf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = out, errf
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	o, _ := os.ReadFile(out.Name())
	e, _ := os.ReadFile(errf.Name())
	return code, string(o), string(e)
}

func bundle(t *testing.T, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "rootfs"), 0o755)
	data, _ := json.Marshal(map[string]any{"ociVersion": "1.0.2", "process": map[string]any{"args": args, "cwd": "/"}, "root": map[string]any{"path": "rootfs"}})
	os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644)
	return dir
}

// The fake reproduces the runsc behaviour the runtime defends against.
func TestFakeFidelity(t *testing.T) {
	bin := Build(t)
	root := t.TempDir()
	g := []string{"--root", root, "--network=none"}
	rs := func(args ...string) (int, string, string) {
		return run(t, bin, append(append([]string{}, g...), args...)...)
	}
	b := bundle(t, "sleep", "3600")
	t.Cleanup(func() {
		for _, id := range []string{"c1", "c2", "f2"} {
			rs("delete", "--force", id)
		}
	})

	if code, out, _ := run(t, bin, "--version"); code != 0 || !strings.Contains(out, "runsc version 0.0~20221219.0") {
		t.Fatalf("--version: %d %q", code, out)
	}
	if code, _, errOut := rs("state", "nope"); code != 128 || !strings.Contains(errOut, "file does not exist") {
		t.Fatalf("state of unknown: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, bin, "state", "--root", root, "x"); code != 128 || !strings.Contains(errOut, "flag provided but not defined: -root") {
		t.Fatalf("global flag after subcommand: %d %q", code, errOut)
	}
	if code, _, errOut := rs("create", "--bundle", b, strings.Repeat("y", 93)); code != 128 || !strings.Contains(errOut, "creating control server socket") {
		t.Fatalf("create with a 93-character ID: %d %q", code, errOut)
	}
	if code, _, _ := run(t, bin, "--bogus", "list"); code != 2 {
		t.Fatalf("unknown global flag: %d", code)
	}
	if code, _, errOut := rs("create", "--bundle", b, "bad/id"); code != 128 || !strings.Contains(errOut, "invalid container id") {
		t.Fatalf("bad id: %d %q", code, errOut)
	}
	if code, _, _ := rs("create", "--bundle", b, "c1"); code != 0 {
		t.Fatal("create")
	}
	code, out, _ := rs("state", "c1")
	var st struct{ ID, Status string }
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.Status != "created" || !strings.Contains(out, "\n  ") {
		t.Fatalf("state: %d %q", code, out)
	}
	if code, _, _ := rs("pause", "c1"); code != 2 {
		t.Fatalf("pause of created: exit %d, want 2 (panic)", code)
	}
	if code, _, _ := rs("resume", "c1"); code != 128 {
		t.Fatalf("resume of wedged: exit %d", code)
	}
	// Duplicate create: fails, and the first container's state is gone.
	if code, _, errOut := rs("create", "--bundle", b, "c1"); code != 128 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate create: %d %q", code, errOut)
	}
	if code, _, _ := rs("state", "c1"); code != 128 {
		t.Fatal("duplicate create kept the first container's state")
	}
	// Prefix matching, and an exact ID made ambiguous by a longer one.
	rs("create", "--bundle", b, "f2")
	if code, out, _ := rs("state", "f"); code != 0 || !strings.Contains(out, `"id": "f2"`) {
		t.Fatalf("prefix state: %d %q", code, out)
	}
	rs("create", "--bundle", b, "c2")
	if code, _, _ := rs("start", "c2"); code != 0 {
		t.Fatal("start")
	}
	if code, _, _ := rs("start", "c2"); code != 128 {
		t.Fatal("second start allowed")
	}
	if code, _, errOut := rs("delete", "c2"); code != 128 || !strings.Contains(errOut, "without --force") {
		t.Fatalf("delete running: %d %q", code, errOut)
	}
	if code, _, _ := rs("kill", "c2", "9"); code != 0 {
		t.Fatal("kill")
	}
	if code, _, errOut := rs("wait", "c2"); code != 128 || !strings.Contains(errOut, "exit status is unavailable") {
		t.Fatalf("wait after stop: %d %q", code, errOut)
	}
	if code, _, _ := rs("kill", "c2"); code != 128 {
		t.Fatal("kill of stopped")
	}
	if code, _, _ := rs("delete", "c2"); code != 0 {
		t.Fatal("delete stopped")
	}
	if code, _, _ := rs("delete", "--force", "missing"); code != 0 {
		t.Fatal("force delete of missing")
	}
	// --log gets runsc-style JSON errors.
	logf := filepath.Join(t.TempDir(), "log.json")
	run(t, bin, "--root", root, "--log", logf, "--log-format", "json", "state", "nope")
	data, _ := os.ReadFile(logf)
	var entry struct{ Msg, Level string }
	if json.Unmarshal(data, &entry) != nil || entry.Level != "error" || !strings.Contains(entry.Msg, "does not exist") {
		t.Fatalf("log: %q", data)
	}
	// Default network as root fails at start and leaves the container created.
	run(t, bin, "--root", root, "create", "--bundle", b, "netc")
	if code, _, errOut := run(t, bin, "--root", root, "start", "netc"); code != 128 || !strings.Contains(errOut, "network enabled") {
		t.Fatalf("start with default network: %d %q", code, errOut)
	}
	rs("delete", "--force", "netc")
}

func TestFaultProfile(t *testing.T) {
	bin := Build(t)
	root := t.TempDir()
	if err := SetFaults(bin, Faults{Exit: map[string]int{"list": 7}, Message: "injected", Version: "garbage"}); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, bin, "--root", root, "list"); code != 7 || !strings.Contains(errOut, "injected") {
		t.Fatalf("exit fault: %d %q", code, errOut)
	}
	if _, out, _ := run(t, bin, "--version"); out != "garbage" {
		t.Fatalf("version fault: %q", out)
	}
	// Unknown fields are ignored, so profiles written for a later fake still load.
	os.WriteFile(ProfilePath(bin), []byte(`{"exit":{"list":9},"from_the_future":true}`), 0o644)
	if code, _, _ := run(t, bin, "--root", root, "list"); code != 9 {
		t.Fatalf("profile with unknown field: exit %d", code)
	}
	SetFaults(bin, Faults{Garbage: map[string]bool{"list": true}})
	if _, out, _ := run(t, bin, "--root", root, "list", "--format", "json"); json.Valid([]byte(out)) {
		t.Fatalf("garbage fault gave valid JSON %q", out)
	}
	calls, err := Calls(bin)
	if err != nil || len(calls) != 4 || calls[0].Args[len(calls[0].Args)-1] != "list" {
		t.Fatalf("calls: %+v %v", calls, err)
	}
}

func TestOutputFaults(t *testing.T) {
	bin := Build(t)
	root := t.TempDir()
	b := bundle(t, "sleep", "3600")
	if code, _, _ := run(t, bin, "--root", root, "--network=none", "create", "--bundle", b, "o1"); code != 0 {
		t.Fatal("create")
	}
	t.Cleanup(func() { run(t, bin, "--root", root, "delete", "--force", "o1") })
	_, good, _ := run(t, bin, "--root", root, "state", "o1")
	if !json.Valid([]byte(good)) {
		t.Fatalf("state without a fault: %q", good)
	}
	SetFaults(bin, Faults{Truncated: map[string]bool{"state": true}})
	if _, out, _ := run(t, bin, "--root", root, "state", "o1"); json.Valid([]byte(out)) || !strings.HasPrefix(good, out) || len(out) == 0 {
		t.Fatalf("truncated state: %q", out)
	}
	SetFaults(bin, Faults{Noisy: map[string]bool{"state": true}})
	if _, out, _ := run(t, bin, "--root", root, "state", "o1"); json.Valid([]byte(out)) || !strings.Contains(out, good) {
		t.Fatalf("noisy state: %q", out)
	}
	// One-shot: the first call gets the fault, the next ones do not, until the
	// profile is set again.
	SetFaults(bin, Faults{Garbage: map[string]bool{"state": true}, Once: true})
	for i, want := range []bool{false, true, true} {
		if _, out, _ := run(t, bin, "--root", root, "state", "o1"); json.Valid([]byte(out)) != want {
			t.Fatalf("one-shot garbage, call %d: %q", i, out)
		}
	}
	SetFaults(bin, Faults{Garbage: map[string]bool{"state": true}, Once: true})
	if _, out, _ := run(t, bin, "--root", root, "state", "o1"); json.Valid([]byte(out)) {
		t.Fatalf("one-shot garbage after re-arming: %q", out)
	}
}

func TestKillMidAndPipeHold(t *testing.T) {
	bin := Build(t)
	root := t.TempDir()
	b := bundle(t, "sleep", "3600")
	g := []string{"--root", root, "--network=none"}
	rs := func(args ...string) (int, string, string) {
		return run(t, bin, append(append([]string{}, g...), args...)...)
	}
	t.Cleanup(func() {
		SetFaults(bin, Faults{})
		rs("delete", "--force", "k1")
	})
	rs("create", "--bundle", b, "k1")
	SetFaults(bin, Faults{KillMid: map[string]bool{"start": true}})
	cmd := exec.Command(bin, append(append([]string{}, g...), "start", "k1")...)
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ProcessState.String() != "signal: killed" {
		t.Fatalf("start with kill-mid: %v", err)
	}
	SetFaults(bin, Faults{})
	if _, out, _ := rs("state", "k1"); !strings.Contains(out, `"running"`) {
		t.Fatalf("kill-mid start did not take effect first: %q", out)
	}

	// A held pipe: runsc has exited, its output pipe stays open for the holder.
	SetFaults(bin, Faults{PipeHold: map[string]int{"state": 300}})
	cmd = exec.Command(bin, append(append([]string{}, g...), "state", "k1")...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(cmd.Process.Pid, &ws, 0, nil); err != nil || ws.ExitStatus() != 0 {
		t.Fatalf("state with a held pipe: %v %v", err, ws)
	}
	// runsc is gone; the pipe reaches EOF only when the holder exits.
	buf := make([]byte, 4096)
	var got []byte
	for {
		n, err := stdout.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	if !strings.Contains(string(got), `"running"`) {
		t.Fatalf("state output through a held pipe: %q", got)
	}
	if holders := pipeHolders(t); holders != 0 {
		t.Fatalf("%d pipe holders still running after EOF", holders)
	}
}

// pipeHolders counts running runsc-pipe-holder processes.
func pipeHolders(t *testing.T) int {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		if cl, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && strings.HasPrefix(string(cl), "runsc-pipe-holder\x00") {
			n++
		}
	}
	return n
}

// A sandbox that first looks for its state before create records it, and for
// create's marker only after create has removed it, must not take its container
// for deleted: it would exit while runsc reports the container created.
func TestSandboxOutlivesSlowCreate(t *testing.T) {
	bin := Build(t)
	root := t.TempDir()
	b := bundle(t, "sleep", "3600")
	g := []string{"--root", root, "--network=none"}
	const gap = 400 // ms; create records its state half way through it
	if err := SetFaults(bin, Faults{RecordDelay: gap / 2, SandboxGap: gap}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run(t, bin, append(g, "delete", "--force", "r1")...) })
	if code, _, errOut := run(t, bin, append(g, "create", "--bundle", b, "r1")...); code != 0 {
		t.Fatalf("create: %d %q", code, errOut)
	}
	_, out, _ := run(t, bin, append(g, "state", "r1")...)
	var st struct{ Pid int }
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Pid <= 0 {
		t.Fatalf("state after create: %q %v", out, err)
	}
	// Let the sandbox finish its first look, gap and all.
	time.Sleep(2 * gap * time.Millisecond)
	// A live sandbox still shows its command line; an exited one (gone, or a
	// zombie nobody reaped) does not.
	cl, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(st.Pid), "cmdline"))
	if !strings.HasPrefix(string(cl), "runsc-sandbox\x00") || !strings.HasSuffix(string(cl), "\x00r1\x00") {
		t.Fatalf("the sandbox of created container r1 (pid %d) exited: command line %q", st.Pid, cl)
	}
	if _, out, _ := run(t, bin, append(g, "state", "r1")...); !strings.Contains(out, `"created"`) {
		t.Fatalf("state: %q", out)
	}
}

// TestSandboxLifetime: a sandbox nobody deletes (its test process was killed before
// its cleanup) exits on its own once its lifetime is over.
func TestSandboxLifetime(t *testing.T) {
	bin := Build(t)
	root := t.TempDir()
	g := []string{"--root", root, "--network=none"}
	if err := SetFaults(bin, Faults{SandboxLifetime: 300}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run(t, bin, append(g, "delete", "--force", "l1")...) })
	if code, _, errOut := run(t, bin, append(g, "create", "--bundle", bundle(t, "sleep", "3600"), "l1")...); code != 0 {
		t.Fatalf("create: %d %q", code, errOut)
	}
	_, out, _ := run(t, bin, append(g, "state", "l1")...)
	var st struct{ Pid int }
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Pid <= 0 {
		t.Fatalf("state after create: %q %v", out, err)
	}
	alive := func() bool {
		cl, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(st.Pid), "cmdline"))
		return strings.HasPrefix(string(cl), "runsc-sandbox\x00")
	}
	if !alive() {
		t.Fatalf("the sandbox (pid %d) is gone at once", st.Pid)
	}
	for deadline := time.Now().Add(10 * time.Second); alive(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox (pid %d) outlived its lifetime by 10 s", st.Pid)
		}
	}
}
