// Command gvisorfsm runs a command inside a gVisor (runsc) sandbox through the
// lifecycle of package runtime, and checks whether a host can do so.
//
// Usage:
//
//	gvisorfsm run [flags] -- CMD [ARG...]
//	gvisorfsm doctor [flags]
//	gvisorfsm version
//
// run builds a throwaway OCI bundle in a private temporary directory, runs CMD in a
// sandbox (runtime.Runtime.Run) and exits with CMD's exit status. Without --rootfs the
// sandbox's root filesystem is the host's / mounted read-only (with a private tmpfs on
// /tmp), so `gvisorfsm run -- uname -a` works wherever runsc does. Its flags:
//
//	--platform P    gVisor platform (systrap, kvm, ptrace); one that cannot start a
//	                sandbox here is an error, never replaced by another. Default: runsc's
//	                own default when it works here, else the first of
//	                runtime.Platforms that does.
//	--network N     none (default), sandbox or host
//	--rootfs DIR    root filesystem (mounted read-only) instead of the host's /
//	--trace FILE    write the step trace, one JSON object per line
//	--id ID         container ID (default gvisorfsm-<pid>-<random>)
//	--verbose       log every step to stderr
//
// The workload's stdin, stdout and stderr are gvisorfsm's own. A terminal or a file is
// handed to the sandbox directly; a pipe or socket is not, since the sandbox would keep
// it open: the workload writes to an unlinked temporary file whose contents are copied
// to the pipe as they arrive.
//
// SIGINT, SIGTERM and SIGHUP stop the workload: the sandbox is force-deleted, the
// runtime's private state directory and the bundle are removed, and gvisorfsm exits
// 128+signal. Signals are not forwarded to the workload: runsc run, which the runtime's
// Run drives, does not forward them either, and dies of them.
//
// doctor prints a table: is runsc found and trusted, its version, which platforms start
// a sandbox (runtime.Runtime.ProbePlatforms), whether gvisorfsm runs as root, which
// cgroup hierarchy is mounted, and a verdict. It exits 1 when no platform works.
//
// version prints gvisorfsm's version (from its build information) and runsc's, if
// found.
//
// Exit status: the workload's for run; 2 for usage errors (-h prints usage and exits
// 0); 125 when gvisorfsm or runsc failed before the workload's status was known.
package main
