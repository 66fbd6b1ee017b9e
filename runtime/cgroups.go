package runtime

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

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
}

// cgroupsBefore notes which of the hierarchies mounted at mounts already hold path,
// before runsc runs.
func cgroupsBefore(mounts []string, path string) *cgroupSet {
	cs := &cgroupSet{path: path, mounts: mounts, existed: map[string]bool{}}
	for _, mnt := range mounts {
		for dir := filepath.Join(mnt, filepath.Clean("/"+path)); dir != mnt && strings.HasPrefix(dir, mnt+"/"); dir = filepath.Dir(dir) {
			if _, err := os.Lstat(dir); err == nil {
				cs.existed[dir] = true
			}
		}
	}
	return cs
}

// remove removes the empty directories of the set's path that runsc made, deepest first;
// a systemd-style "slice:prefix:name" path is left alone (systemd cleans those up).
func (cs *cgroupSet) remove() {
	if cs == nil || cs.path == "" || strings.Contains(cs.path, ":") {
		return
	}
	for _, mnt := range cs.mounts {
		for dir := filepath.Join(mnt, filepath.Clean("/"+cs.path)); dir != mnt && strings.HasPrefix(dir, mnt+"/"); dir = filepath.Dir(dir) {
			if cs.existed[dir] || os.Remove(dir) != nil {
				break
			}
		}
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
