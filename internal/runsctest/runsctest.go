// Package runsctest chooses the real runsc binary that tests drive and decides whether
// they can run at all.
//
// The project is tested against two runsc lines (Debian's 2022 package and a current
// gVisor build); RUNSC selects the binary, and the Makefile runs the real-runsc tests once
// per line. Tests that cannot run skip with a loud reason, except under CI=true, where a
// missing prerequisite is a failure.
package runsctest

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// Debian is where Debian's runsc package installs the binary; it is the default.
const Debian = "/usr/bin/runsc"

// Busybox is busybox-static, the rootfs of the tests' bundles.
const Busybox = "/usr/bin/busybox"

// Path is the runsc binary under test: $RUNSC if set, else Debian's.
func Path() string {
	if p := os.Getenv("RUNSC"); p != "" {
		return p
	}
	return Debian
}

// Need skips t unless it can drive the real runsc: root, the binary of Path and busybox.
// Under CI=true it fails instead. It returns Path.
func Need(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("SKIPPING: -short runs unit tests only; this one drives the real runsc")
	}
	p := Path()
	why := ""
	if os.Geteuid() != 0 {
		why = "not root"
	} else if _, err := os.Stat(p); err != nil {
		why = p + " missing (set RUNSC, or run make deps)"
	} else if _, err := os.Stat(Busybox); err != nil {
		why = Busybox + " missing (apt-get install busybox-static)"
	}
	if why == "" {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but the real runsc cannot be driven: %s", why)
	}
	t.Skipf("SKIPPING: needs root, %s and %s: %s", p, Busybox, why)
	return p
}

var (
	versionOnce sync.Once
	versionOut  string
)

// Version is the first line of `runsc --version` of Path ("" if it cannot run), for
// test names and messages.
func Version() string {
	versionOnce.Do(func() {
		out, _ := exec.Command(Path(), "--version").Output()
		versionOut, _, _ = strings.Cut(string(out), "\n")
	})
	return versionOut
}

// LocalBin is the first place runtime.ResolvePath looks.
const LocalBin = "/usr/local/bin/runsc"

// AsInstalled returns a command line that runs argv with the runsc under test installed
// as LocalBin, so that a program which resolves runsc itself (the gvisorfsm command)
// finds it there first, as it would on a host where it was installed by hand. Where
// Path is Debian's, argv is returned as it is. Otherwise argv runs in a mount namespace
// of its own, in which a root-owned 0755 tmpfs covers /usr/local/bin and holds Path
// bind-mounted as runsc; the host's /usr/local/bin is not touched. argv's program keeps
// the process's pid (unshare and sh exec it), so signals sent to it reach it.
func AsInstalled(argv ...string) []string {
	p := Path()
	if p == Debian || p == LocalBin {
		return argv
	}
	script := `set -e; mount --make-rprivate /; mount -t tmpfs -o mode=0755 gvisorfsm-test /usr/local/bin; ` +
		`: > /usr/local/bin/runsc; mount --bind "$0" /usr/local/bin/runsc; exec "$@"`
	return append([]string{"unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, p}, argv...)
}

var (
	flagsOnce sync.Once
	flagsOut  string
)

// GlobalFlags are the global flags tests pass when they drive Path directly: ptrace
// (which starts on every line here), no network, and where runsc knows it, a gofer
// network namespace of its own, so that no null-netns mount is left in the test's root.
func GlobalFlags() []string {
	flagsOnce.Do(func() {
		out, _ := exec.Command(Path(), "flags").CombinedOutput()
		flagsOut = string(out)
	})
	f := []string{"--platform=ptrace", "--network=none"}
	if strings.Contains(flagsOut, "  -gofer-network-namespace ") {
		f = append(f, "--gofer-network-namespace=new")
	}
	return f
}
