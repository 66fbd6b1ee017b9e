package runtime

import (
	"fmt"
	"strings"
)

// Behaviour is what one runsc binary does where runsc lines differ. The runtime derives
// it once, at New, from what the binary is (its version, and its flags where the version
// cannot tell), and decides by it rather than by facts about one release. It never
// changes the lifecycle: where a newer runsc removes a trap (kill of a created
// container, duplicate create) the runtime still refuses the step; where it adds one
// (the zombie window, the null-netns mount) the runtime covers it.
type Behaviour struct {
	// Line names the runsc line: "debian" (0.0~YYYYMMDD), "release" (release-YYYYMMDD.N)
	// or "unstamped" (VERSION_MISSING, judged by its flags).
	Line string
	// Date is the release date, YYYYMMDD ("" for an unstamped build).
	Date string
	// Overlay is the global flag that keeps root filesystem writes inside the sandbox:
	// "--overlay" before runsc learned --overlay2 (late 2022), which later refuses it.
	Overlay string
	// GoferNetNS: runsc knows --gofer-network-namespace (mid 2026 on). From about then
	// runsc's default puts every gofer in a shared "null" network namespace bind-mounted
	// at <root>/null-netns, which keeps the root from being removed; the runtime passes
	// =new, so that nothing is mounted, and Close unmounts any nsfs mount left anyway.
	GoferNetNS bool
	// SocketFile: each sandbox's control socket is a file, runsc-<id>.sock, in the first
	// of --root, /var/run, /run and /tmp where its path fits (2023 on). Before that it was
	// an abstract socket "runsc-sandbox.<id>", whose name is host-wide: the same ID cannot
	// run under two roots, so the runtime refuses an ID another sandbox on the host uses.
	SocketFile bool
	// MaxIDLen is the longest container ID this runsc can use: the socket's path (file)
	// or name (abstract) must fit in sockaddr_un's 108 bytes.
	MaxIDLen int
	// StaleRunning: `state` still says "running" after the workload exited, until the
	// sandbox process is reaped (runsc checks liveness with kill(pid, 0), which a zombie
	// passes). The runtime, subreaper of its sandboxes, reaps them itself and trusts its
	// own exit report over runsc's "running" until it has.
	StaleRunning bool
	// KillCreated: runsc signals a created container, which then stops. The lifecycle
	// refuses Kill of a created container on every line (OCI: kill needs a running one).
	KillCreated bool
	// Systrap: runsc has the systrap platform (its default since late 2023). Whether a
	// platform starts a sandbox on this host is for ProbePlatforms to say.
	Systrap bool
	// DuplicateCreateOrphans: a create of an existing ID fails but deletes the first
	// container's state, leaving its sandbox running untracked. The lifecycle refuses
	// a duplicate create before runsc sees it, on every line.
	DuplicateCreateOrphans bool
}

// Dates at which runsc changed, as YYYYMMDD; a release is judged by the first of its
// day. Where the exact day is not known the date errs to the side whose mistake
// is harmless: a flag is assumed only once releases certainly have it.
const (
	overlay2Since   = "20221101" // --overlay2 (Debian's 0.0~20221219 has it)
	socketFileSince = "20230101" // file control sockets (0.0~20221219: abstract)
	systrapSince    = "20231001" // the systrap platform, runsc's default from then on
	goferNetNSSince = "20260801" // --gofer-network-namespace and the null-netns default
)

// unixPathMax is sockaddr_un's sun_path size.
const unixPathMax = 108

var (
	// abstractMaxIDLen: "\x00runsc-sandbox.<id>" with a byte to spare (runsc refuses
	// an abstract name of exactly 108 bytes): 108 - 1 - 1 - len("runsc-sandbox.").
	abstractMaxIDLen = unixPathMax - 2 - len("runsc-sandbox.")
	// fileMaxIDLen: "/tmp/runsc-<id>.sock" and its NUL, /tmp being the shortest
	// directory runsc falls back to whatever the --root.
	fileMaxIDLen = unixPathMax - 1 - len("/tmp/runsc-.sock")
)

// BehaviourOf is the behaviour of a runsc by its version. flags lists the global
// flags the binary knows (from `runsc flags`); it is consulted only for an unstamped
// build, whose version says nothing, and may be nil otherwise.
func BehaviourOf(v Version, flags []string) (Behaviour, error) {
	switch {
	case v.Unstamped():
		has := func(name string) bool {
			for _, f := range flags {
				if f == name {
					return true
				}
			}
			return false
		}
		if len(flags) == 0 {
			return Behaviour{}, fmt.Errorf("%w: unstamped runsc (%s) and no flags to judge it by", ErrBadVersion, v)
		}
		b := Behaviour{Line: "unstamped", Overlay: "--overlay", GoferNetNS: has("gofer-network-namespace"),
			// Unknown age: assume the newer facts where they only make the runtime
			// stricter (the shorter ID limit) or more careful (waiting for the reaper).
			SocketFile: true, StaleRunning: true, KillCreated: true, Systrap: true}
		if has("overlay2") {
			b.Overlay = "--overlay2=root:memory"
		}
		b.MaxIDLen = fileMaxIDLen
		return b, nil
	case v.Date() != "":
		d := v.Date()
		b := Behaviour{Line: "release", Date: d, Overlay: "--overlay"}
		if strings.HasPrefix(v.Release, "0.0~") {
			b.Line = "debian"
		}
		if d >= overlay2Since {
			b.Overlay = "--overlay2=root:memory"
		}
		b.SocketFile = d >= socketFileSince
		b.GoferNetNS = d >= goferNetNSSince
		b.Systrap = d >= systrapSince
		// The zombie window, kill of a created container and a harmless duplicate
		// create come with the file sockets' sandbox code; the old abstract-socket
		// line has the opposite of each.
		b.StaleRunning, b.KillCreated = b.SocketFile, b.SocketFile
		b.DuplicateCreateOrphans = !b.SocketFile
		b.MaxIDLen = abstractMaxIDLen
		if b.SocketFile {
			b.MaxIDLen = fileMaxIDLen
		}
		return b, nil
	}
	return Behaviour{}, &VersionError{Output: v.Release}
}

// String lists the behaviour, one fact a line, for `gvisorfsm doctor`.
func (b Behaviour) String() string {
	var s strings.Builder
	line := b.Line
	if b.Date != "" {
		line += " " + b.Date
	}
	fmt.Fprintf(&s, "line: %s\n", line)
	fmt.Fprintf(&s, "overlay flag: %s\n", b.Overlay)
	if b.GoferNetNS {
		fmt.Fprintf(&s, "gofer network namespace: --gofer-network-namespace=new (no null-netns mount in the root)\n")
	} else {
		fmt.Fprintf(&s, "gofer network namespace: runsc's own (no flag)\n")
	}
	if b.SocketFile {
		fmt.Fprintf(&s, "control socket: file in the root (IDs are per root), IDs up to %d characters\n", b.MaxIDLen)
	} else {
		fmt.Fprintf(&s, "control socket: abstract (IDs are host-wide), IDs up to %d characters\n", b.MaxIDLen)
	}
	fmt.Fprintf(&s, "systrap platform: %s\n", map[bool]string{true: "known", false: "unknown to this runsc"}[b.Systrap])
	fmt.Fprintf(&s, "state after the workload exits: %s\n", map[bool]string{true: "running until the sandbox is reaped (the runtime reaps it)", false: "stopped at once"}[b.StaleRunning])
	fmt.Fprintf(&s, "kill of a created container: %s (the lifecycle refuses it)\n", map[bool]string{true: "accepted by runsc", false: "refused by runsc"}[b.KillCreated])
	fmt.Fprintf(&s, "duplicate create: %s (the lifecycle refuses it)\n", map[bool]string{true: "orphans the first sandbox", false: "refused by runsc"}[b.DuplicateCreateOrphans])
	return s.String()
}

// parseFlags picks the flag names out of `runsc flags` output, whose flag lines read
// "  -name value" (Go's flag package).
func parseFlags(out string) []string {
	var names []string
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, "  -")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, " ")
		name, _, _ = strings.Cut(name, "\t")
		if name != "" {
			names = append(names, name)
		}
	}
	return names
}
