package ociclient

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
)

// Process is a process found by Leftovers.
type Process struct {
	// Pid is its process ID.
	Pid int
	// Cmdline is its command line.
	Cmdline []string
}

// String is the pid and command line.
func (p Process) String() string { return fmt.Sprintf("%d %s", p.Pid, strings.Join(p.Cmdline, " ")) }

// Leftovers are what a client run left on the host that names dir, the directory that
// run owned: processes whose command line mentions it (runsc's sandbox and gofer carry
// their bundle and root there, conmon and the shim their state), and nsfs mounts under it
// (a runsc root's null-netns). Other users' containers never name dir, so whatever is
// found is the run's own. Cgroup directories name no directory; a caller that knows no
// one else made any while its run ran fills Cgroups from NewCgroups.
type Leftovers struct {
	// Processes are the live processes naming dir, the caller excepted.
	Processes []Process
	// Mounts are the mount points under dir whose file system is nsfs.
	Mounts []string
	// Cgroups are cgroup directories the run made and left.
	Cgroups []string
}

// Empty is whether nothing was left.
func (l *Leftovers) Empty() bool {
	return len(l.Processes) == 0 && len(l.Mounts) == 0 && len(l.Cgroups) == 0
}

// String lists what was left, for messages.
func (l *Leftovers) String() string {
	var b strings.Builder
	for _, p := range l.Processes {
		fmt.Fprintf(&b, "process %s\n", p)
	}
	for _, m := range l.Mounts {
		fmt.Fprintf(&b, "nsfs mount %s\n", m)
	}
	for _, c := range l.Cgroups {
		fmt.Fprintf(&b, "cgroup %s\n", c)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// FindLeftovers looks for what names dir (see Leftovers).
func FindLeftovers(dir string) *Leftovers {
	l := &Leftovers{}
	self := os.Getpid()
	for _, pid := range procfs.Pids() {
		if pid == self {
			continue
		}
		argv := procfs.Cmdline(pid)
		for _, a := range argv {
			if strings.Contains(a, dir) {
				l.Processes = append(l.Processes, Process{Pid: pid, Cmdline: argv})
				break
			}
		}
	}
	for _, m := range NsfsMounts() {
		if m == dir || strings.HasPrefix(m, dir+"/") {
			l.Mounts = append(l.Mounts, m)
		}
	}
	return l
}

// Reap kills the leftover processes (SIGKILL), removes the cgroups of the sandboxes
// among them once they are gone (a killed sandbox cannot remove its own) and the leftover
// cgroups, and detaches the leftover mounts, so that a run that leaked does not leave the
// machine worse for the next one.
func (l *Leftovers) Reap() {
	var ids []string
	for _, p := range l.Processes {
		_ = syscall.Kill(p.Pid, syscall.SIGKILL)
		if id := sandboxID(p.Cmdline); id != "" {
			ids = append(ids, id)
		}
	}
	for _, p := range l.Processes {
		for i := 0; i < 50 && syscall.Kill(p.Pid, 0) == nil && len(procfs.Cmdline(p.Pid)) > 0; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, id := range ids {
		_ = RemoveCgroups(id)
	}
	for _, d := range l.Cgroups { // deepest first (NewCgroups's order)
		_ = rmdirCgroup(d)
	}
	for _, m := range l.Mounts {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
}

// NsfsMounts are the mount points of the nsfs mounts in this process's mount namespace,
// the host's here (what `grep nsfs /proc/self/mountinfo` shows).
func NsfsMounts() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var ms []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options [optional...] - fstype source super
		fields := strings.Fields(sc.Text())
		for i, x := range fields {
			if x == "-" && i+1 < len(fields) && fields[i+1] == "nsfs" && len(fields) > 4 {
				ms = append(ms, fields[4])
			}
		}
	}
	return ms
}

// CgroupDirs are the cgroup directories named name directly under a hierarchy's root:
// /sys/fs/cgroup/NAME (cgroup v2) and /sys/fs/cgroup/*/NAME (each v1 controller). runsc
// makes one per sandbox from its cgroupsPath or ID, and containerd's path has the
// namespace as its first element.
func CgroupDirs(name string) []string {
	var dirs []string
	for _, pat := range []string{"/sys/fs/cgroup/" + name, "/sys/fs/cgroup/*/" + name} {
		m, _ := filepath.Glob(pat)
		for _, d := range m {
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				dirs = append(dirs, d)
			}
		}
	}
	return dirs
}

// RemoveCgroups removes the CgroupDirs of name, which must be empty of processes and
// of child groups (rmdir, as cgroup directories are removed).
func RemoveCgroups(name string) error {
	var errs []error
	for _, d := range CgroupDirs(name) {
		if err := rmdirCgroup(d); err != nil {
			errs = append(errs, fmt.Errorf("ociclient: removing cgroup %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

// rmdirCgroup removes the cgroup directory d, retrying for up to ten seconds while it is
// busy: a killed process's command line empties (its memory is gone) before each of its
// threads has left its cgroups, so the group of a sandbox just seen gone may still be in
// use for a moment. A directory already gone is no error.
func rmdirCgroup(d string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := syscall.Rmdir(d)
		if err == nil || err == syscall.ENOENT {
			return nil
		}
		if err != syscall.EBUSY || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cgroupRoot is where the cgroup hierarchies are mounted: the v2 hierarchy itself, or one
// directory per v1 controller.
const cgroupRoot = "/sys/fs/cgroup"

// cgroupDepth bounds how deep CgroupTree looks: a v1 controller's directory, a group in
// it and one group below (a sandbox's cgroupsPath of two elements).
const cgroupDepth = 3

// CgroupTree is the set of cgroup directories down to three levels under /sys/fs/cgroup,
// to be given to NewCgroups after a run.
func CgroupTree() map[string]bool {
	tree := map[string]bool{}
	var walk func(dir string, depth int)
	walk = func(dir string, depth int) {
		if depth > cgroupDepth {
			return
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range ents {
			if e.IsDir() {
				p := filepath.Join(dir, e.Name())
				tree[p] = true
				walk(p, depth+1)
			}
		}
	}
	walk(cgroupRoot, 1)
	return tree
}

// NewCgroups are the cgroup directories that exist now and were not in before (a
// CgroupTree), deepest first, the order in which they can be removed.
func NewCgroups(before map[string]bool) []string {
	var dirs []string
	for d := range CgroupTree() {
		if !before[d] {
			dirs = append(dirs, d)
		}
	}
	sort.Slice(dirs, func(i, j int) bool {
		if ni, nj := strings.Count(dirs[i], "/"), strings.Count(dirs[j], "/"); ni != nj {
			return ni > nj
		}
		return dirs[i] < dirs[j]
	})
	return dirs
}

// sandboxID is the container ID a runsc sandbox process serves (the last argument of
// `runsc-sandbox ... boot ... ID`), or "".
func sandboxID(argv []string) string {
	if len(argv) < 2 || !strings.Contains(filepath.Base(argv[0]), "runsc-sandbox") {
		return ""
	}
	return argv[len(argv)-1]
}
