// Package runtime drives the runsc binary of gVisor through the lifecycle that package
// fsm permits, defending against the ways runsc misbehaves.
//
// # Resolution and trust
//
// ResolvePath picks runsc from TrustedLocations (and PATH only for non-root callers).
// OpenBinary validates a candidate — owner root or the caller, not group/world-writable,
// a regular executable ELF file, every directory on the way (and on every symlink's
// way) safe, a `#!` wrapper unwrapped only to a binary passing the same checks — and
// keeps it open: every command executes that descriptor (/proc/self/fd/N), so replacing
// the file at the path afterwards changes nothing.
//
// # Runtime
//
// New (or NewWithPath) resolves, checks `runsc --version` (Version, ParseVersion) and
// that a sandbox starts: on the platform WithPlatform names (one that fails is an error,
// never replaced), else on the first of systrap, kvm and ptrace that does, each move to
// the next recorded as the lifecycle's Retry. IsAvailable and ProbePlatforms make the
// same checks without a Runtime to keep. The runtime keeps a private 0700 state directory; runsc's --root is inside
// it, never next to a bundle. Every runsc call gets the global flags before the
// subcommand, a sanitized environment, stdio on the runtime's own files and sockets
// (the sandbox inherits them, and runsc makes them the sandbox user's, so a workload's
// stdio is relayed from and to the caller's Reader and Writers: see CreateOpts; Output
// captures it in bounded memory) and a --log JSON file that classifies failures
// (RunscError).
//
// A runtime killed without Close (SIGKILL) does not leave its sandboxes running for
// long: every runsc command dies with the process (PR_SET_PDEATHSIG), and `runsc run`'s
// sandbox with it. A created container's sandbox and the state directory stay until the
// next New in the same parent directory, which collects the state directories whose
// owner process (recorded in each, with its start time) is gone, and only those.
//
// # Containers
//
// One method per runsc verb, each with a context:
//
//	Create  runsc create   Absent -> Created
//	Start   runsc start    Created -> Running, and arms `runsc wait`
//	Wait    (runsc wait)   Running -> Running; returns the exit status
//	Kill    runsc kill     Running -> Running (the stop arrives as Exit)
//	Pause   runsc pause    Running -> Paused (never from Created: runsc wedges it)
//	Resume  runsc resume   Paused -> Running
//	Delete  runsc delete   Stopped -> Deleted; with Force, any state (ForceDelete)
//	Run     runsc run      Absent -> Deleted, returns the workload's status
//	State   runsc state    query, checked to be about that exact ID
//	List    runsc list     query
//	Close                  force-deletes everything, Closing -> Closed
//
// A step the container's fsm.Machine does not permit is refused before runsc runs
// (StepError, matching ErrIllegal and fsm.ErrIllegalTransition); Wait on a Stopped
// container is such a step, recorded as refused, and still returns the status recorded
// when the container stopped. Calls on one container are serialized. Every step is
// recorded as a steptrace.Step (Trace, WithTrace as NDJSON, WithLogger), refusals
// included, in the order the steps take effect: the trace of concurrent calls is a
// sequential run of the lifecycle.
//
// The runsc pitfalls handled: a duplicate ID is refused before runsc (whose duplicate
// create destroys the first container's state); IDs are validated (ValidateID) and an ID
// that is a prefix of another live one is refused (NewID makes IDs that never are;
// refusals name the IDs, *ContainerError), because runsc resolves IDs by prefix
// (so is an ID whose sandbox name, an abstract socket, is taken anywhere on the host);
// every destructive step first checks `runsc state` answers for exactly that ID; Start
// arms `runsc wait`, and the runtime is the sandboxes' child subreaper (see below) so
// that a workload exiting before wait attaches still reports its status; Run tells a workload's
// exit 128 from runsc's own failure by the --log JSON; a sandbox ended from outside the
// workload (its process killed, its gofer ended) makes runsc report 137 as if the
// workload had died: Wait and Run return ErrExitUnknown (*SandboxKilledError) instead,
// told by how the sandbox's processes ended (the rule is in exit.go); a context that ends mid-step
// leaves no sandbox (the runtime force-deletes it and records a "cleanup" step); writes
// to the rootfs stay in the sandbox (--overlay), so a caller's bundle is never modified.
//
// # Bundles
//
// LoadBundle reads and validates a bundle's config.json (errors name the field at
// fault); Create and Run call it and never modify the bundle (one that names no hostname
// is given the container's ID as hostname through a private copy of its config.json). BuildBundle writes one from
// a BundleSpec: process args, env and cwd, a root filesystem inside the bundle or — read
// only — anywhere (such as the host's /), private tmpfs mounts (Tmpfs: "/tmp" for
// scratch space on a read-only root) and any further mounts (Mounts, BindMount).
//
// # Process-wide effect: child subreaper
//
// runsc reports a workload's exit status only to the sandbox's parent, and `runsc
// create` exits leaving the sandbox orphaned. New therefore makes the whole process a
// child subreaper (prctl PR_SET_CHILD_SUBREAPER), which an embedding program should know:
// from then on every orphaned descendant of the process — its own included — is
// reparented to it instead of to init, and stays a zombie until someone waits for it.
// Use WithoutSubreaper to opt out (the price: a workload that exits before `runsc wait`
// attaches has an unknown exit status).
//
// The property belongs to the process and outlives Close (it is never switched back
// off: another Runtime may rely on it). A runtime only ever reaps processes proven to
// be its own: processes seen alive with its --root on their command line, the sandbox
// and gofer pids runsc records in its state files under that root, the descendants of
// those and of its own runsc commands (the ptrace platform's stubs, which call setsid,
// and their sessions), each checked against its start time so that a reused pid is
// never taken. As root the descendants of every runsc command are learnt from the
// kernel's fork events, so that even a process that lives for a few milliseconds is
// known. Without root (no CAP_NET_ADMIN) /proc is polled instead during `runsc run`,
// every 20ms at the slowest, and not during other commands: there, a process runsc
// leaves that exits before the command returns may stay a zombie. It never reaps anything else: a child the program started with os/exec
// (whatever its name) keeps its exit status for cmd.Wait, the program's own orphans
// are left to it, and so are other runtimes' processes. Close returns only once every
// such process of its sandboxes has gone and, if it was reparented to the process,
// been reaped (within a bound; Close reports any left).
//
// That bookkeeping is per Runtime. What must be shared is kept in one small
// process-wide registry, because wait4 is process-wide: the runsc commands os/exec is
// waiting for (no reaper may take their status) and the pids some Runtime already
// reaps (none is reaped twice).
//
// # Handover
//
// Runtime.ExecWithOCIBundle replaces the calling process with `runsc run` (syscall.Exec
// of the validated descriptor, with the runtime's options), for callers that give up
// control; the package-level ExecWithOCIBundle does the same for a caller with no
// Runtime, configured by the same Options.
//
// # One process per step
//
// A runc-style front-end (cmd/gvisorfsm-oci) runs each step in a process of its own.
// WithRoot gives its runtimes one runsc root; Attach takes up a container another
// process created, in the state it recorded (Attachment), and Reconcile brings the
// lifecycle up to date with `runsc state` (Exit, SandboxDied observed); Release ends a
// runtime leaving its containers to the next. CreateOpts.Client creates a container as
// runc's clients expect (the sandbox gets their stdio, its pid goes to their pid file,
// and with WithoutSubreaper they become its parent and collect the workload's status),
// and StartOpts.NoWait arms no waiter.
package runtime
