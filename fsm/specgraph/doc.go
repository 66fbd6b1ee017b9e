// Package specgraph reads the reachable state graph of the lifecycle spec
// (spec/NucleusSecurity_GVisor_GVisorRuntime.tla) and projects it onto the
// machines of package fsm, so tests can check that fsm.RuntimeTable and
// fsm.ContainerTable are exactly what the spec allows.
//
// A graph is a list of Edge values, (from state, to state, action) triples,
// whatever produced it: ParseDot reads TLC's `-dump dot,actionlabels` output,
// and a checker written in Go can build the same triples directly.
// ProjectRuntime and ProjectContainer turn the triples into transition tables
// and Diff compares two tables.
package specgraph
