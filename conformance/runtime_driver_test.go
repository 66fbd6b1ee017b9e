package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/runtime"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// runtimeDriver adapts *runtime.Runtime to Driver and Tracer. Results come
// from the runtime's own step trace; the wrapper's view of a container is the
// "to" of its latest step the harness has drained.
type runtimeDriver struct {
	rt        *runtime.Runtime
	bundle    string // workload waits for the exit file
	runBundle string // workload exits at once (for Run)
	// waitFor bounds Wait, which blocks until the workload exits: the model's
	// Wait only arms the waiter.
	waitFor time.Duration

	mu   sync.Mutex
	seen int
	view map[string]fsm.State
	// traceFile receives the runtime's NDJSON step trace.
	traceFile *os.File
}

// checkTrace reads back the runtime's whole NDJSON step trace, from the
// fresh runtime on, and checks it is, container by container, a behaviour of
// the spec's next-state relation (the Go TLA+ engine) and, with goModel, a run
// of the Go model (the sequential harness replays every step in the model as
// it goes, prefix-clash refusals included, so it passes false).
func (d *runtimeDriver) checkTrace(ctx context.Context, goModel bool) error {
	steps, err := steptrace.Read(io.NewSectionReader(d.traceFile, 0, 1<<40))
	if err != nil {
		return fmt.Errorf("the step trace %s: %w", d.traceFile.Name(), err)
	}
	if len(steps) != len(d.rt.Trace()) {
		return fmt.Errorf("the step trace %s has %d steps, the runtime recorded %d", d.traceFile.Name(), len(steps), len(d.rt.Trace()))
	}
	if goModel {
		if _, err := ValidateTrace(steps); err != nil {
			return fmt.Errorf("the step trace is not a run of the model: %w", err)
		}
	}
	if err := ValidateSpecTrace(ctx, SpecPath, steps); err != nil {
		return fmt.Errorf("the step trace is not a behaviour of the spec: %w", err)
	}
	return nil
}

// testBundles writes, under dir, a bundle whose workload runs until
// /tmp/exit appears inside it and one whose workload exits at once (for Run).
func testBundles(dir string) (bundle, runBundle string, err error) {
	bundle, err = BusyboxBundle(dir, "/usr/bin/busybox", "/tmp/exit")
	if err != nil {
		return "", "", err
	}
	runBundle, err = BusyboxScriptBundle(filepath.Join(dir, "run-bundle"), "/usr/bin/busybox", "exit 0", "/tmp")
	return bundle, runBundle, err
}

// newRuntimeDriver opens a runtime on binary (with extra options) with its
// state under dir and its NDJSON step trace in dir/trace.ndjson. The
// runtime's own Resolve/Probe steps are skipped: the harness starts from
// Available.
func newRuntimeDriver(ctx context.Context, binary, dir, bundle, runBundle string, opts ...runtime.Option) (*runtimeDriver, error) {
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		return nil, err
	}
	tf, err := os.Create(filepath.Join(dir, "trace.ndjson"))
	if err != nil {
		return nil, err
	}
	opts = append([]runtime.Option{runtime.WithStateDir(state), runtime.WithTrace(tf)}, opts...)
	rt, err := runtime.NewWithPath(ctx, binary, opts...)
	if err != nil {
		tf.Close()
		return nil, err
	}
	d := &runtimeDriver{rt: rt, bundle: bundle, runBundle: runBundle, waitFor: 50 * time.Millisecond, view: map[string]fsm.State{}, traceFile: tf}
	d.seen = len(rt.Trace())
	return d, nil
}

// Drain implements Tracer.
func (d *runtimeDriver) Drain() []steptrace.Step {
	d.mu.Lock()
	defer d.mu.Unlock()
	all := d.rt.Trace()
	var out []steptrace.Step
	for _, s := range all[d.seen:] {
		out = append(out, s)
		if s.ID != "" && s.Op != "State" {
			d.view[s.ID] = s.To
		}
	}
	d.seen = len(all)
	return out
}

// lastStep finds the latest not-yet-drained step of op on id that is not a
// cleanup: the step the call itself took.
func (d *runtimeDriver) lastStep(id string, op fsm.Event) (steptrace.Step, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	all := d.rt.Trace()
	for i := len(all) - 1; i >= d.seen; i-- {
		if all[i].ID == id && all[i].Op == string(op) && all[i].Result != steptrace.Cleanup {
			return all[i], true
		}
	}
	return steptrace.Step{}, false
}

func (d *runtimeDriver) Do(ctx context.Context, id string, op fsm.Event) Call {
	err := d.invoke(ctx, id, op)
	s, ok := d.lastStep(id, op)
	if !ok {
		return Call{Err: err} // no step: a query (Wait on a stopped container)
	}
	if op == fsm.EventWait && s.Result == steptrace.OK && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		err = nil // the waiter is armed; only the waiting for the exit ended
	}
	if op == fsm.EventWait && s.Result == steptrace.Refused && err == nil {
		// Wait on a stopped container: no step of the lifecycle (refused), but
		// the call answers with the status recorded when it stopped.
		err = errWaitAnswered
	}
	return Call{Result: s.Result, To: s.To, Err: err}
}

// errWaitAnswered stands for the nil error of a Wait the runtime refused as a
// step but answered from what it recorded.
var errWaitAnswered = errors.New("wait refused as a step, answered with the recorded exit status")

func (d *runtimeDriver) View(_ context.Context, id string) (fsm.State, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if v, ok := d.view[id]; ok {
		return v, nil
	}
	return fsm.Absent, nil
}

func (d *runtimeDriver) Close(ctx context.Context) error { return d.rt.Close(ctx) }

// closeTrace closes the trace file (after the runtime is closed).
func (d *runtimeDriver) closeTrace() { d.traceFile.Close() }

// traceText is the runtime's trace so far, one step a line.
func (d *runtimeDriver) traceText() string {
	var b strings.Builder
	for _, s := range d.rt.Trace() {
		fmt.Fprintf(&b, "  %d %s %s %s->%s %s exit=%d %s %s\n", s.Seq, s.Op, s.ID, s.From, s.To, s.Result, s.Exit, s.Error, s.Note)
	}
	return b.String()
}

// invoke calls the runtime's method for op. Wait waits at most waitFor: the
// model's Wait only arms the waiter.
func (d *runtimeDriver) invoke(ctx context.Context, id string, op fsm.Event) error {
	var err error
	switch op {
	case fsm.EventCreate:
		err = d.rt.Create(ctx, id, d.bundle, nil)
	case fsm.EventStart:
		err = d.rt.Start(ctx, id, nil)
	case fsm.EventWait:
		wctx, cancel := context.WithTimeout(ctx, d.waitFor)
		_, err = d.rt.Wait(wctx, id)
		cancel()
	case fsm.EventKill:
		err = d.rt.Kill(ctx, id, syscall.SIGKILL, nil)
	case fsm.EventPause:
		err = d.rt.Pause(ctx, id)
	case fsm.EventResume:
		err = d.rt.Resume(ctx, id)
	case fsm.EventDelete:
		err = d.rt.Delete(ctx, id, nil)
	case fsm.EventForceDelete:
		err = d.rt.Delete(ctx, id, &runtime.DeleteOpts{Force: true})
	case fsm.EventRun:
		_, err = d.rt.Run(ctx, id, d.runBundle, nil)
	}
	return err
}
