package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/internal/runsctest"
	"github.com/gvisorfsm/gvisorfsm/runtime"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// concurrentDriver classifies a runtime call by its error alone: with
// several clients on one container the trace cannot say which step was
// whose. A killed runsc counts as unknown, the weaker claim.
type concurrentDriver struct{ *runtimeDriver }

var refusals = []error{runtime.ErrIllegal, runtime.ErrExists, runtime.ErrAmbiguousID, runtime.ErrUnavailable,
	runtime.ErrInvalidID, runtime.ErrInvalidBundle}

func classify(err error) steptrace.Result {
	var re *runtime.RunscError
	switch {
	case err == nil:
		return steptrace.OK
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return steptrace.Unknown
	case errors.As(err, &re):
		return steptrace.Failed // runsc ran: even an "already exists" is runsc's
	case errors.Is(err, runtime.ErrNoContainer):
		return steptrace.Refused
	}
	for _, r := range refusals {
		if errors.Is(err, r) {
			return steptrace.Refused
		}
	}
	return steptrace.Failed
}

func (d concurrentDriver) Do(ctx context.Context, id string, op fsm.Event) Call {
	var err error
	switch op {
	case fsm.EventWait:
		wctx, cancel := context.WithTimeout(ctx, d.waitFor)
		_, err = d.rt.Wait(wctx, id)
		cancel()
		if wctx.Err() != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = nil // armed; only the waiting ended
		}
		if errors.Is(err, runtime.ErrExitUnknown) {
			err = nil // a stopped container: Wait is a query there
		}
	default:
		return concurrentCall(d.runtimeDriver, ctx, id, op)
	}
	return Call{Result: classify(err), Err: err, Busy: busy(err)}
}

func concurrentCall(d *runtimeDriver, ctx context.Context, id string, op fsm.Event) Call {
	err := d.invoke(ctx, id, op)
	return Call{Result: classify(err), Err: err, Busy: busy(err)}
}

// busy reports a refusal of an ID another call holds: the runtime reserves
// an ID for a Create or Run in flight and refuses others "already exists" in
// state Absent (or Deleted, on the way out).
func busy(err error) bool {
	return errors.Is(err, runtime.ErrExists) && (strings.HasSuffix(err.Error(), " is Absent") || strings.HasSuffix(err.Error(), " is Deleted"))
}

// runHistories runs n concurrent histories on fresh runtimes from open, each
// checked for linearizability, its whole trace replayed in the model, and
// nothing left behind.
func runHistories(t *testing.T, n, clients int, tier string, open func(dir string) (*runtimeDriver, *Runsc, error)) {
	vizDir := os.Getenv("CONFORMANCE_VIZ_DIR")
	if vizDir == "" {
		vizDir = t.TempDir()
	}
	for i := 0; i < n; i++ {
		dir, err := os.MkdirTemp("", "conformance-conc-")
		if err != nil {
			t.Fatal(err)
		}
		d, obs, err := open(dir)
		if err != nil {
			t.Fatal(err)
		}
		d.waitFor = 5 * time.Millisecond
		p := fmt.Sprintf("h%d-%d-", os.Getpid()%100000, i)
		c := &Concurrent{Driver: concurrentDriver{d}, Observer: obs, Clients: clients, Ops: 10,
			SharedIDs: []string{p + "s1", p + "t2"}, CancelRate: 0.05,
			Timeouts: Timeouts{Op: 20 * time.Second}, CheckTimeout: 10 * time.Second,
			Stats: &summary, Tier: tier,
			Tolerate: []func(Container, Input, Output) bool{
				// Wait on a stopped container answers with the recorded
				// status and takes no step: a query the spec does not have.
				func(c Container, in Input, out Output) bool {
					return in.Op == fsm.EventWait && out.Result == steptrace.OK && c.State == fsm.Stopped
				},
			}}
		// Own IDs must not be prefixes of each other either.
		c.OwnPrefix = p + "own"
		_, err = c.RunHistory(context.Background(), uint64(i), vizDir)
		if err != nil {
			t.Errorf("history %d: %v", i, err)
			cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			_ = d.Close(cctx) // RunHistory closes only after a good history
			cancel()
		}
		// The trace is in the order the steps took effect: it must be a
		// sequential run of the model and of the spec.
		tctx, tcancel := context.WithTimeout(context.Background(), time.Minute)
		if err := d.checkTrace(tctx, true); err != nil {
			t.Errorf("history %d: %v", i, err)
		}
		tcancel()
		d.closeTrace()
		if procs, _ := obs.Processes(); len(procs) > 0 {
			t.Errorf("history %d: processes left behind: %v", i, procs)
			sweepFake(procs)
		}
		if t.Failed() {
			// The runtime's own trace says what it observed (exits, deaths) that
			// the history cannot show.
			t.Logf("history %d: runtime trace kept in %s", i, filepath.Join(dir, "trace.ndjson"))
			return
		}
		os.RemoveAll(dir)
	}
}

// The concurrent tier on the fake runsc: tierSizes' histories, half of 4
// clients, half of 8.
func TestConcurrentFakeRunsc(t *testing.T) {
	bin := fakerunsc.Build(t)
	bundle, runBundle, err := testBundles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, n := tierSizes(t)
	start := time.Now()
	for _, clients := range []int{4, 8} {
		runHistories(t, n/2, clients, "concurrent-fake", func(dir string) (*runtimeDriver, *Runsc, error) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			d, err := newRuntimeDriver(ctx, bin, dir, bundle, runBundle, runtime.WithoutSandboxProbe())
			if err != nil {
				return nil, nil, err
			}
			return d, &Runsc{Binary: bin, Root: d.rt.Root()}, nil
		})
	}
	summary.Update("concurrent-fake", func(ts *TierStats) { ts.Elapsed += time.Since(start) })
}

// The concurrent tier on the real runsc: a few histories (each force-delete
// takes seconds).
func TestConcurrentRealRunsc(t *testing.T) {
	needRealRunsc(t)
	bundle, runBundle, err := testBundles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	runHistories(t, 3, 4, "concurrent-real", func(dir string) (*runtimeDriver, *Runsc, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		d, err := newRuntimeDriver(ctx, runsctest.Path(), dir, bundle, runBundle,
			runtime.WithPlatform("ptrace"), runtime.WithNetwork(runtime.NetworkNone), runtime.WithoutSandboxProbe())
		if err != nil {
			return nil, nil, err
		}
		return d, &Runsc{Binary: runsctest.Path(), Root: d.rt.Root(), Flags: runsctest.GlobalFlags()}, nil
	})
	summary.Update("concurrent-real", func(ts *TierStats) { ts.Elapsed += time.Since(start) })
}
