package runtime

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/procfs"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runsc puts each sandbox in the cgroup its spec names (linux.cgroupsPath, by default
// "/<id>") in every hierarchy, and removes those directories when it deletes the
// container, but not when creating the sandbox fails half way (a platform that cannot
// start, a runsc killed mid-create) or the sandbox was killed from outside. The runtime
// removes them once the container is gone: only directories that are empty (rmdir
// refuses any other) and that did not exist when the container's create began, so that
// a cgroup of the host's that happens to share the ID's name is never touched.

// cgroupPath is the cgroup runsc gives a container: the spec's, else "/<id>".
func cgroupPath(id string, spec *specs.Spec) string {
	if spec != nil && spec.Linux != nil && spec.Linux.CgroupsPath != "" {
		return spec.Linux.CgroupsPath
	}
	return "/" + id
}

// cgroupSet is a container's cgroup path and, per hierarchy, whether its directory
// existed before the container's create began.
type cgroupSet struct {
	path    string
	mounts  []string        // the hierarchies' mount points
	existed map[string]bool // directory -> it was there before the create began
	record  string          // the file that lists the directories to remove, if any
}

// cgroupsBefore notes which of the hierarchies mounted at mounts already hold path,
// before runsc runs. With a record file, it also writes there the directories that
// remove would take, so that if the process dies before it removes them, the next
// runtime to collect this one's state can (collectCgroups).
func cgroupsBefore(mounts []string, path, record string) *cgroupSet {
	cs := &cgroupSet{path: path, mounts: mounts, existed: map[string]bool{}}
	for _, mnt := range mounts {
		for dir := filepath.Join(mnt, filepath.Clean("/"+path)); dir != mnt && strings.HasPrefix(dir, mnt+"/"); dir = filepath.Dir(dir) {
			if _, err := os.Lstat(dir); err == nil {
				cs.existed[dir] = true
			}
		}
	}
	if dirs := cs.ours(); record != "" && len(dirs) > 0 {
		if os.WriteFile(record, []byte(strings.Join(dirs, "\x00")), 0o600) == nil {
			cs.record = record
		}
	}
	return cs
}

// ours lists the directories of the set's path that did not exist before the create,
// deepest first in each hierarchy; none for a systemd-style "slice:prefix:name" path
// (systemd cleans those up).
func (cs *cgroupSet) ours() []string {
	if cs.path == "" || strings.Contains(cs.path, ":") {
		return nil
	}
	var out []string
	for _, mnt := range cs.mounts {
		for dir := filepath.Join(mnt, filepath.Clean("/"+cs.path)); dir != mnt && strings.HasPrefix(dir, mnt+"/") && !cs.existed[dir]; dir = filepath.Dir(dir) {
			out = append(out, dir)
		}
	}
	return out
}

// remove removes the empty directories of the set's path that runsc made, deepest first,
// and then its record.
func (cs *cgroupSet) remove() {
	if cs == nil {
		return
	}
	removeCgroupDirs(cs.mounts, cs.ours())
	if cs.record != "" {
		os.Remove(cs.record)
	}
}

// removeCgroupDirs removes the empty directories of dirs (deepest first in each
// hierarchy) that lie inside one of the hierarchies mounted at mounts; in a hierarchy,
// it stops at the first that will not go, as its parents hold it. A group that only a
// killed process still holds is waited for (see rmdirCgroup), up to cgroupExitWait in
// all.
func removeCgroupDirs(mounts, dirs []string) {
	deadline := time.Now().Add(cgroupExitWait)
	var stuck string
	for _, dir := range dirs {
		if dir == "" || stuck != "" && strings.HasPrefix(stuck, dir+"/") {
			continue
		}
		in := false
		for _, mnt := range mounts {
			in = in || strings.HasPrefix(dir, mnt+"/")
		}
		in = in && filepath.Clean(dir) == dir
		if !in || rmdirCgroup(dir, deadline) != nil {
			stuck = dir
		}
	}
}

// cgroupExitWait bounds how long removeCgroupDirs waits for killed processes to leave
// their groups: like waitDead's bound, it is far above the few milliseconds a sandbox's
// hundreds of threads take, and it is only spent on a group no live process holds.
const cgroupExitWait = 5 * time.Second

// rmdirCgroup removes the cgroup directory dir. A killed process leaves its groups
// thread by thread, after its leader is already a zombie (which is where waitDead
// stops): the group is busy for a moment although nothing in it will run again, so
// rmdir is retried until deadline while every process the group lists is dead and it
// has no child group. A group a running process holds is left at once.
func rmdirCgroup(dir string, deadline time.Time) error {
	for {
		err := os.Remove(dir)
		if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) || !onlyDeadIn(dir) {
			return err
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// onlyDeadIn reports whether the cgroup directory dir has no child group and lists
// no process that has not exited (a zombie leader stays listed until its last thread
// is gone).
func onlyDeadIn(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if e.IsDir() {
			return false
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return false
	}
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return false
		}
		if st, ok := procfs.ReadStat(pid); ok && st.State != 'Z' && st.State != 'X' {
			return false
		}
	}
	return true
}

// collectCgroups removes the cgroup directories listed in the record files in dir,
// which a runtime that died before removing them left (see cgroupsBefore). A record's
// directories are trusted no more than runsc's own: only empty directories inside a
// mounted hierarchy go.
func collectCgroups(mounts []string, dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil || len(b) > 1<<16 {
			continue
		}
		removeCgroupDirs(mounts, strings.Split(string(b), "\x00"))
	}
}

// cgroupMounts lists the mount points of cgroup hierarchies (v1 and v2). A Runtime
// reads them once (Runtime.cgroupMounts): hierarchies are mounted at boot by the init
// system and not moved while programs run on them, runsc itself mounts none on the
// host, and a hierarchy mounted later would hold no directory of a container created
// before; reading /proc/self/mountinfo twice for every Create and Run bought nothing.
func cgroupMounts() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		pf, qf := strings.Fields(pre), strings.Fields(post)
		if ok && len(pf) >= 5 && len(qf) >= 1 && (qf[0] == "cgroup" || qf[0] == "cgroup2") {
			out = append(out, unescapeMount(pf[4]))
		}
	}
	return out
}

// cgroupRecord is the file in the runtime's state directory that lists the cgroup
// directories a container's create may leave (see cgroupsBefore).
func (r *Runtime) cgroupRecord(id string) string {
	return filepath.Join(r.work, "cgroups", id)
}
