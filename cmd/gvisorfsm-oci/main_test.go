package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/conformance"
	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/runtime"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// binary builds the command once per test binary: the tests drive it as clients do,
// one process per step.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "oci-test-bin-") // not gvisorfsm-*: tools/leaks.sh counts those
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "gvisorfsm-oci")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// client runs the command as a runc client would, with its global flags before the verb.
type client struct {
	t      *testing.T
	bin    string
	global []string
	env    []string
}

// result is one invocation's outcome.
type result struct {
	code           int
	stdout, stderr string
}

func (c client) run(args ...string) result {
	c.t.Helper()
	cmd := exec.Command(c.bin, append(append([]string{}, c.global...), args...)...)
	cmd.Env = append(os.Environ(), c.env...)
	// Files, not pipes: the sandbox inherits the create's stdio and would hold a pipe
	// open, as under a real client.
	dir := c.t.TempDir()
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer out.Close()
	errf, err := os.Create(filepath.Join(dir, "err"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer errf.Close()
	cmd.Stdout, cmd.Stderr = out, errf
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("%v: %v", args, err)
	}
	o, _ := os.ReadFile(out.Name())
	e, _ := os.ReadFile(errf.Name())
	return result{code, string(o), string(e)}
}

// must runs a step that must succeed.
func (c client) must(args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
	}
	return r
}

// status is the container's status as `state` reports it.
func (c client) status(id string) string {
	c.t.Helper()
	var st stateJSON
	if err := json.Unmarshal([]byte(c.must("state", id).stdout), &st); err != nil {
		c.t.Fatalf("state %s: %v", id, err)
	}
	if st.ID != id || st.OCIVersion == "" || st.Bundle == "" || st.Created.IsZero() {
		c.t.Fatalf("state %s: incomplete answer %+v", id, st)
	}
	return st.Status
}

// validateTraces reads every trace in dir and checks each against the spec and the
// model; it returns how many it checked.
func validateTraces(t *testing.T, dir string) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		steps, err := steptrace.Read(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := conformance.ValidateSpecTrace(context.Background(), filepath.Join("..", "..", "spec", "NucleusSecurity_GVisor_GVisorRuntime.tla"), steps); err != nil {
			t.Errorf("%s: the spec rejects the trace: %v\n%s", f, err, data)
		}
		if _, err := conformance.ValidateTrace(steps); err != nil {
			t.Errorf("%s: not a run of the model: %v\n%s", f, err, data)
		}
	}
	return len(files)
}

func TestParseGlobals(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		verb    string
		rest    []string
		wantErr string
	}{
		{[]string{"--root", "/r", "--log", "/l", "--log-format", "json", "--systemd-cgroup", "create", "--bundle", "b", "id"}, "create", []string{"--bundle", "b", "id"}, ""},
		{[]string{"--debug", "--root=/r", "state", "x"}, "state", []string{"x"}, ""},
		{[]string{"-root", "/r", "kill", "x", "KILL"}, "kill", []string{"x", "KILL"}, ""},
		{[]string{"--log-format", "xml", "state", "x"}, "", nil, "want text or json"},
		{[]string{"--rootless=true", "state", "x"}, "", nil, "not supported"},
		{[]string{"--bogus", "state", "x"}, "", nil, "not defined"},
		{[]string{"--root"}, "", nil, "needs an argument"},
	} {
		g, verb, rest, err := parseGlobals(tc.args, &bytes.Buffer{})
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || verb != tc.verb || strings.Join(rest, " ") != strings.Join(tc.rest, " ") {
			t.Errorf("%q: %q %q %v, want %q %q", tc.args, verb, rest, err, tc.verb, tc.rest)
		}
		if g.root != "/r" {
			t.Errorf("%q: root %q", tc.args, g.root)
		}
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"9": syscall.SIGKILL, "KILL": syscall.SIGKILL, "SIGTERM": syscall.SIGTERM,
		"sigusr1": syscall.SIGUSR1, "hup": syscall.SIGHUP, "15": syscall.SIGTERM} {
		if got, err := parseSignal(in); err != nil || got != want {
			t.Errorf("parseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "65", "BOGUS", "-1"} {
		if _, err := parseSignal(in); err == nil {
			t.Errorf("parseSignal(%q) was accepted", in)
		}
	}
}

// TestStoreRecordAndTrace: a record survives the round trip, traces are numbered on
// across invocations, and a removed container keeps its trace where configured.
func TestStoreRecordAndTrace(t *testing.T) {
	s := store{root: filepath.Join(t.TempDir(), "root")}
	if err := s.init(); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(s.dir("c1"), 0o700); err != nil {
		t.Fatal(err)
	}
	rec := &record{ID: "c1", origin: origin{Bundle: "/b", Created: time.Now().UTC().Round(0), Annotations: map[string]string{"a": "b"}},
		Lifecycle: runtime.Attached{State: fsm.Paused, Pid: 42, Bundle: "/b", KillRequested: true}, Platform: "ptrace"}
	if err := s.write(rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.read("c1")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(rec)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Fatalf("record round trip:\n%s\n%s", a, b)
	}
	for range 2 { // two invocations, each numbering its steps from 1
		if err := s.appendTrace("c1", []steptrace.Step{{Seq: 1, Op: "State", ID: "c1", From: fsm.Paused, To: fsm.Paused, Result: steptrace.OK}}); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(s.tracePath("c1"))
	steps, err := steptrace.Read(bytes.NewReader(data))
	if err != nil || len(steps) != 2 || steps[1].Seq != 2 {
		t.Fatalf("trace: %v %+v", err, steps)
	}
	keep := t.TempDir()
	if err := s.remove("c1", keep); err != nil {
		t.Fatal(err)
	}
	if ids, _ := s.ids(); len(ids) != 0 {
		t.Fatalf("left: %v", ids)
	}
	if kept, _ := filepath.Glob(filepath.Join(keep, "c1-*.ndjson")); len(kept) != 1 {
		t.Fatalf("trace not kept: %v", kept)
	}
	if _, ok, err := s.lockContainer("c1"); ok || err != nil {
		t.Fatalf("lock of a removed container: %v %v", ok, err)
	}
}

// TestLockSerializes: holders of one container's lock never overlap (a read-modify-write
// of a counter loses no update), and a holder that removes the directory leaves the
// waiters finding no container.
func TestLockSerializes(t *testing.T) {
	s := store{root: t.TempDir()}
	if err := s.init(); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(s.dir("c"), 0o700); err != nil {
		t.Fatal(err)
	}
	counter := filepath.Join(s.root, "counter")
	os.WriteFile(counter, []byte("0"), 0o600)
	const n = 16
	var wg sync.WaitGroup
	var gone sync.Map
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, ok, err := s.lockContainer("c")
			if err != nil {
				t.Error(err)
				return
			}
			if !ok {
				gone.Store(i, true)
				return
			}
			defer unlock()
			data, _ := os.ReadFile(counter)
			v, _ := strconv.Atoi(string(data))
			time.Sleep(2 * time.Millisecond)
			os.WriteFile(counter, []byte(strconv.Itoa(v+1)), 0o600)
			if v+1 == n/2 {
				os.RemoveAll(s.dir("c")) // a delete: every later waiter finds nothing
			}
		}()
	}
	wg.Wait()
	data, _ := os.ReadFile(counter)
	missing := 0
	gone.Range(func(_, _ any) bool { missing++; return true })
	if string(data) != strconv.Itoa(n/2) || missing != n/2 {
		t.Fatalf("counter %s with %d finding the container gone; want %d and %d", data, missing, n/2, n/2)
	}
}
