// Package fsm encodes the gVisor lifecycle of spec/NucleusSecurity_GVisor_GVisorRuntime.tla
// as explicit state machines: one for the runtime and one per container.
//
// The names are the spec's: State values are what the spec's variables rt
// (runtime) and cs[c] (container c) hold, and Event values are the spec's
// action names. RuntimeTable and ContainerTable expose each machine's
// transitions as data; a test projects the spec's reachable state graph, as
// recorded from TLC under testdata/, onto one runtime and one container and
// checks that the projections equal these tables in both directions.
//
// The transitions are written once, in table.go (RuntimeTable, ContainerTable);
// docs/lifecycle.md shows them as diagrams and tables generated from there (make
// diagrams), and package conformance's model uses the same tables.
//
// Done, Failed, Closed and Deleted are terminal. A Machine refuses every event
// its table lacks with a *TransitionError (errors.Is(err, ErrIllegalTransition))
// and stays where it was, which is the spec's rule for failed operations. The
// wrapper also relies on the refusals where runsc does not keep that rule: a
// second Create of a live ID, Pause of a Created container and Delete of a
// Created one are illegal here and never reach runsc.
//
// Each machine knows only its own state, so the spec's guards that span
// machines are the caller's to keep: container operations need the runtime
// Available (ForceDelete also while Closing), ExecHandover, ExecFail and
// CloseDone need every container Absent or Deleted, and Pause is refused once
// a Kill was accepted (the stop is on its way; pausing would hold it back).
//
// LifecycleMarkdown renders both machines as Mermaid diagrams (looplab's
// visualizer) with their tables; docs/lifecycle.md is its output.
package fsm
