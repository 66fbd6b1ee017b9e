package conformance

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/runsctest"
	"github.com/gvisorfsm/gvisorfsm/runtime"
	"pgregory.net/rapid"
)

// The real-runsc tier: the state machine drives the runsc under test (ptrace,
// network none) and reconciles with `runsc state`/`list` after every step.
// It counts every runsc process the wrapper and the observer start; a case
// of 20 steps starts about 50 and takes about 10s on a loaded 2-core
// machine. -rapid.checks, if given, sets the number of cases.
func TestRealRunscStateMachine(t *testing.T) {
	needRealRunsc(t)
	checks, steps := 30, 20
	if full() {
		checks, steps = 100, 30 // well over 3,000 runsc calls
	}
	if !flagGiven("rapid.checks") {
		setFlag(t, "rapid.checks", fmt.Sprint(checks)) // each case takes seconds
	}
	setFlag(t, "rapid.steps", fmt.Sprint(steps))
	bundle, runBundle, err := testBundles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cases := 0
	rapid.Check(t, func(rt *rapid.T) {
		dir, err := os.MkdirTemp("", "conformance-real-")
		if err != nil {
			rt.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		d, err := newRuntimeDriver(ctx, runsctest.Path(), dir, bundle, runBundle,
			runtime.WithPlatform("ptrace"), runtime.WithNetwork(runtime.NetworkNone), runtime.WithoutSandboxProbe())
		if err != nil {
			rt.Fatal(err)
		}
		r := &Runsc{Binary: runsctest.Path(), Root: d.rt.Root(), Flags: runsctest.GlobalFlags(), ExitFile: "/tmp/exit"}
		rt.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_ = d.Close(ctx)
			d.closeTrace()
			if leaked, err := r.Sweep(ctx); err != nil || len(leaked) > 0 {
				rt.Errorf("sandboxes left behind: %v (%v)", leaked, err)
			}
			os.RemoveAll(dir)
			// Every runsc process of the case, the sweep's included.
			summary.Update("real", func(ts *TierStats) {
				w, o := d.rt.RunscCalls(), r.Calls()
				ts.WrapperCalls += w
				ts.ObserverCalls += o
				ts.RunscCalls += w + o
			})
		})
		// IDs unique to the case: runsc binds a control socket per sandbox ID
		// host-wide, so a leak in one case must not break the next.
		cases++
		p := fmt.Sprintf("cf%d-%d-", os.Getpid()%100000, cases)
		h := &Harness{Driver: d, Observer: r, Env: r, FaultRate: 0.1, Tolerate: knownDivergences,
			IDs:      []string{p + "a", p + "ab", p + "b"},
			Timeouts: Timeouts{Op: 30 * time.Second, Hang: time.Second},
			Stats:    &summary, Tier: "real"}
		h.Run(rt)
		// Its own deadline: the case's may be spent on a loaded machine.
		cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
		defer ccancel()
		if err := d.checkTrace(cctx, false); err != nil {
			rt.Fatal(err)
		}
	})
	summary.Update("real", func(ts *TierStats) { ts.Elapsed += time.Since(start) })
}
