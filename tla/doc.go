// Package tla is a model checker for TLA+ specifications that gives the same answers
// as TLC, the official checker, without a JVM, so a spec can be checked by `go test`.
//
// CheckFile checks a module with its TLC configuration file and reports what TLC
// reports: the verdict, TLC's exit code, the numbers of generated and distinct states
// and the shortest counterexample. cmd/tlacheck wraps it with TLC's command line and
// output lines.
//
// # What is supported
//
// The language: whole modules with EXTENDS, CONSTANT(S) (also operator constants),
// VARIABLE(S), operator and function definitions (recursive, LOCAL, LET/IN, LAMBDA,
// higher-order), INSTANCE (named, parameterized, WITH, LET-bound), ASSUME,
// THEOREM Name == e (proofs are skipped), positional selectors (Inv!2), labels,
// nested comments and indentation-sensitive /\ and \/ lists. Naturals, Integers,
// Sequences, FiniteSets, TLC, Bags and Randomization are built in; of TLCExt only
// AssertEq, TLCNoOp and TLCCache evaluate, and Json's operators can be named but
// not evaluated; TLCGet("config") gives TLC's record. The community modules
// Functions, Folds, FiniteSetsExt, Bitwise and most of SequencesExt are built in,
// and the proof system's library modules (FiniteSetTheorems, NaturalsInduction, ...)
// stand for the modules they extend, since only proofs use their theorems; a module
// file of any of these names beside the spec is used instead.
//
// Values follow TLC: booleans, integers (64-bit with overflow errors; TLC's are
// 32-bit), strings, model values, finite sets, functions, records and tuples, with
// TLC's equality. Nat, Int, STRING, Seq(S), SUBSET, [S -> T], \X, record sets and set
// operations on infinite sets stay symbolic, so membership tests work as in TLC.
//
// Actions are evaluated the way TLC evaluates them, which is what makes the counts
// agree: conjuncts left to right, x' = e and x' \in S assign, disjunctions and \E
// branch (the first bound variable varying fastest, as in TLC), \A is the
// conjunction of its instances, P => A enumerates A when P holds, operator arguments
// that name variables are passed by name, LET definitions are evaluated once per LET
// (once per scope when constant: naming nothing bound around them, reading no state,
// printing or drawing nothing), sets are walked in TLC's value order (strings, field
// names and model values by TLC's interning order), once every variable has a value
// the rest of the action is only checked, and an unassigned primed variable is an
// error.
//
// The configuration: SPECIFICATION or INIT/NEXT, CONSTANT(S) with = values and <-
// substitutions (also [Mod]-scoped), INVARIANT(S), PROPERTY/PROPERTIES,
// CONSTRAINT(S), ACTION_CONSTRAINT(S), SYMMETRY, VIEW, ALIAS and CHECK_DEADLOCK, with
// keywords in any order and repeated.
//
// # Checking
//
// The search is breadth first. By default, as in TLC, the seen set holds a 64-bit
// fingerprint of each distinct state (11 to 14 bytes a state, outside the Go heap; the
// parents a counterexample needs go to a temporary file, as TLC's trace file does),
// and the queue of unexplored states spills to a temporary file beyond 256 KB,
// so the memory a run needs grows slowly with the model: large models are what people
// need a model checker for, and TLC's users already accept its fingerprints. A
// success report prints TLC's estimate of the chance that two distinct states had the
// same fingerprint, and a counterexample is rebuilt by running Init and Next again
// along the fingerprints of its states. Options.Exact (tlacheck -exact) stores each
// state's canonical encoding instead, so no two distinct states can be confused; the
// liveness check, DumpDot and StateGraph need the states and always store them
// exactly.
//
// Successors are checked as they are generated, so a run that finds a violation
// stops with the same counts as TLC. Initial-state violations, deadlocks, invariants,
// []P and [][A]_v properties, ASSUME, Assert and evaluation errors are reported with
// TLC's messages and exit codes (see the Exit constants).
//
// As TLC's command line does, Options.Continue reports every invariant violation and
// searches on, Options.Simulation checks random behaviours instead of the whole state
// space, Options.TraceJSON receives a counterexample in TLC's -dumpTrace json form
// (Result.WriteTraceTLA writes its tla form), and
// Options.Coverage prints TLC's coverage report of the actions (distinct states each
// found first, states each generated) during the search and at its end.
// Options.Checkpoint writes the search's seen set, trail, queue and counts to a
// directory at intervals, and Options.Recover goes on from such a checkpoint (TLC's
// -checkpoint and -recover), with the counts and counterexample the uninterrupted run
// finds; only fingerprint mode is checkpointed (checkpoint.go).
//
// Options.Workers (tlacheck -workers N, or auto for one per CPU) computes successors
// on several goroutines. The queue is expanded in batches, each worker with its own
// copy of the program, and the successors are merged in the single-worker order, so
// the counts, verdict, counterexample, depth and state graph are those of one worker
// for any number of workers (TLC's vary from run to run with several). A state whose
// expansion fails a check, fails to evaluate, or depends on the order of evaluation
// (Print, TLCSet/TLCGet registers, strings made while checking) is expanded again by
// the merging goroutine, as one worker would; once RandomElement is met, the rest of
// the search runs on that goroutine alone (parallel.go describes it).
//
// # Liveness, state graphs and traces
//
// Other temporal properties (<>P, []<>P, <>[]P, P ~> Q, WF/SF of the spec, also
// quantified, temporal IF, refinement of another spec through INSTANCE) are decided
// exactly on the complete state graph: a tableau of the negated property, its product
// with the graph, and a search for fair accepting strongly connected components with
// the spec's WF and SF as acceptance conditions (liveness.go describes it, and where
// the report differs from TLC's). The graph is held in memory, where TLC keeps it on
// disk: each state's values, and 12 bytes a step, the steps and the product's index
// outside the Go heap. StateGraph returns the reachable graph with every
// step labelled by its action and arguments; ValidateTrace decides whether a logged
// NDJSON trace is a behaviour of the spec.
//
// # Differences from TLC that no one should rely on
//
//   - With -workers N the counts are TLC's single-worker counts; TLC's own counts
//     with several workers, when it stops at a violation, vary from run to run.
//   - Trace labels name the action TLC would name; values in traces are printed in
//     this package's canonical order, which can differ from TLC's order for sets of
//     strings and records (compare traces by value).
//   - A [Mod]-scoped override of a module merged by EXTENDS applies to the whole
//     root module.
//   - SYMMETRY reduces by the group the listed permutations generate, as TLC does,
//     but picks each orbit's representative by this package's encodings rather than
//     by TLC's value order; the orbits, and so the counts, are the same.
//   - RandomElement picks as TLC does (java.util.Random reseeded per explored state)
//     but from this package's state hash and a fixed seed, while TLC seeds from its
//     fingerprints and a new seed per run: counts agree only when they do not depend
//     on the picks (random.go).
package tla
