package conformance

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
	"github.com/gvisorfsm/gvisorfsm/runtime"
	"pgregory.net/rapid"
)

// fakeWorld observes and disturbs the fake runsc's containers through its
// state files, so that injected faults (which act on every runsc call) never
// blind the harness.
type fakeWorld struct {
	bin  string
	root string
	mu   sync.Mutex
}

func (w *fakeWorld) stateFile(id string) string { return fakerunsc.StateFile(w.root, id) }

// Snapshot implements Observer.
func (w *fakeWorld) Snapshot(context.Context) (map[string]fsm.State, error) {
	ents, err := os.ReadDir(w.root)
	if os.IsNotExist(err) {
		return map[string]fsm.State{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]fsm.State{}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".state") {
			continue
		}
		s, err := fakerunsc.ReadState(filepath.Join(w.root, e.Name()))
		if err != nil {
			continue // removed meanwhile
		}
		st, ok := runscStatus[s.Status]
		if !ok {
			return nil, fmt.Errorf("fake state %s: status %q", e.Name(), s.Status)
		}
		out[s.ID] = st
	}
	return out, nil
}

// Processes implements ProcessLister.
func (w *fakeWorld) Processes() ([]string, error) {
	return (&Runsc{Root: w.root}).OwnProcesses()
}

// WorkloadExit implements Environment: the workload exits with status 3.
func (w *fakeWorld) WorkloadExit(_ context.Context, id string) error {
	s, err := fakerunsc.ReadState(w.stateFile(id))
	if err != nil {
		return err
	}
	if s.Status != "running" {
		return fmt.Errorf("%s is %s", id, s.Status)
	}
	s.Status, s.Exit, s.ExitKnown = "stopped", 3, true
	return fakerunsc.WriteState(w.root, s)
}

// KillSandbox implements Environment.
func (w *fakeWorld) KillSandbox(ctx context.Context, id string) error {
	s, err := fakerunsc.ReadState(w.stateFile(id))
	if err != nil {
		return err
	}
	if s.Pid <= 0 {
		return fmt.Errorf("%s has no sandbox", id)
	}
	if err := syscall.Kill(s.Pid, syscall.SIGKILL); err != nil {
		return err
	}
	for syscall.Kill(s.Pid, 0) == nil { // until reaped: the fake looks at the pid
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	return nil
}

// subcommands maps an operation to the runsc subcommands that serve it.
var subcommands = map[fsm.Event][]string{
	fsm.EventCreate: {"create"}, fsm.EventStart: {"start"}, fsm.EventWait: {"wait"}, fsm.EventKill: {"kill"},
	fsm.EventPause: {"pause"}, fsm.EventResume: {"resume"}, fsm.EventDelete: {"delete"},
	fsm.EventForceDelete: {"delete", "resume"}, fsm.EventRun: {"run"},
}

// knownBugs are (fault, operation) pairs the fake tier does not inject
// because they expose a runtime bug not fixed yet; each names the bug.
// NoFault as the operation's key means every operation.
var knownBugs = map[Fault]map[fsm.Event]string{}

func knownBug(f Fault, op fsm.Event) (string, bool) {
	if why, ok := knownBugs[f][""]; ok {
		return why, true
	}
	why, ok := knownBugs[f][op]
	return why, ok
}

// knownDivergences are behaviours of the runtime package that differ from
// the spec and are not fixed yet; the tiers let them through, counted. None is
// known: a Pause after an accepted Kill, once let through here, is now refused
// as the spec's Pause guard (~killReq) requires, and the tiers hold it to that.
var knownDivergences []Tolerance

// fakeKinds are the faults the fake runsc injects.
var fakeKinds = []Fault{FaultExit1, FaultExit128, FaultPanic, FaultGarbageJSON, FaultTruncatedJSON, FaultNoisyJSON,
	FaultHangBefore, FaultHangAfter, FaultSIGKILL, FaultPipeHang}

// Kinds implements Injector.
func (w *fakeWorld) Kinds() []Fault {
	var out []Fault
	for _, f := range fakeKinds {
		if _, all := knownBugs[f][""]; !all {
			out = append(out, f)
		}
	}
	return out
}

// fakeProfile is the fake runsc's fault profile for f on the subcommands
// serving op. hangFor bounds hangs (0: until killed).
func fakeProfile(f Fault, op fsm.Event, once bool, hangFor int) fakerunsc.Faults {
	p := fakerunsc.Faults{Once: once}
	subs := subcommands[op]
	set := func(code int) map[string]int {
		m := map[string]int{}
		for _, s := range subs {
			m[s] = code
		}
		return m
	}
	flag := func() map[string]bool {
		m := map[string]bool{}
		for _, s := range subs {
			m[s] = true
		}
		return m
	}
	// The wrapper reads state before acting and after an interruption, and
	// list when closing; wait reports the exit status.
	readers := map[string]bool{"state": true, "list": true, "wait": true}
	switch f {
	case FaultExit1:
		p.Exit = set(1)
	case FaultExit128:
		p.Exit = set(128)
	case FaultPanic:
		p.Exit, p.Message = set(2), "panic: injected"
	case FaultGarbageJSON:
		p.Garbage = readers
	case FaultTruncatedJSON:
		p.Truncated = readers
	case FaultNoisyJSON:
		p.Noisy = readers
	case FaultHangBefore:
		p.HangBefore, p.HangFor = flag(), hangFor
	case FaultHangAfter:
		p.HangAfter, p.HangFor = flag(), hangFor
	case FaultSIGKILL:
		p.KillMid = flag()
	case FaultPipeHang:
		// Held past the operation's deadline (Timeouts.Hang), not for ever.
		p.PipeHold = set(300)
	}
	return p
}

// Arm implements Injector: the fault holds for every runsc call serving op
// (or the first one, once) until disarmed.
func (w *fakeWorld) Arm(f Fault, op fsm.Event, once bool) func() {
	if _, bug := knownBug(f, op); bug {
		return func() {}
	}
	// A cancelled create may run on for the runtime's create grace (10s)
	// before it is killed: the fast tier's hangs of create end before that,
	// the full tier's last until the kill.
	hangFor := 0
	if (op == fsm.EventCreate || op == fsm.EventRun) && !full() {
		hangFor = 200
	}
	p := fakeProfile(f, op, once, hangFor)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := fakerunsc.SetFaults(w.bin, p); err != nil {
		panic(err)
	}
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		_ = fakerunsc.SetFaults(w.bin, fakerunsc.Faults{})
	}
}

// WipeState implements StateWiper: the fake's state directory goes, and
// with it every container (its sandbox sees its state gone and exits).
func (w *fakeWorld) WipeState(context.Context) error {
	return os.RemoveAll(w.root)
}

// fakeShards is how many rapid checks of the fake tier run side by side:
// two per core, and at least four, since each case also waits on processes
// (hangs, timeouts) and the waits overlap. The tier is CPU-bound otherwise,
// so more cores make it faster (BenchmarkFakeTierCase projects by how much).
// Each shard is its own test process, because the runtime makes its process
// the reaper of its sandboxes, and runtimes of different shards must not
// share one. CONFORMANCE_SHARDS overrides the count.
func fakeShards() int {
	if n, err := strconv.Atoi(os.Getenv("CONFORMANCE_SHARDS")); err == nil && n > 0 {
		return n
	}
	return max(4, 2*goruntime.NumCPU())
}

// The fault-injecting tier: the state machine on the fake runsc, in
// fakeShards processes of -rapid.checks/fakeShards cases each (at least
// tierSizes' cases in all).
func TestFakeRunscStateMachine(t *testing.T) {
	if os.Getenv("CONFORMANCE_FAKE_SHARD") != "" {
		fakeShardProcess(t)
		return
	}
	minimum, _ := tierSizes(t)
	atLeastChecks(t, minimum)
	var total int
	fmt.Sscan(flag.Lookup("rapid.checks").Value.String(), &total)
	shards := fakeShards()
	per := (total + shards - 1) / shards
	start := time.Now()
	dir := t.TempDir()
	stop := filepath.Join(dir, "stop")
	var wg sync.WaitGroup
	outs := make([][]byte, shards)
	errs := make([]error, shards)
	for i := 0; i < shards; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestFakeRunscStateMachine$", "-test.v",
				fmt.Sprintf("-rapid.checks=%d", per))
			cmd.Env = append(os.Environ(), fmt.Sprintf("CONFORMANCE_FAKE_SHARD=%d", i),
				"CONFORMANCE_SHARD_STATS="+filepath.Join(dir, fmt.Sprintf("shard%d.json", i)),
				"CONFORMANCE_SHARD_STOP="+stop)
			outs[i], errs[i] = cmd.CombinedOutput()
			if errs[i] != nil {
				// One failure is the verdict: the other shards stop at their
				// next case instead of running all theirs.
				_ = os.WriteFile(stop, nil, 0o644)
			}
		}()
	}
	wg.Wait()
	for i := 0; i < shards; i++ {
		if data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("shard%d.json", i))); err == nil {
			if err := summary.MergeTier("fake", data); err != nil {
				t.Error(err)
			}
		}
		if errs[i] != nil {
			t.Errorf("shard %d: %v\n%s", i, errs[i], shardFailure(outs[i]))
		}
	}
	summary.Update("fake", func(ts *TierStats) { ts.Elapsed += time.Since(start) })
	// Coverage is a claim about the tier at CI size or more: the smaller
	// samples of -short and of the mutation run may miss a rare pair, and a
	// miss must not pass for a mutant's detection.
	if ts := summary.Snapshot("fake"); len(ts.Missing()) > 0 && !testing.Short() && !quick() {
		t.Errorf("(state, operation) pairs never exercised: %v", ts.Missing())
	}
}

// tierSizes is how many fake-runsc cases and concurrent histories a run
// makes: 1,000 and 200 when go test allows the run 25 minutes or more (make
// conformance, or a -timeout raised for it); 300 and 100 within go test's
// default 10 minutes, which the tiers at full size overrun on two cores
// (each case starts some 30 runsc and sandbox processes); 1,000 and 200 with
// CONFORMANCE_FULL; 200 and 40 with CONFORMANCE_QUICK (the mutation run).
func tierSizes(t *testing.T) (cases, histories int) {
	var limit time.Duration
	if fl := flag.Lookup("test.timeout"); fl != nil {
		if g, ok := fl.Value.(flag.Getter); ok {
			limit, _ = g.Get().(time.Duration)
		}
	}
	switch {
	case quick() || testing.Short():
		cases, histories = 200, 40
	case full() || limit == 0 || limit >= 25*time.Minute:
		cases, histories = 1000, 200
	default:
		cases, histories = 300, 200
		t.Logf("go test -timeout %v: %d cases and %d histories; -timeout 25m or more runs 1,000 and 200", limit, cases, histories)
	}
	return cases, histories
}

// quick reports CONFORMANCE_QUICK: fewer cases, for the mutation run.
func quick() bool { return os.Getenv("CONFORMANCE_QUICK") != "" }

// full reports CONFORMANCE_FULL: the tier sizes the CI budget asks for.
func full() bool { return os.Getenv("CONFORMANCE_FULL") != "" }

// shardFailure keeps what matters of a failed shard's output: rapid's
// verdict, the reproduction line and the failing steps.
func shardFailure(out []byte) string {
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "[rapid] draw") || strings.Contains(l, ".go:") && strings.Contains(l, "\t/") {
			continue
		}
		keep = append(keep, l)
	}
	if len(keep) > 80 {
		keep = keep[len(keep)-80:]
	}
	return strings.Join(keep, "\n")
}

// fakeShardProcess is one shard, in a child test process.
func fakeShardProcess(t *testing.T) {
	bundle, runBundle, err := testBundles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var stats Stats
	fakeShard(t, bundle, runBundle, &stats)
	if path := os.Getenv("CONFORMANCE_SHARD_STATS"); path != "" {
		data, err := stats.MarshalTier("fake")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newFakeDriver opens a runtime driver on the fake at bin, with the fake's faults
// cleared first and the runtime's state in dir, and the fakeWorld that observes it.
func newFakeDriver(ctx context.Context, bin, dir, bundle, runBundle string) (*runtimeDriver, *fakeWorld, error) {
	_ = fakerunsc.SetFaults(bin, fakerunsc.Faults{})
	d, err := newRuntimeDriver(ctx, bin, dir, bundle, runBundle, runtime.WithoutSandboxProbe())
	if err != nil {
		return nil, nil, err
	}
	return d, &fakeWorld{bin: bin, root: d.rt.Root()}, nil
}

func fakeShard(t testing.TB, bundle, runBundle string, stats *Stats) {
	bin := fakerunsc.Build(t)
	stop := os.Getenv("CONFORMANCE_SHARD_STOP")
	rapid.Check(t, func(rt *rapid.T) {
		if stop != "" {
			if _, err := os.Stat(stop); err == nil {
				return // another shard failed: not a case
			}
		}
		dir, err := os.MkdirTemp("", "conformance-fake-")
		if err != nil {
			rt.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		d, w, err := newFakeDriver(ctx, bin, dir, bundle, runBundle)
		if err != nil {
			rt.Fatal(err)
		}
		rt.Cleanup(func() {
			_ = fakerunsc.SetFaults(bin, fakerunsc.Faults{})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_ = d.Close(ctx)
			d.closeTrace()
			if procs, _ := w.Processes(); len(procs) > 0 {
				rt.Errorf("fake sandboxes left behind: %v", procs)
				sweepFake(procs)
			}
			// Every child of this process is the runtime's (its runsc commands and what
			// they leave to it as subreaper): after Close none may be left a zombie.
			if z := reapZombieChildren(); len(z) > 0 {
				rt.Errorf("children left unreaped after Close: %v\ntrace:\n%s", z, d.traceText())
			}
			os.RemoveAll(dir)
			// Every runsc process the wrapper started, Close's included (the
			// observer reads the fake's state files and starts none).
			stats.Update("fake", func(ts *TierStats) { ts.RunscCalls += d.rt.RunscCalls() })
		})
		d.waitFor = 2 * time.Millisecond
		// IDs unique to the case: the runtime refuses an ID whose runsc
		// control socket is in use anywhere on the host.
		p := fmt.Sprintf("fk%d-%d-", os.Getpid()%100000, caseSeq.Add(1))
		h := &Harness{IDs: []string{p + "a", p + "ab", p + "b"}, Driver: d, Observer: w, Env: w, Faults: w, FaultRate: 0.15, Tolerate: knownDivergences,
			Timeouts: Timeouts{Op: 20 * time.Second, Hang: 30 * time.Millisecond},
			Stats:    stats, Tier: "fake", CatchUp: 5 * time.Second, Lenient: true,
			Skip: func(f Fault, op fsm.Event) bool { _, bug := knownBug(f, op); return bug }}
		h.Run(rt)
		if err := d.checkTrace(ctx, false); err != nil {
			rt.Fatal(err)
		}
	})
}

// caseSeq numbers the cases of every shard.
var caseSeq atomic.Int64

// sweepFake kills leftover fake sandbox processes ("pid cmdline" lines).
func sweepFake(procs []string) {
	for _, p := range procs {
		var pid int
		if _, err := fmt.Sscan(p, &pid); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// reapZombieChildren reaps this process's zombie children and describes them.
func reapZombieChildren() []string {
	var out []string
	all := procfs.All()
	for _, pid := range procfs.Zombies(all, os.Getpid()) {
		var ws syscall.WaitStatus
		if wpid, _ := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); wpid == pid {
			out = append(out, fmt.Sprintf("%d (%s, session %d, %v)", pid, all[pid].Comm, all[pid].Session, ws))
		}
	}
	return out
}
