package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"slices"
	"strings"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
	"pgregory.net/rapid"
)

// Harness is the sequential state-machine test: it issues random operations
// (every operation in every state, the refused ones included) through a
// Driver, arms faults, makes out-of-band things happen, and after every step
// checks that the wrapper's view, the model and runsc's own view agree.
type Harness struct {
	Driver   Driver
	Observer Observer
	// Env, if set, makes workloads exit and sandboxes die out of band.
	Env Environment
	// Faults, if set, arms faults in runsc.
	Faults Injector
	// IDs are the container IDs operations draw from; prefixes of each other
	// on purpose, as runsc matches ID prefixes.
	IDs      []string
	Timeouts Timeouts
	// FaultRate is the share of operations that get a fault (0..1).
	FaultRate float64
	// Stats and Tier name where the counters go (Stats may be nil). The
	// harness counts cases, steps, results and faults; the runsc processes
	// started (RunscCalls) are the caller's to add, as only it can count them.
	Stats *Stats
	Tier  string
	// Tolerate lists known divergences of the wrapper from the spec that
	// the harness lets through (state unchanged), counting each, so the rest
	// stays checked until they are fixed.
	Tolerate []Tolerance
	// An operation without a fault, from a state the model is sure of, that
	// fails or has an unknown outcome fails the case; Lenient logs it and
	// counts it in Stats as tolerated instead. The model is enforced either
	// way.
	Lenient bool
	// Skip, if set, keeps a fault from being injected into op.
	Skip func(f Fault, op fsm.Event) bool
	// CatchUp bounds how long the wrapper may take to observe a stop runsc
	// already reports (default 2s).
	CatchUp time.Duration

	model Model
	view  map[string]fsm.State
	// killed: IDs whose sandbox the harness killed while paused, which this
	// runsc goes on reporting as paused.
	killed map[string]bool
	// wiped: IDs whose runsc state the harness wiped, which runsc no longer
	// knows while the wrapper may still hold them.
	wiped map[string]bool
	// recent are the last trace steps replayed, for failure messages.
	recent []string
	// steps counts the case's operations, for the log.
	steps int
}

// Tolerance is one known divergence: Match says whether a trace step the
// model rejects is an instance of it. Only steps that change nothing can be
// tolerated.
type Tolerance struct {
	Name  string
	Match func(m Model, s steptrace.Step) bool
}

// DefaultIDs are three IDs where one is a prefix of another.
var DefaultIDs = []string{"a", "ab", "b"}

// Run drives one rapid case. The caller builds a fresh Driver (new runsc root)
// per case and registers its own hard cleanup with t.Cleanup; Run closes the
// runtime at the end and checks nothing is left in runsc.
func (h *Harness) Run(t *rapid.T) {
	if len(h.IDs) == 0 {
		h.IDs = DefaultIDs
	}
	if h.Timeouts.Op == 0 {
		h.Timeouts.Op = 30 * time.Second
	}
	if h.Timeouts.Hang == 0 {
		h.Timeouts.Hang = 200 * time.Millisecond
	}
	h.model = AvailableModel()
	h.view = map[string]fsm.State{}
	h.killed = map[string]bool{}
	h.wiped = map[string]bool{}
	// Legal operations as often as the others, so cases get deep; any
	// operation often enough that every refusal is exercised. A case passes
	// through some states briefly (Paused above all): "rare" sends any
	// operation to an ID in one, so that each is exercised from them too.
	actions := map[string]func(*rapid.T){
		"any":    func(t *rapid.T) { h.op(t, false, false) },
		"rare":   func(t *rapid.T) { h.op(t, false, true) },
		"legal":  func(t *rapid.T) { h.op(t, true, false) },
		"legal2": func(t *rapid.T) { h.op(t, true, false) },
		"":       h.check,
	}
	if h.Env != nil {
		actions["env"] = h.env
	}
	t.Repeat(actions)
	h.closeAndCheck(t)
	if h.Stats != nil {
		h.Stats.Update(h.Tier, func(ts *TierStats) { ts.Cases++ })
	}
}

// faultFor draws the fault for one operation, and whether it fires on one
// runsc call only.
func (h *Harness) faultFor(t *rapid.T) (f Fault, once bool) {
	// rapid favours small numbers, so a high draw is the rare event, and
	// shrinking moves towards no fault. The share comes out near FaultRate.
	if rapid.IntRange(0, 999).Draw(t, "faulty") < 1000-int(2000*h.FaultRate) {
		return NoFault, false
	}
	kinds := []Fault{FaultCancel}
	if h.Faults != nil {
		kinds = append(kinds, h.Faults.Kinds()...)
	}
	f = rapid.SampledFrom(kinds).Draw(t, "fault")
	return f, f != FaultCancel && rapid.Bool().Draw(t, "once")
}

// legalOps are the operations the model allows on id that keep the
// container and that the wrapper takes to runsc: Run and the deletes end it,
// and "any" issues them often enough; a Create whose ID clashes by prefix
// with a live one is refused before runsc runs, and "any" issues that too.
func (h *Harness) legalOps(id string) []fsm.Event {
	var legal []fsm.Event
	for _, e := range ContainerOps {
		if e == fsm.EventRun || e == fsm.EventForceDelete || e == fsm.EventDelete && !h.model.AllowsState(id, fsm.Stopped) ||
			e == fsm.EventCreate && h.prefixClash(id) {
			continue
		}
		for _, c := range h.model.Possible(id) {
			if c.Allowed(e) && !slices.Contains(legal, e) {
				legal = append(legal, e)
			}
		}
	}
	return legal
}

// op issues one operation: a legal one (legalOnly), any operation on any ID,
// or (rareFirst) one of rareOps.
func (h *Harness) op(t *rapid.T, legalOnly, rareFirst bool) {
	ids, ops := h.IDs, ContainerOps
	if legalOnly {
		var with []string
		for _, id := range h.IDs {
			if len(h.legalOps(id)) > 0 {
				with = append(with, id)
			}
		}
		if len(with) > 0 {
			ids = with
		}
	} else if rareFirst {
		ids, ops = h.rareOps()
	}
	id := rapid.SampledFrom(ids).Draw(t, "id")
	if legal := h.legalOps(id); legalOnly && len(legal) > 0 {
		ops = legal
	}
	op := rapid.SampledFrom(ops).Draw(t, "op")
	fault, once := h.faultFor(t)
	if h.Skip != nil && fault != NoFault && h.Skip(fault, op) {
		fault, once = NoFault, false
	}
	before := h.viewOf(id)
	sure := !h.model.Uncertain(id)

	timeout := h.Timeouts.Op
	if fault == FaultHangBefore || fault == FaultHangAfter || fault == FaultPipeHang {
		timeout = h.Timeouts.Hang
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if fault == FaultCancel {
		// Cancel somewhere in the first few milliseconds: before, during or
		// after runsc runs.
		after := time.Duration(rapid.IntRange(0, 3000).Draw(t, "cancel_us")) * time.Microsecond
		timer := time.AfterFunc(after, cancel)
		defer timer.Stop()
	}
	if err := h.replay(); err != nil {
		t.Fatalf("before %s(%s): %v", op, id, err)
	}
	disarm := func() {}
	if h.Faults != nil && fault != NoFault && fault != FaultCancel {
		disarm = h.Faults.Arm(fault, op, once)
	}
	call := h.Driver.Do(ctx, id, op)
	disarm()
	h.steps++
	t.Logf("step %d: %s(%s) [%s once=%v] from %s -> %s %s (err: %v)", h.steps, op, id, fault, once, before, call.Result, call.To, call.Err)
	if h.Stats != nil {
		h.Stats.Update(h.Tier, func(ts *TierStats) {
			f := fault
			if call.Result == steptrace.Refused {
				f = NoFault // runsc never ran: the fault did not fire
			}
			ts.Record(before, op, call.Result, f)
			if f != NoFault && once {
				ts.Faults[FaultOneShot]++
			}
		})
	}

	if _, traced := h.Driver.(Tracer); traced {
		// The model follows the wrapper's own account, step by step.
		if err := h.replay(); err != nil {
			t.Fatalf("%s(%s) with fault %q: %v", op, id, fault, err)
		}
	} else {
		next, err := h.model.Step(id, op, call.Result, call.To)
		if err != nil && call.Result == steptrace.Refused && (op == fsm.EventCreate || op == fsm.EventRun) && h.prefixClash(id) {
			// A validation refusal outside the spec: runsc cannot address an ID
			// while another one it prefixes (or that prefixes it) exists.
			next, err = h.model, nil
		}
		if err != nil {
			t.Fatalf("%s(%s) with fault %q: %v", op, id, fault, err)
		}
		h.model = next
	}
	if sure && fault == NoFault && (call.Result == steptrace.Failed || call.Result == steptrace.Unknown) {
		if !h.Lenient {
			t.Fatalf("%s(%s) from %s without a fault: %s (%v)\nlast trace steps:\n  %s", op, id, before, call.Result, call.Err, strings.Join(h.recent, "\n  "))
		}
		t.Logf("UNEXPLAINED: %s(%s) from %s without a fault: %s (%v)", op, id, before, call.Result, call.Err)
		if h.Stats != nil {
			h.Stats.Update(h.Tier, func(ts *TierStats) {
				ts.Tolerated[fmt.Sprintf("%s from %s %s without an injected fault", op, before, call.Result)]++
			})
		}
	}
	if call.Result != "" && (call.Result == steptrace.OK) != (call.Err == nil) {
		t.Fatalf("%s(%s): result %s with error %v", op, id, call.Result, call.Err)
	}
	if call.To != "" {
		h.view[id] = call.To
	}
}

// prefixClash reports whether another ID that id prefixes, or that prefixes
// id, may be known to runsc.
func (h *Harness) prefixClash(id string) bool {
	for _, other := range h.IDs {
		if other == id || !(strings.HasPrefix(other, id) || strings.HasPrefix(id, other)) {
			continue
		}
		for _, s := range h.model.States(other) {
			if !gone(s) {
				return true
			}
		}
	}
	return false
}

func (h *Harness) env(t *rapid.T) {
	// With no container the model says may be live there is nothing to act
	// on: rapid picks another action (nothing is drawn yet), and no runsc
	// call or check is spent on nothing.
	may := func(id string, ss ...fsm.State) bool {
		return slices.ContainsFunc(ss, func(s fsm.State) bool { return h.model.AllowsState(id, s) })
	}
	if !slices.ContainsFunc(h.IDs, func(id string) bool { return may(id, fsm.Created, fsm.Running, fsm.Paused) }) {
		t.Skip("no live container to act on out of band")
	}
	id := rapid.SampledFrom(h.IDs).Draw(t, "id")
	// A wipe ends every container at once: a fifth of the environment steps.
	kinds := []Fault{FaultWorkloadExit, FaultSandboxKill, FaultWorkloadExit, FaultSandboxKill}
	wiper, canWipe := h.Env.(StateWiper)
	if canWipe {
		kinds = append(kinds, FaultStateWiped)
	}
	kind := rapid.SampledFrom(kinds).Draw(t, "env")
	if kind == FaultWorkloadExit && !may(id, fsm.Running) || kind == FaultSandboxKill && !may(id, fsm.Created, fsm.Running, fsm.Paused) {
		return // the model rules out what it acts on: no need to ask runsc
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.Timeouts.Op)
	defer cancel()
	snap, err := h.Observer.Snapshot(ctx)
	if err != nil {
		t.Fatalf("runsc's view: %v", err)
	}
	st := observed(snap, id)
	switch {
	case kind == FaultStateWiped && len(snap) > 0:
		// Every container runsc knows goes from its state directory; their
		// sandboxes die with it. The wrapper may go on holding them.
		if err := wiper.WipeState(ctx); err != nil {
			t.Fatalf("wiping runsc's state: %v", err)
		}
		for wid, ws := range snap {
			if ws == fsm.Created || ws == fsm.Running || ws == fsm.Paused {
				h.model = h.model.Doom(wid)
			}
			h.wiped[wid] = true
		}
	case kind == FaultWorkloadExit && st == fsm.Running:
		if err := h.Env.WorkloadExit(ctx, id); err != nil {
			t.Fatalf("making %s's workload exit: %v", id, err)
		}
		h.model = h.model.ExitOutOfBand(id)
	case kind == FaultSandboxKill && (st == fsm.Created || st == fsm.Running || st == fsm.Paused):
		if err := h.Env.KillSandbox(ctx, id); errors.Is(err, ErrNoSandbox) {
			return // it died meanwhile: nothing happened out of band
		} else if err != nil {
			t.Fatalf("killing %s's sandbox: %v", id, err)
		}
		h.model = h.model.Doom(id)
		h.killed[id] = st == fsm.Paused
	default:
		return // nothing to act on: not a step
	}
	t.Logf("env: %s on %s (runsc: %s)", kind, id, st)
	if h.Stats != nil {
		h.Stats.Update(h.Tier, func(ts *TierStats) { ts.Faults[kind]++ })
	}
}

// rareOps are the IDs and operations of a "rare" step. Paused is the state
// cases pass through least (only a legal Pause of a Running container leads
// there, and the next legal step on it resumes it): any operation on a Paused
// ID; failing that, mostly a Pause of a Running one; failing that, any operation on
// a Deleted or Stopped one, then on any.
func (h *Harness) rareOps() ([]string, []fsm.Event) {
	in := func(s fsm.State) []string {
		var ids []string
		for _, id := range h.IDs {
			if h.viewOf(id) == s {
				ids = append(ids, id)
			}
		}
		return ids
	}
	if ids := in(fsm.Paused); len(ids) > 0 {
		return ids, ContainerOps
	}
	if ids := in(fsm.Running); len(ids) > 0 {
		// Pause half the time, any operation (Pause included) otherwise.
		return ids, append(slices.Repeat([]fsm.Event{fsm.EventPause}, len(ContainerOps)), ContainerOps...)
	}
	if ids := append(in(fsm.Deleted), in(fsm.Stopped)...); len(ids) > 0 {
		return ids, ContainerOps
	}
	return h.IDs, ContainerOps
}

func (h *Harness) viewOf(id string) fsm.State {
	if s, ok := h.view[id]; ok {
		return s
	}
	return fsm.Absent
}

func gone(s fsm.State) bool { return s == fsm.Absent || s == fsm.Deleted }

// settle narrows the model to ss, treating Absent and Deleted alike (the
// wrapper may forget a deleted container).
func (h *Harness) settle(id string, ss ...fsm.State) error {
	for _, s := range slices.Clone(ss) {
		if s == fsm.Absent {
			ss = append(ss, fsm.Deleted)
		}
		if s == fsm.Deleted {
			ss = append(ss, fsm.Absent)
		}
	}
	m, err := h.model.Settle(id, ss...)
	if err != nil {
		return err
	}
	h.model = m
	return nil
}

func (h *Harness) allows(id string, s fsm.State) bool {
	if gone(s) {
		return h.model.AllowsState(id, fsm.Absent) || h.model.AllowsState(id, fsm.Deleted)
	}
	return h.model.AllowsState(id, s)
}

// check is the invariant after every step.
func (h *Harness) check(t *rapid.T) {
	ctx, cancel := context.WithTimeout(context.Background(), h.Timeouts.Op)
	defer cancel()
	if err := h.CheckNow(ctx); err != nil {
		t.Fatalf("%v\nlast trace steps:\n  %s", err, strings.Join(h.recent, "\n  "))
	}
}

// replay feeds the wrapper's new trace steps, if it keeps one, to the model.
func (h *Harness) replay() error {
	tr, ok := h.Driver.(Tracer)
	if !ok {
		return nil
	}
	steps := tr.Drain()
	for _, s := range steps {
		m, err := h.model.Replay(s)
		if err != nil && s.Result == steptrace.Refused && (s.Op == string(fsm.EventCreate) || s.Op == string(fsm.EventRun)) && h.prefixClash(s.ID) {
			m, err = h.model, nil // see prefixClash
		}
		if err != nil && s.From == s.To {
			for _, tol := range h.Tolerate {
				if tol.Match(h.model, s) {
					m, err = h.model, nil
					if h.Stats != nil {
						h.Stats.Update(h.Tier, func(ts *TierStats) { ts.Tolerated[tol.Name]++ })
					}
					break
				}
			}
		}
		if err != nil {
			return err
		}
		h.model = m
		if s.ID != "" {
			h.recent = append(h.recent, fmt.Sprintf("seq %d %s %s %s->%s %s %q %s", s.Seq, s.Op, s.ID, s.From, s.To, s.Result, s.Error, s.Note))
			if len(h.recent) > 12 {
				h.recent = h.recent[1:]
			}
		}
		if s.ID != "" && !steptrace.IsQuery(s.Op) {
			h.view[s.ID] = s.To
			if gone(s.From) && !gone(s.To) {
				// A new container of that ID.
				delete(h.killed, s.ID)
				delete(h.wiped, s.ID)
			}
		}
	}
	return nil
}

// CheckNow compares, for every ID, the wrapper's view, runsc's view and the
// model, and checks runsc knows no container the model says is gone.
func (h *Harness) CheckNow(ctx context.Context) error {
	if err := h.replay(); err != nil {
		return err
	}
	snap, err := h.Observer.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("runsc's view: %w", err)
	}
	for _, id := range h.IDs {
		v, err := h.Driver.View(ctx, id)
		if err != nil {
			return fmt.Errorf("wrapper view of %s: %w", id, err)
		}
		o := observed(snap, id)
		if h.wiped[id] && o == fsm.Absent && !gone(v) {
			// runsc forgot it with its state directory; the wrapper learns
			// that only when it next acts on it.
			if !h.allows(id, v) {
				return fmt.Errorf("%s: the wrapper says %s, the model allows %v", id, v, h.model.Possible(id))
			}
			continue
		}
		if o == fsm.Stopped && (v == fsm.Created || v == fsm.Running || v == fsm.Paused) && !(v == fsm.Paused && h.killed[id]) {
			// The stop happened; the wrapper must observe it soon (the
			// spec's KillLeadsToStopped, and no stale view of a death).
			if v, err = h.awaitView(ctx, id, v); err != nil {
				return err
			}
		}
		if !h.allows(id, v) {
			return fmt.Errorf("%s: the wrapper says %s, the model allows %v", id, v, h.model.Possible(id))
		}
		if v == fsm.Stopped && o == fsm.Paused && h.killed[id] {
			o = fsm.Stopped // runsc's stale view of a dead paused sandbox
		}
		if !h.allows(id, o) {
			return fmt.Errorf("%s: runsc says %s, the model allows %v (wrapper: %s)", id, o, h.model.Possible(id), v)
		}
		settleTo := []fsm.State{v}
		switch {
		case gone(v) != gone(o):
			return fmt.Errorf("%s: the wrapper says %s but runsc says %s", id, v, o)
		case gone(v), v == o:
		case o == fsm.Stopped && (v == fsm.Created || v == fsm.Running || v == fsm.Paused):
			// runsc is ahead: the stop happened, the wrapper has not
			// observed it yet. Both stay possible.
			settleTo = append(settleTo, o)
		default:
			return fmt.Errorf("%s: the wrapper says %s but runsc says %s", id, v, o)
		}
		if err := h.settle(id, settleTo...); err != nil {
			return err
		}
		h.view[id] = v
	}
	if pl, ok := h.Observer.(ProcessLister); ok {
		// A sandbox may take a moment to go after its container is deleted:
		// only one that stays is a leak.
		deadline := time.Now().Add(time.Second)
		for {
			leak, err := h.leakedSandbox(pl)
			if err != nil {
				return err
			}
			if leak == "" {
				break
			}
			if time.Now().After(deadline) {
				return errors.New(leak)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for id := range snap {
		if !slices.Contains(h.IDs, id) {
			return fmt.Errorf("runsc lists %q, which no operation created", id)
		}
		if gone(h.viewOf(id)) {
			return fmt.Errorf("runsc lists %q, which the wrapper says is %s: leaked", id, h.viewOf(id))
		}
	}
	return nil
}

// awaitView gives the wrapper up to CatchUp to move id's view off v (the
// trace steps that move it are replayed), and fails if it does not.
func (h *Harness) awaitView(ctx context.Context, id string, v fsm.State) (fsm.State, error) {
	catchUp := h.CatchUp
	if catchUp == 0 {
		catchUp = 2 * time.Second
	}
	deadline := time.Now().Add(catchUp)
	for {
		if err := h.replay(); err != nil {
			return v, err
		}
		now, err := h.Driver.View(ctx, id)
		if err != nil {
			return v, err
		}
		if now != v {
			return now, nil
		}
		if time.Now().After(deadline) {
			return v, fmt.Errorf("%s: runsc says Stopped, the wrapper still says %s after %v: it did not observe the stop%s", id, v, catchUp, whereStuck())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// whereStuck describes, for a failure where the wrapper missed an event,
// every process this process has started (runsc commands, sandboxes) and
// the stacks of the goroutines in the runtime package.
func whereStuck() string {
	var b strings.Builder
	b.WriteString("\nprocesses under this one:")
	for _, pid := range descendantsOf(os.Getpid()) {
		fmt.Fprintf(&b, "\n  %d %s", pid, strings.Join(procfs.Cmdline(pid), " "))
	}
	buf := make([]byte, 1<<22)
	buf = buf[:goruntime.Stack(buf, true)]
	b.WriteString("\ngoroutines in the runtime package:")
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "gvisorfsm/runtime.") {
			b.WriteString("\n" + g)
		}
	}
	return b.String()
}

// leakedSandbox names a sandbox process of an ID the wrapper says is gone.
func (h *Harness) leakedSandbox(pl ProcessLister) (string, error) {
	procs, err := pl.Processes()
	if err != nil {
		return "", err
	}
	for _, p := range procs {
		f := strings.Fields(p)
		if len(f) < 2 || !strings.HasPrefix(f[1], "runsc-sandbox") {
			continue
		}
		id := f[len(f)-1]
		if gone(h.viewOf(id)) && slices.Contains(h.IDs, id) {
			return fmt.Sprintf("a sandbox process for %s runs, which the wrapper says is %s: leaked (%s)", id, h.viewOf(id), p), nil
		}
	}
	return "", nil
}

// closeAndCheck closes the runtime and checks nothing is left in runsc and
// the wrapper refuses new containers.
func (h *Harness) closeAndCheck(t *rapid.T) {
	ctx, cancel := context.WithTimeout(context.Background(), h.Timeouts.Op)
	defer cancel()
	if err := h.replay(); err != nil {
		t.Fatal(err)
	}
	if err := h.Driver.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := h.replay(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	snap, err := h.Observer.Snapshot(ctx)
	if err != nil {
		t.Fatalf("runsc's view after Close: %v", err)
	}
	if len(snap) > 0 {
		t.Fatalf("runsc still has %v after Close", snap)
	}
	if pl, ok := h.Observer.(ProcessLister); ok {
		procs, err := pl.Processes()
		if err != nil {
			t.Fatal(err)
		}
		if len(procs) > 0 {
			t.Fatalf("processes survived Close: %v", procs)
		}
	}
	for _, id := range h.IDs {
		v, err := h.Driver.View(ctx, id)
		if err != nil {
			t.Fatalf("wrapper view of %s after Close: %v", id, err)
		}
		if !gone(v) {
			t.Fatalf("%s is %s in the wrapper after Close", id, v)
		}
	}
	call := h.Driver.Do(ctx, h.IDs[0], fsm.EventCreate)
	if call.Result != steptrace.Refused {
		t.Fatalf("Create after Close: %s (%v), want refused", call.Result, call.Err)
	}
}
