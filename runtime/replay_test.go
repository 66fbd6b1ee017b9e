package runtime

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// replayed is one container as replayTrace follows it.
type replayed struct {
	m       *fsm.Machine
	killReq bool // a Kill was accepted: Pause is refused from here on
}

// replayTrace replays a trace, in its order, in the lifecycle machines of package fsm
// with the guards the lifecycle puts across machines (container operations need the
// runtime Available, ForceDelete also Closing; Pause is refused after an accepted
// Kill). Every step must start where the replay is; an ok (or moving cleanup) step must
// be a move the lifecycle allows there, landing where the step says; failed and refused
// steps must change nothing, and a refusal must be one the lifecycle makes; an unknown
// step may land on its start or its move's target. It returns the first step that is
// not a sequential behaviour of the lifecycle.
func replayTrace(steps []steptrace.Step) error {
	rt := fsm.NewRuntime()
	cs := map[string]*replayed{}
	for i, s := range steps {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("step %d (seq %d %s %q %s->%s %s, error %q): %s", i, s.Seq, s.Op, s.ID, s.From, s.To, s.Result,
				s.Error, fmt.Sprintf(format, args...))
		}
		if i > 0 && s.Seq != steps[i-1].Seq+1 {
			return bad("seq follows %d", steps[i-1].Seq)
		}
		if steptrace.IsQuery(s.Op) {
			if s.From != s.To {
				return bad("a query moved")
			}
			if s.ID == "" && s.From != rt.Current() {
				return bad("the runtime is %s", rt.Current())
			}
			if c, ok := cs[s.ID]; s.ID != "" && ok && !same(s.From, c.m.Current()) {
				return bad("the container is %s", c.m.Current())
			}
			continue
		}
		e := fsm.Event(s.Op)
		if s.ID == "" {
			if s.From != rt.Current() {
				return bad("the runtime is %s", rt.Current())
			}
			switch s.Result {
			case steptrace.OK:
				if _, to, err := rt.Fire(context.Background(), e); err != nil || to != s.To {
					return bad("the runtime machine moves to %s (%v)", to, err)
				}
			case steptrace.Refused, steptrace.Failed:
				if s.From != s.To {
					return bad("a %s step moved", s.Result)
				}
			default:
				return bad("result %q for a runtime step", s.Result)
			}
			continue
		}
		c, ok := cs[s.ID]
		if !ok || (c.m.Current() == fsm.Deleted && s.From == fsm.Absent && (e == fsm.EventCreate || e == fsm.EventRun)) {
			c = &replayed{m: fsm.NewContainer(s.ID)} // a new container of the ID
			cs[s.ID] = c
		}
		cur := c.m.Current()
		if !same(s.From, cur) {
			return bad("the container is %s", cur)
		}
		env := e == fsm.EventExit || e == fsm.EventSandboxDied
		rtOK := rt.Current() == fsm.Available || (e == fsm.EventForceDelete && rt.Current() == fsm.Closing)
		allowed := c.m.Can(e) && (env || rtOK) && !(e == fsm.EventPause && c.killReq)
		target := cur
		if allowed {
			target = targetOf(cur, e)
		}
		result := s.Result
		if result == steptrace.Cleanup {
			if s.From == s.To {
				continue // nothing was left to clean up
			}
			result = steptrace.OK
		}
		switch result {
		case steptrace.OK:
			if !allowed {
				return bad("the lifecycle does not allow %s here", e)
			}
			if _, to, err := c.m.Fire(context.Background(), e); err != nil || to != s.To {
				return bad("the container machine moves to %s (%v)", to, err)
			}
			if e == fsm.EventKill {
				c.killReq = true
			}
		case steptrace.Failed:
			if s.From != s.To {
				return bad("a failed step moved")
			}
			if !allowed {
				return bad("runsc ran for a step the lifecycle does not allow")
			}
		case steptrace.Refused:
			if s.From != s.To {
				return bad("a refused step moved")
			}
			if allowed {
				return bad("refused, but the lifecycle allows %s from %s", e, cur)
			}
		case steptrace.Unknown:
			if !allowed {
				return bad("runsc ran for a step the lifecycle does not allow")
			}
			switch {
			case same(s.To, cur):
			case same(s.To, target):
				c.m.Fire(context.Background(), e)
			default:
				return bad("an unknown outcome is %s or %s", cur, target)
			}
		default:
			return bad("unknown result")
		}
	}
	return nil
}

// same compares states the way the trace reports them: a deleted container may be
// forgotten and reported Absent.
func same(a, b fsm.State) bool {
	gone := func(s fsm.State) bool { return s == fsm.Absent || s == fsm.Deleted }
	return a == b || gone(a) && gone(b)
}

// targetOf is where e leads from state from, by the lifecycle's table.
func targetOf(from fsm.State, e fsm.Event) fsm.State {
	for _, t := range fsm.ContainerTable() {
		if t.From == from && t.Event == e {
			return t.To
		}
	}
	return from
}

func TestReplayTraceRejectsOutOfOrderSteps(t *testing.T) {
	ok := []steptrace.Step{
		{Seq: 1, Op: "Resolve", From: "Unresolved", To: "Resolved", Result: steptrace.OK},
		{Seq: 2, Op: "Probe", From: "Resolved", To: "Available", Result: steptrace.OK},
		{Seq: 3, Op: "Create", ID: "a", From: "Absent", To: "Created", Result: steptrace.OK},
		{Seq: 4, Op: "Create", ID: "a", From: "Created", To: "Created", Result: steptrace.Refused},
		{Seq: 5, Op: "Start", ID: "a", From: "Created", To: "Running", Result: steptrace.OK},
		{Seq: 6, Op: "Kill", ID: "a", From: "Running", To: "Running", Result: steptrace.OK},
		{Seq: 7, Op: "Pause", ID: "a", From: "Running", To: "Running", Result: steptrace.Refused},
		{Seq: 8, Op: "Exit", ID: "a", From: "Running", To: "Stopped", Result: steptrace.OK},
		{Seq: 9, Op: "Wait", ID: "a", From: "Stopped", To: "Stopped", Result: steptrace.Refused},
		{Seq: 10, Op: "Delete", ID: "a", From: "Stopped", To: "Deleted", Result: steptrace.OK},
		{Seq: 11, Op: "Run", ID: "a", From: "Absent", To: "Deleted", Result: steptrace.OK},
		{Seq: 12, Op: "Close", From: "Available", To: "Closing", Result: steptrace.OK},
		{Seq: 13, Op: "Create", ID: "b", From: "Absent", To: "Absent", Result: steptrace.Refused},
		{Seq: 14, Op: "CloseDone", From: "Closing", To: "Closed", Result: steptrace.OK},
	}
	if err := replayTrace(ok); err != nil {
		t.Fatalf("a sequential trace was rejected: %v", err)
	}
	for name, mutate := range map[string]func([]steptrace.Step) []steptrace.Step{
		// A Run refused "already exists ... is Absent" while a Create was in flight.
		"refused-though-allowed": func(s []steptrace.Step) []steptrace.Step {
			return append(s[:2:2], steptrace.Step{Seq: 3, Op: "Run", ID: "a", From: "Absent", To: "Absent", Result: steptrace.Refused})
		},
		// A refusal from Absent recorded after the Create it raced with.
		"stale-from": func(s []steptrace.Step) []steptrace.Step {
			return append(s[:3:3], steptrace.Step{Seq: 4, Op: "Start", ID: "a", From: "Absent", To: "Absent", Result: steptrace.Refused})
		},
		"create-after-close": func(s []steptrace.Step) []steptrace.Step {
			out := append(s[:2:2], steptrace.Step{Seq: 3, Op: "Close", From: "Available", To: "Closing", Result: steptrace.OK})
			return append(out, steptrace.Step{Seq: 4, Op: "Create", ID: "b", From: "Absent", To: "Created", Result: steptrace.OK})
		},
		"pause-after-kill": func(s []steptrace.Step) []steptrace.Step {
			s = slices.Clone(s)
			s[6].To, s[6].Result = "Paused", steptrace.OK
			return s[:7]
		},
		"failed-moved": func(s []steptrace.Step) []steptrace.Step {
			s = slices.Clone(s)
			s[4].Result = steptrace.Failed
			return s[:5]
		},
	} {
		if err := replayTrace(mutate(ok)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestFakeConcurrentTraceReplays has goroutines drive shared containers at once —
// creates racing runs on one ID, steps racing deletes, a Close in the middle of it all
// — and checks that the trace is a sequential behaviour of the lifecycle, in the
// trace's own order.
func TestFakeConcurrentTraceReplays(t *testing.T) {
	for round := range 3 {
		t.Run(strconv.Itoa(round), func(t *testing.T) {
			r, _ := newFake(t)
			sleeper := fakeBundle(t, "sleep", "3600")
			quick := fakeBundle(t, "true")
			ids := []string{"x1", "y2"}
			var wg sync.WaitGroup
			const clients, ops = 6, 25
			closeAt := make(chan struct{})
			for g := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(round), uint64(g)))
					for k := range ops {
						if g == 0 && k == ops-5 {
							close(closeAt)
						}
						id := ids[rng.IntN(len(ids))]
						ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
						switch rng.IntN(10) {
						case 0, 1:
							_ = r.Create(ctx, id, sleeper, nil)
						case 2:
							_, _ = r.Run(ctx, id, quick, nil)
						case 3:
							_ = r.Start(ctx, id, nil)
						case 4:
							_ = r.Kill(ctx, id, syscall.SIGKILL, nil)
						case 5:
							_ = r.Pause(ctx, id)
						case 6:
							_ = r.Resume(ctx, id)
						case 7:
							_ = r.Delete(ctx, id, &DeleteOpts{Force: rng.IntN(2) == 0})
						case 8:
							wctx, wcancel := context.WithTimeout(ctx, 20*time.Millisecond)
							_, _ = r.Wait(wctx, id)
							wcancel()
						case 9:
							_, _ = r.State(ctx, id)
						}
						cancel()
					}
				}()
			}
			<-closeAt
			if err := r.Close(context.Background()); err != nil {
				t.Errorf("Close: %v", err)
			}
			wg.Wait()
			steps := r.Trace()
			if err := replayTrace(steps); err != nil {
				for _, s := range steps {
					t.Logf("%d %s %s %s->%s %s %s %s", s.Seq, s.Op, s.ID, s.From, s.To, s.Result, s.Error, s.Note)
				}
				t.Fatal(err)
			}
			if n := len(steps); n < clients*ops/2 {
				t.Fatalf("only %d steps recorded", n)
			}
		})
	}
}
