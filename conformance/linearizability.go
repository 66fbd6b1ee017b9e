package conformance

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// Input is one operation in a concurrent history.
type Input struct {
	ID string
	Op fsm.Event
	// Fault names the fault injected into this call ("" for none); shown in the
	// visualization, not used by the check.
	Fault string
}

// Output is what the wrapper reported for an operation.
type Output struct {
	Result steptrace.Result
	// To is the container's state as the wrapper reported it after the call
	// ("" when it did not say). For Unknown it is what reconciliation found.
	To  fsm.State
	Err string
	// Busy: refused because another operation on the same ID was in flight
	// (the spec has no such refusal; it changes nothing).
	Busy bool
}

// LinearizabilityModel is the porcupine model of the wrapper: histories are
// partitioned per container ID (operations on different IDs commute), the
// runtime is Available throughout, and each partition's state is one
// Container. A sandbox killed from outside appears in a history as a
// SandboxDied operation whose interval brackets the kill; the wrapper may
// observe it at any later point.
//
// Each tolerance, if it matches (c, in, out), lets a step the model rejects
// through with c unchanged: a known divergence, not a pass.
func LinearizabilityModel(tolerate ...func(c Container, in Input, out Output) bool) porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Partition: partitionByID,
		Init:      func() []any { return []any{NewContainer()} },
		Step: func(state, input, output any) []any {
			in, out := input.(Input), output.(Output)
			var next []any
			if out.Busy && out.Result == steptrace.Refused {
				return []any{state}
			}
			if in.Op == fsm.EventSandboxDied {
				// The out-of-band kill: the wrapper observes it later.
				if d, ok := state.(Container).Doomed(); ok {
					return []any{d}
				}
				return nil
			}
			for _, c := range Pending([]Container{state.(Container)}) {
				ns := c.Step(in.Op, true, out.Result, out.To)
				if in.Op == fsm.EventForceDelete && (out.Result == steptrace.Unknown || out.Result == steptrace.Failed) {
					// A force-delete resumes a paused container first (runsc's delete
					// --force panics on one); the resume stands if the delete then did
					// not happen, and the wrapper records it as its own step.
					for _, n := range c.okSteps(fsm.EventResume) {
						if out.To == "" || sameState(n.State, out.To) {
							ns = append(ns, n)
						}
					}
				}
				if len(ns) == 0 {
					for _, tol := range tolerate {
						if tol(c, in, out) {
							ns = []Container{c}
							break
						}
					}
				}
				if out.Result == steptrace.Unknown || out.Result == steptrace.Failed {
					// After an unknown or failed step the wrapper may clean up
					// on its own (a force-delete: the contract's "cleanup").
					for _, n := range ns {
						ns = append(ns, n.okSteps(fsm.EventForceDelete)...)
					}
				}
				for _, n := range ns {
					next = append(next, n)
				}
			}
			return next
		},
		DescribeOperation: func(input, output any) string {
			in, out := input.(Input), output.(Output)
			s := fmt.Sprintf("%s(%s) -> %s", in.Op, in.ID, out.Result)
			if out.To != "" {
				s += " " + string(out.To)
			}
			if in.Fault != "" {
				s += " [" + in.Fault + "]"
			}
			return s
		},
		DescribeState: func(state any) string { return state.(Container).String() },
	}
	return nm.ToModel()
}

func partitionByID(history []porcupine.Operation) [][]porcupine.Operation {
	byID := map[string][]porcupine.Operation{}
	for _, op := range history {
		id := op.Input.(Input).ID
		byID[id] = append(byID[id], op)
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([][]porcupine.Operation, 0, len(ids))
	for _, id := range ids {
		out = append(out, byID[id])
	}
	return out
}

// History collects porcupine operations from concurrent clients.
// Timestamps are nanoseconds since the history began (monotonic clock).
type History struct {
	start time.Time
	ops   []porcupine.Operation
	notes []porcupine.Annotation
}

// NewHistory starts an empty history now.
func NewHistory() *History { return &History{start: time.Now()} }

// Now is the history's clock.
func (h *History) Now() int64 { return int64(time.Since(h.start)) }

// Add records one completed operation. Not safe for concurrent use: clients
// collect their own operations and the test merges them, or guards Add.
func (h *History) Add(client int, in Input, call int64, out Output, ret int64) {
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
	if in.Fault != "" {
		h.notes = append(h.notes, porcupine.Annotation{
			ClientId: client, Start: call, End: ret,
			Description: "fault: " + in.Fault, Details: fmt.Sprintf("%s(%s) %s", in.Op, in.ID, out.Err),
			BackgroundColor: "#f4c7c3",
		})
	}
}

// Operations returns the recorded operations.
func (h *History) Operations() []porcupine.Operation { return slices.Clone(h.ops) }

// Len is the number of recorded operations.
func (h *History) Len() int { return len(h.ops) }

// Check checks the history against LinearizabilityModel with a timeout.
// Unknown (the checker ran out of time) is returned as is: callers treat it as
// a failure. On anything but Ok, the visualization (with fault annotations) is
// written to vizPath if it is not "".
func (h *History) Check(timeout time.Duration, vizPath string, tolerate ...func(Container, Input, Output) bool) (porcupine.CheckResult, error) {
	m := LinearizabilityModel(tolerate...)
	res, info := porcupine.CheckOperationsVerbose(m, h.ops, timeout)
	if res == porcupine.Ok || vizPath == "" {
		return res, nil
	}
	info.AddAnnotations(h.notes)
	if err := porcupine.VisualizePath(m, info, vizPath); err != nil {
		return res, fmt.Errorf("writing visualization: %w", err)
	}
	return res, nil
}

// FailingPartition renders the first per-container partition that is not
// linearizable ("" if none is).
func (h *History) FailingPartition(tolerate ...func(Container, Input, Output) bool) string {
	m := LinearizabilityModel(tolerate...)
	for _, part := range partitionByID(h.ops) {
		if porcupine.CheckOperations(m, part) {
			continue
		}
		sort.Slice(part, func(i, j int) bool { return part[i].Call < part[j].Call })
		var b strings.Builder
		fmt.Fprintf(&b, "partition %s:\n", part[0].Input.(Input).ID)
		for _, op := range part {
			fmt.Fprintf(&b, "  client %d [%d, %d] %s (%s)\n", op.ClientId, op.Call, op.Return, m.DescribeOperation(op.Input, op.Output), op.Output.(Output).Err)
		}
		return b.String()
	}
	return ""
}

// String renders the history one operation per line, in call order.
func (h *History) String() string {
	ops := h.Operations()
	sort.Slice(ops, func(i, j int) bool { return ops[i].Call < ops[j].Call })
	var b strings.Builder
	m := LinearizabilityModel()
	for _, op := range ops {
		fmt.Fprintf(&b, "client %d [%d, %d] %s\n", op.ClientId, op.Call, op.Return, m.DescribeOperation(op.Input, op.Output))
	}
	return b.String()
}
