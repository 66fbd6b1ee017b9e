package tla

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Simulation, as Options.Simulation, replaces the breadth-first search by random
// behaviours, as TLC's -simulate does: each starts in a random initial state and
// takes random steps of Next, checking the invariants, action properties and
// deadlock on every state, until it is Depth states long, a CONSTRAINT excludes a
// state, or no step is possible. The behaviours follow this package's random
// choices, not TLC's, so only the verdicts are comparable with TLC's.
type Simulation struct {
	Traces int   // behaviours to generate; 0 = until the context is cancelled
	Depth  int   // states per behaviour; 0 = 100, as in TLC
	Seed   int64 // seed of the random choices (TLC's -seed)
}

// simulate generates random behaviours.
func (ch *checker) simulate() (res *Result) {
	sim := *ch.opts.Simulation
	if sim.Depth <= 0 {
		sim.Depth = 100
	}
	c := ch.c
	r := ch.res
	rng := rand.New(rand.NewPCG(uint64(sim.Seed), 0x9e3779b97f4a7c15))
	nv := len(ch.p.vars)
	fmt.Fprintf(ch.out, "Running Random Simulation with seed %d.\n", sim.Seed)
	fmt.Fprintf(ch.out, "Starting... (%s)\n", time.Now().Format("2006-01-02 15:04:05"))
	var behaviour [][]Value
	var lengths []int // of the behaviours completed
	fail := func(kind, name, msg string, code int) *Result {
		r.Violation, r.ViolatedName, r.ExitCode, r.Message = kind, name, code, msg
		r.Trace = ch.labelled(behaviour)
		ch.printViolation(msg, r.Trace, len(behaviour) == 1 && kind == "invariant")
		// after a violation TLC prints the progress line last
		fmt.Fprintf(ch.out, "The number of states generated: %d\n", r.Generated)
		fmt.Fprintf(ch.out, "Simulation using seed %d and aril 0\n", sim.Seed)
		ch.simulationProgress(lengths)
		return r
	}
	defer func() {
		if x := recover(); x != nil {
			ee, ok := x.(*evalError)
			if !ok {
				panic(x)
			}
			if ee.Code == 0 {
				ee.Code = ExitEval
			}
			r.Trace = ch.labelled(behaviour)
			res = ch.evalFailure(ee)
		}
	}()

	inits := ch.initialStates()
	fmt.Fprintf(ch.out, "Computed %d initial states...\n", len(inits))
	plural := "s"
	if len(inits) == 1 {
		plural = ""
	}
	fmt.Fprintf(ch.out, "Finished computing initial states: %d distinct state%s generated at %s.\n", len(inits), plural, time.Now().Format("2006-01-02 15:04:05"))
	r.Generated = int64(len(inits))
	c.split = true
	for t := 0; sim.Traces <= 0 || t < sim.Traces; t++ {
		if ch.ctx != nil && ch.ctx.Err() != nil || len(inits) == 0 {
			break
		}
		s := inits[rng.IntN(len(inits))]
		behaviour = append(behaviour[:0], s)
		c.level = 1
		if !ch.satisfies(ch.constraints, s) {
			lengths = append(lengths, 1)
			continue
		}
		for _, inv := range ch.invariants {
			if !ch.invariantHolds(inv, s) {
				return fail("invariant", inv.name, fmt.Sprintf("Invariant %s is violated.", inv.name), ExitInvariant)
			}
		}
		r.Generated++
		for len(behaviour) < sim.Depth {
			var succs [][]Value
			next := make([]Value, nv)
			c.cur, c.next = s, next
			c.level = len(behaviour)
			c.label, c.labelArgs = nil, nil
			c.enum(ch.next.expr, nil, ch.next.sc, func() bool {
				for i, v := range next {
					if v == nil {
						panic(&evalError{Code: ExitUnassigned, Kind: "eval",
							Msg: fmt.Sprintf("Successor state is not completely specified by the next-state action. The following variable is not defined: %s.", ch.p.vars[i].Name)})
					}
				}
				if len(ch.actionConstraint) == 0 || ch.satisfies(ch.actionConstraint, s, next) {
					succs = append(succs, append([]Value(nil), next...))
				}
				return false
			})
			if len(succs) == 0 {
				if ch.checkDeadlock {
					return fail("deadlock", "", "Deadlock reached.", ExitDeadlock)
				}
				break
			}
			u := succs[rng.IntN(len(succs))]
			r.Generated++
			c.level = len(behaviour) + 1
			behaviour = append(behaviour, u)
			for _, ap := range ch.actionProps {
				if !ch.holds(ap, s, u) {
					return fail("action", ap.name, fmt.Sprintf("Action property %s is violated.", ap.name), ExitTemporal)
				}
			}
			if !ch.satisfies(ch.constraints, u) {
				break
			}
			for _, inv := range ch.invariants {
				if !ch.invariantHolds(inv, u) {
					return fail("invariant", inv.name, fmt.Sprintf("Invariant %s is violated.", inv.name), ExitInvariant)
				}
			}
			s = u
		}
		lengths = append(lengths, len(behaviour))
	}
	ch.simulationProgress(lengths)
	fmt.Fprintf(ch.out, "The number of states generated: %d\n", r.Generated)
	fmt.Fprintf(ch.out, "Simulation using seed %d and aril 0\n", sim.Seed)
	return r
}

// labelled turns a behaviour into trace states with their action labels.
func (ch *checker) labelled(vals [][]Value) []State {
	names := make([]string, len(ch.p.vars))
	for i, d := range ch.p.vars {
		names[i] = d.Name
	}
	out := make([]State, len(vals))
	for i, v := range vals {
		out[i] = State{Vars: names, Values: v, Action: "<Initial predicate>"}
		if i > 0 {
			out[i].Action, out[i].step = ch.stepFor(vals[i-1], v)
		}
	}
	return out
}

// simulationProgress prints TLC's summary of the behaviours generated.
func (ch *checker) simulationProgress(lengths []int) {
	mean, variance := 0.0, 0.0
	for _, l := range lengths {
		mean += float64(l)
	}
	if len(lengths) > 0 {
		mean /= float64(len(lengths))
	}
	for _, l := range lengths {
		variance += (float64(l) - mean) * (float64(l) - mean)
	}
	if len(lengths) > 0 {
		variance /= float64(len(lengths))
	}
	fmt.Fprintf(ch.out, "Progress: %d states checked, %d traces generated (trace length: mean=%.0f, var(x)=%.0f, sd=%.0f)\n",
		ch.res.Generated, len(lengths), mean, variance, math.Sqrt(variance))
}
