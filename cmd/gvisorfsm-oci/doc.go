// Command gvisorfsm-oci is a runc-compatible OCI runtime: podman, containerd (its runc v2
// shim) and the OCI validation suite drive it as they drive runc, and every step they
// take goes through the lifecycle of package runtime to runsc, refused before runsc runs
// where the lifecycle does not permit it.
//
// It is a command of its own rather than a mode of gvisorfsm because runc's grammar is
// not gvisorfsm's: global flags come before the verb, failures exit 1 with logrus-style
// lines in --log, and `state`, `list` and `features` answer in runc's JSON. A client is
// pointed at one path, which must speak that grammar from its first argument.
//
// Usage:
//
//	gvisorfsm-oci [global flags] VERB [flags] [ID] [ARG...]
//
// Global flags, as clients pass them: --root DIR (default /run/gvisorfsm-oci), --log
// FILE, --log-format text|json, --debug (accepted), --systemd-cgroup (ignored: runsc
// puts the sandbox in a cgroup of its own and has no systemd driver here), --rootless
// (refused when true), and the front-end's own: --runsc PATH, --platform P, --network
// none|sandbox|host, --config FILE. Those default to the configuration file
// ($GVISORFSM_OCI_CONFIG, else /etc/gvisorfsm/oci.json: {"runsc", "platform",
// "network", "trace_dir"}), then to the library's defaults. Without a configured
// platform the first create under a root probes once (runtime.New's choice) and caches
// it in ROOT/platform: every invocation is a new process, and podman calls `state`
// often.
//
// Verbs: create --bundle DIR [--pid-file F] [--console-socket S] ID; start ID; state ID;
// kill [--all] ID [SIGNAL] (a name, with or without SIG, or a number; default TERM; a
// created container, whose workload has not started, is stopped by killing its sandbox,
// whatever the signal, and the lifecycle observes it as SandboxDied);
// delete [--force] ID; run [--detach] (create and start; in the foreground it waits and
// exits with the workload's status); pause ID; resume ID; list [--format table|json]
// [-q]; ps [--format json] ID; features; --version. exec is refused: a process exec'd
// into a sandbox has no place in the lifecycle. Exit status: 0, or 1 with the reason
// on stderr and in --log.
//
// # State
//
// Each container has a directory ROOT/containers/ID holding its record (state.json:
// bundle, rootfs, created, annotations, platform, and the lifecycle state, sandbox pid
// and kill flag that runtime.Attach takes) and its step trace (trace.ndjson, package
// steptrace's format: the opening runtime's Resolve and Probe, then every step of the
// container, refusals included). Each invocation locks the directory (flock), opens a
// runtime on the shared runsc root ROOT/runsc (runtime.WithRoot) without a sandbox
// probe, attaches the container, reconciles it with `runsc state` (a workload that
// exited is the Exit step, a sandbox gone is SandboxDied), takes its step, appends the
// steps to the trace, rewrites the record and releases the runtime (runtime.Release),
// leaving the container to the next invocation. Creates also hold ROOT/create.lock and
// attach every live container, so that a duplicate ID or an ID that is a prefix of
// another (runsc resolves IDs by prefix) is refused as the library refuses it. A
// deleted container's directory goes; its trace is kept in trace_dir if one is set.
//
// # Processes
//
// `runsc create --pid-file` writes the sandbox's pid, and the sandbox exits with the
// workload's status, reported only to its parent. The front-end is therefore not a
// child subreaper: when runsc create exits the sandbox is reparented to the client's
// subreaper (conmon, containerd-shim), which waits for the pid it was given.
package main
