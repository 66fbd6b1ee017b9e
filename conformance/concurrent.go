package conformance

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// Concurrent is the linearizability tier: several clients issue random
// operations on one runtime at once, on shared and on their own container
// IDs, and the recorded history must be linearizable with respect to the
// model, per container.
type Concurrent struct {
	Driver   Driver
	Observer Observer
	// Env, if set, is used by one extra client that kills sandboxes from
	// outside; each kill is an operation in the history.
	Env Environment
	// Clients is the number of goroutines (4-8).
	Clients int
	// Ops is the number of operations per client.
	Ops int
	// SharedIDs are used by every client; each client also has one of its
	// own, OwnPrefix followed by the client's number.
	SharedIDs []string
	OwnPrefix string
	// CancelRate is the share of operations whose context is cancelled at a
	// random point.
	CancelRate float64
	Timeouts   Timeouts
	// CheckTimeout bounds porcupine; running out counts as a failure.
	CheckTimeout time.Duration
	Stats        *Stats
	Tier         string
	// Tolerate lets known divergences through (see LinearizabilityModel).
	Tolerate []func(Container, Input, Output) bool
}

// RunHistory runs one history with randomness from seed and checks it. On a
// failure the error names the visualization file (written under vizDir).
func (c *Concurrent) RunHistory(ctx context.Context, seed uint64, vizDir string) (*History, error) {
	if c.Clients == 0 {
		c.Clients = 4
	}
	if c.Ops == 0 {
		c.Ops = 10
	}
	if len(c.SharedIDs) == 0 {
		c.SharedIDs = []string{"s", "sh"}
	}
	if c.Timeouts.Op == 0 {
		c.Timeouts.Op = 30 * time.Second
	}
	if c.CheckTimeout == 0 {
		c.CheckTimeout = 10 * time.Second
	}
	h := NewHistory()
	var mu sync.Mutex
	add := func(client int, in Input, call int64, out Output, ret int64) {
		mu.Lock()
		defer mu.Unlock()
		h.Add(client, in, call, out, ret)
	}
	var wg sync.WaitGroup
	for cl := 0; cl < c.Clients; cl++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(cl)))
			own := c.OwnPrefix
			if own == "" {
				own = "own"
			}
			ids := append(append([]string{}, c.SharedIDs...), fmt.Sprintf("%s%dx", own, cl))
			for i := 0; i < c.Ops && ctx.Err() == nil; i++ {
				id := ids[rng.IntN(len(ids))]
				op := ContainerOps[rng.IntN(len(ContainerOps))]
				in := Input{ID: id, Op: op}
				octx, cancel := context.WithTimeout(ctx, c.Timeouts.Op)
				var timer *time.Timer
				if rng.Float64() < c.CancelRate {
					in.Fault = string(FaultCancel)
					timer = time.AfterFunc(time.Duration(rng.IntN(3000))*time.Microsecond, cancel)
				}
				call := h.Now()
				res := c.Driver.Do(octx, id, op)
				ret := h.Now()
				if timer != nil {
					timer.Stop()
				}
				cancel()
				out := Output{Result: res.Result, To: res.To, Busy: res.Busy}
				if res.Err != nil {
					out.Err = res.Err.Error()
				}
				add(cl, in, call, out, ret)
			}
		}()
	}
	if c.Env != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 1<<32))
			for i := 0; i < c.Ops/2 && ctx.Err() == nil; i++ {
				time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
				id := c.SharedIDs[rng.IntN(len(c.SharedIDs))]
				call := h.Now()
				snap, err := c.Observer.Snapshot(ctx)
				if st := observed(snap, id); err != nil || (st != fsm.Created && st != fsm.Running && st != fsm.Paused) {
					continue
				}
				if err := c.Env.KillSandbox(ctx, id); err != nil {
					continue // gone meanwhile: nothing happened
				}
				add(c.Clients, Input{ID: id, Op: fsm.EventSandboxDied, Fault: string(FaultSandboxKill)}, call,
					Output{Result: steptrace.OK, To: fsm.Stopped}, h.Now())
			}
		}()
	}
	wg.Wait()

	vizPath := ""
	if vizDir != "" {
		vizPath = fmt.Sprintf("%s/history-%d.html", vizDir, seed)
	}
	start := time.Now()
	res, err := h.Check(c.CheckTimeout, vizPath, c.Tolerate...)
	took := time.Since(start)
	if c.Stats != nil {
		c.Stats.Update(c.Tier, func(ts *TierStats) {
			ts.Histories++
			ts.HistoryOps += h.Len()
			ts.Clients = c.Clients
			ts.CheckTimes = append(ts.CheckTimes, took)
			for _, op := range h.ops {
				in, out := op.Input.(Input), op.Output.(Output)
				ts.Results[out.Result]++
				if out.Busy {
					ts.Tolerated["refused because another call on the same ID was in flight (the spec has no busy refusal)"]++
				}
				if in.Fault != "" {
					ts.Faults[Fault(in.Fault)]++
				}
			}
		})
	}
	if err != nil {
		return h, err
	}
	switch res {
	case porcupine.Ok:
	case porcupine.Unknown:
		return h, fmt.Errorf("porcupine ran out of time (%v) on %d operations; visualization: %s", c.CheckTimeout, h.Len(), vizPath)
	default:
		return h, fmt.Errorf("history of %d operations is not linearizable; visualization: %s\n%s", h.Len(), vizPath, h.FailingPartition(c.Tolerate...))
	}

	// Nothing may be left once the runtime is closed.
	cctx, cancel := context.WithTimeout(ctx, c.Timeouts.Op)
	defer cancel()
	if err := c.Driver.Close(cctx); err != nil {
		return h, fmt.Errorf("closing the runtime: %w", err)
	}
	snap, err := c.Observer.Snapshot(cctx)
	if err != nil {
		return h, fmt.Errorf("runsc's view after Close: %w", err)
	}
	if len(snap) > 0 {
		return h, fmt.Errorf("runsc still has %v after Close", snap)
	}
	if pl, ok := c.Observer.(ProcessLister); ok {
		procs, err := pl.Processes()
		if err != nil {
			return h, err
		}
		if len(procs) > 0 {
			return h, fmt.Errorf("sandbox processes survived Close: %v", procs)
		}
	}
	return h, nil
}
