// Package steptrace is the step trace: the record of every step a runtime.Runtime
// takes on its own lifecycle or a container's, refusals and failures included, in
// the order the steps take effect. It is what ties the code to the spec: package
// conformance replays a trace in its model and in the TLA+ spec, and the gvisorfsm
// command writes one with --trace.
//
// The format is NDJSON: one Step per line, a JSON object with exactly the keys seq,
// time, op, id, from, to, result, exit, error and note, in that order (Write writes
// it, Read reads and checks it). From and To are fsm states: the runtime's for a
// runtime step (ID ""), the container's otherwise. Queries (IsQuery) change nothing.
package steptrace
