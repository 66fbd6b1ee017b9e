package conformance

import (
	"flag"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

func refHarness(bug string, stats *Stats) func(*rapid.T) {
	return func(t *rapid.T) {
		d := newRefDriver(bug)
		h := &Harness{Driver: d, Observer: d, Env: d, Faults: d, FaultRate: 0.3,
			Stats: stats, Tier: "ref", CatchUp: 50 * time.Millisecond}
		h.Run(t)
	}
}

func TestHarnessPassesTheReferenceWrapper(t *testing.T) {
	atLeastChecks(t, 500)
	var stats Stats
	// Random cases reach a pair such as (Paused, Pause) only through a few draws in a
	// row, and under load, with more operations timing out, some runs of 500 miss
	// one: more cases are run before a pair counts as unreachable.
	const batches = 4
	ts := stats.Snapshot("ref")
	for i := 0; i < batches && (i == 0 || len(ts.Missing()) > 0); i++ {
		rapid.Check(t, refHarness("", &stats))
		ts = stats.Snapshot("ref")
	}
	if miss := ts.Missing(); len(miss) > 0 {
		t.Errorf("(state, operation) pairs never exercised in %d cases: %v", ts.Cases, miss)
	}
	if ts.Results[steptrace.Refused] == 0 || ts.Results[steptrace.Unknown] == 0 || ts.Results[steptrace.Failed] == 0 {
		t.Errorf("results %v: every kind should occur", ts.Results)
	}
}

// failingTB records failures instead of failing the test; FailNow ends the
// goroutine like testing.T's does.
type failingTB struct {
	mu     sync.Mutex
	failed bool
	msgs   []string
}

func (f *failingTB) Helper()              {}
func (f *failingTB) Name() string         { return "harness-self-test" }
func (f *failingTB) Logf(string, ...any)  {}
func (f *failingTB) Log(...any)           {}
func (f *failingTB) Skipf(string, ...any) { runtime.Goexit() }
func (f *failingTB) Skip(...any)          { runtime.Goexit() }
func (f *failingTB) SkipNow()             { runtime.Goexit() }
func (f *failingTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = true
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}
func (f *failingTB) Error(args ...any) { f.Errorf("%s", fmt.Sprint(args...)) }
func (f *failingTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}
func (f *failingTB) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }
func (f *failingTB) FailNow()          { f.Fail(); runtime.Goexit() }
func (f *failingTB) Fail() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = true
}
func (f *failingTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

// setFlag sets a rapid flag for the rest of the test.
func setFlag(t testing.TB, name, value string) {
	t.Helper()
	fl := flag.Lookup(name)
	if fl == nil {
		t.Fatalf("no flag %s", name)
	}
	old := fl.Value.String()
	if err := fl.Value.Set(value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fl.Value.Set(old) })
}

// flagGiven reports whether the named flag was set on the command line.
func flagGiven(name string) bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// atLeastChecks raises -rapid.checks to n for this test unless it is set higher.
func atLeastChecks(t *testing.T, n int) {
	t.Helper()
	if fl := flag.Lookup("rapid.checks"); fl != nil {
		var cur int
		fmt.Sscan(fl.Value.String(), &cur)
		if cur < n {
			setFlag(t, "rapid.checks", fmt.Sprint(n))
		}
	}
}

// expectCaught runs prop under rapid and reports whether rapid found a failure.
func expectCaught(t *testing.T, prop func(*rapid.T)) (bool, string) {
	t.Helper()
	setFlag(t, "rapid.nofailfile", "true")
	setFlag(t, "rapid.shrinktime", "2s")
	tb := &failingTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		rapid.Check(tb, prop)
	}()
	<-done
	return tb.Failed(), strings.Join(tb.msgs, "\n")
}

func TestHarnessCatchesReferenceBugs(t *testing.T) {
	for _, bug := range []string{"stale-view", "delete-created", "failed-moves", "timeout-is-failure", "close-leaks"} {
		t.Run(bug, func(t *testing.T) {
			start := time.Now()
			caught, msg := expectCaught(t, refHarness(bug, nil))
			if !caught {
				t.Fatalf("the harness passed a wrapper with bug %q", bug)
			}
			first, _, _ := strings.Cut(msg, "\n")
			t.Logf("caught in %v: %s", time.Since(start).Round(time.Millisecond), first)
		})
	}
}

func TestWhereStuckListsChildProcesses(t *testing.T) {
	cmd := exec.Command("/usr/bin/busybox", "sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("SKIPPING: cannot start busybox: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// Start returns once execve has passed the point of no return, which is
	// before the kernel sets the new image's argument area: until then the
	// process's cmdline reads empty.
	for deadline := time.Now().Add(5 * time.Second); len(procfs.Cmdline(cmd.Process.Pid)) == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	want := fmt.Sprintf("\n  %d /usr/bin/busybox sleep 30", cmd.Process.Pid)
	if got := whereStuck(); !strings.Contains(got, want) {
		t.Errorf("whereStuck() lacks %q:\n%s", want, got)
	}
}
