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
// /tmp), so `gvisorfsm run -- uname -a` works wherever runsc does. The workload runs as
// root in /, with PATH, HOME=/root and the caller's TERM, and the container ID as host
// name. Its flags:
//
//	--platform P    gVisor platform (systrap, kvm, ptrace); one that cannot start a
//	                sandbox here is an error, never replaced by another. Default: the
//	                first of runtime.Platforms that starts a sandbox here.
//	--network N     none (default), sandbox or host
//	--rootfs DIR    root filesystem (mounted read-only) instead of the host's /
//	--trace FILE    write the step trace, one JSON object per line
//	--id ID         container ID (default gvisorfsm-<pid>-<random>)
//	--verbose       log every step to stderr
//
// The workload's stdin, stdout and stderr are gvisorfsm's own, relayed by the library
// (runtime.RunOpts: runsc never gets the caller's files, terminal or devices, whose
// owner it would change). Output goes where gvisorfsm's own writes would: a regular file
// at its offset (after what the shell wrote before, and before what it writes after),
// stdout and stderr on one file (2>&1) as one stream in the order written. When the
// reader of stdout or stderr goes away (`gvisorfsm run -- yes | head`), the run ends as
// a process writing to that pipe would, with exit status 141 (128+SIGPIPE): gVisor
// itself only fails the workload's write (EPIPE).
//
// SIGINT, SIGTERM and SIGHUP stop the workload: the sandbox is force-deleted, the
// runtime's private state directory and the bundle are removed, and gvisorfsm exits
// 128+signal. Signals are not forwarded to the workload: runsc run, which the runtime's
// Run drives, does not forward them either, and dies of them. A runsc killed by a
// signal gvisorfsm did not get (one sent to runsc alone) ends the run the same way: the
// sandbox is removed, gvisorfsm says which signal it was and exits 128+signal, since the
// workload's status is unknown; this is not a runsc failure (125). So is a sandbox
// ended from outside the workload (its process killed by a signal, or its gofer ended,
// see runtime.SandboxKilledError): gvisorfsm says what ended and how, and exits
// 128+signal (125 if that process exited rather than being killed).
//
// doctor prints a table: is runsc found and trusted, its version, which platforms start
// a sandbox (runtime.Runtime.ProbePlatforms), whether gvisorfsm runs as root, which
// cgroup hierarchy is mounted, and a verdict. It exits 1 when no platform works.
//
// version prints gvisorfsm's version (from its build information) and runsc's, if
// found.
//
// Exit status: the workload's for run (127 when CMD does not exist in the sandbox, 126
// when it cannot be executed, as in a shell); 2 for usage errors (-h prints usage and
// exits 0); 125 when gvisorfsm or runsc failed before the workload's status was known.
//
// Inside the sandbox the host's / is seen through gVisor's gofer, read-only. The runsc
// packaged by Debian (0.0~20221219) answers statx(2) on a tmpfs with EINVAL, so GNU ls
// and stat fail on /tmp and /dev/shm there, while reading and writing files in them
// works (busybox's ls uses stat(2) and is fine).
package main
