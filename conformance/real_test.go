package conformance

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/runtime"
	"pgregory.net/rapid"
)

// The real-runsc tier: the state machine drives /usr/bin/runsc (ptrace,
// network none) and reconciles with `runsc state`/`list` after every step.
func TestRealRunscStateMachine(t *testing.T) {
	needRealRunsc(t)
	checks, steps := 30, 20
	if full() {
		checks, steps = 100, 30 // at least 3,000 runsc calls
	}
	setFlag(t, "rapid.checks", fmt.Sprint(checks)) // each case takes seconds
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
		d, err := newRuntimeDriver(ctx, "/usr/bin/runsc", dir, bundle, runBundle,
			runtime.WithPlatform("ptrace"), runtime.WithNetwork(runtime.NetworkNone), runtime.WithoutSandboxProbe())
		if err != nil {
			rt.Fatal(err)
		}
		r := &Runsc{Binary: "/usr/bin/runsc", Root: d.rt.Root(), Flags: []string{"--platform=ptrace", "--network=none"}, ExitFile: "/tmp/exit"}
		rt.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_ = d.Close(ctx)
			d.closeTrace()
			if leaked, err := r.Sweep(ctx); err != nil || len(leaked) > 0 {
				rt.Errorf("sandboxes left behind: %v (%v)", leaked, err)
			}
			os.RemoveAll(dir)
		})
		// IDs unique to the case: runsc binds a control socket per sandbox ID
		// host-wide, so a leak in one case must not break the next.
		cases++
		p := fmt.Sprintf("cf%d-%d-", os.Getpid()%100000, cases)
		h := &Harness{Driver: d, Observer: r, Env: r, FaultRate: 0.1, Strict: true, Tolerate: knownDivergences,
			IDs:      []string{p + "a", p + "ab", p + "b"},
			Timeouts: Timeouts{Op: 30 * time.Second, Hang: time.Second},
			Stats:    &summary, Tier: "real"}
		h.Run(rt)
		// The observer's own state and list calls count too.
		summary.Update("real", func(ts *TierStats) { ts.RunscCalls += r.Calls() })
		if err := d.checkTrace(ctx, false); err != nil {
			rt.Fatal(err)
		}
	})
	summary.Update("real", func(ts *TierStats) { ts.Elapsed += time.Since(start) })
}
