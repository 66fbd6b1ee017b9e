// Package conformance checks that the runtime package only takes the
// transitions the lifecycle spec (spec/NucleusSecurity_GVisor_GVisorRuntime.tla)
// permits, and that it leaves nothing behind.
//
// The pieces:
//
//   - Model (model.go) is a pure, sequential Go model of the spec: the runtime
//     phase and, per container ID, the set of containers it may be (state plus
//     the spec's waiter, kill and exit-code flags; a set because an unknown
//     outcome, a requested kill or an out-of-band death leaves several
//     possibilities). For each (state, operation) it gives the allowed results:
//     ok to the next state, refused, failed (unchanged) or unknown (either).
//     Its tables are tested equal to fsm.RuntimeTable/ContainerTable and to the
//     spec's recorded state graph projected on the runtime and on a container,
//     and every container step of that graph, flags included, is checked
//     against it in both directions.
//   - Harness (harness.go) is the rapid state machine: random operations in
//     every state (refusals included), injected faults, workloads exiting and
//     sandboxes killed behind the wrapper's back, and after every step a check
//     that the wrapper's view, runsc's own view and the model agree, that the
//     wrapper observes a stop runsc reports, and that no sandbox outlives its
//     container. With a Tracer driver the model follows the wrapper's NDJSON
//     step trace step by step (ValidateTrace, trace.go).
//   - The fault matrix (driver.go): runsc exiting 1, 128 or panicking; garbage,
//     truncated or noisy JSON from state/list/wait; hangs before and after the
//     effect; runsc SIGKILLed half way; a child holding runsc's output pipes;
//     each for every call serving the operation or for one call only; the
//     caller's context cancelled at a random point; and, out of band, the
//     workload exiting, the sandbox killed, runsc's state directory wiped.
//   - Trace tier (spectrace.go): every runtime's NDJSON step trace, sequential
//     or concurrent, fake or real, is read back and checked, container by
//     container, against the spec's next-state relation with the Go TLA+
//     engine (tla.ValidateTrace); concurrent ones in the Go model too.
//   - Concurrent (concurrent.go) records histories of several clients and
//     checks them with porcupine, per container (linearizability.go).
//   - Runsc (runsc.go) observes and disturbs real runsc directly.
//
// The tiers are tests: the fake runsc (internal/fakerunsc) with faults
// (fake_test.go), the real runsc (RUNSC, or Debian's; real_test.go, root only; under
// CI=true a missing runsc is a failure), the concurrent tier on both
// (concurrent_runtime_test.go), and the seeded bugs of mutants/ (run.sh).
// Every run prints a summary table.
//
// What the fake tier costs: each case of rapid's ~30 actions starts some 34
// fake runsc processes, and their sandboxes, through the wrapper, which
// follows every process each of them forks. That is about half a second of
// CPU a case, so the tier is CPU-bound; it runs in two shards per core (at
// least four; CONFORMANCE_SHARDS overrides) and gets faster with more cores.
// BenchmarkFakeTierCase measures a case's CPU next to the cost of the
// cheapest process starts on the machine, and projects how long 1,000 cases
// take on its cores.
//
// What this runsc (0.0~20221219) does that the tiers had to learn: `runsc
// state ID` calls an exact ID ambiguous while a longer ID it prefixes exists;
// a runsc create killed half-way leaves a sandbox `runsc list` does not show;
// `delete --force` of a paused container panics (exit 2) after deleting it;
// and a paused container whose sandbox was killed stays "paused" for ever.
//
// Known divergences of the runtime package from the spec are listed in
// fake_test.go (knownBugs: faults not injected until fixed; knownDivergences:
// let through and counted) and shown in the summary, so that the rest stays
// checked.
package conformance
