package ociclient_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/internal/ociclient"
	gvrt "github.com/gvisorfsm/gvisorfsm/runtime"
)

// cgroupHierarchy is a cgroup hierarchy this test may make groups in: the v2 hierarchy,
// or the first v1 controller's. It skips loudly (fails under CI=true) where there is none
// or the test is not root.
func cgroupHierarchy(t *testing.T) string {
	t.Helper()
	skip := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s", why)
		}
		t.Skipf("SKIPPING: %s", why)
	}
	if os.Geteuid() != 0 {
		skip("making cgroups needs root")
	}
	cands, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, d := range append([]string{"/sys/fs/cgroup"}, cands...) {
		if _, err := os.Stat(filepath.Join(d, "cgroup.procs")); err == nil {
			return d
		}
	}
	skip("no cgroup hierarchy mounted under /sys/fs/cgroup")
	return ""
}

// TestNewCgroupsReaped: the groups made after a CgroupTree are found, deepest first, and
// Reap removes them even when a leftover process was still in one of them.
func TestNewCgroupsReaped(t *testing.T) {
	h := cgroupHierarchy(t)
	before := ociclient.CgroupTree()
	parent := filepath.Join(h, "gvfsm-leftovers-"+gvrt.NewID()[:12])
	child := filepath.Join(parent, "sandbox")
	if err := os.MkdirAll(child, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(child); os.Remove(parent) })
	sleep := exec.Command("sleep", "600")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleep.Process.Kill(); sleep.Wait() })
	if err := os.WriteFile(filepath.Join(child, "cgroup.procs"), []byte(strconv.Itoa(sleep.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}

	got := ociclient.NewCgroups(before)
	at := map[string]int{}
	for i, d := range got {
		at[d] = i
	}
	ic, okc := at[child]
	ip, okp := at[parent]
	if !okc || !okp {
		t.Fatalf("NewCgroups = %v, want %s and %s among them", got, child, parent)
	}
	if ic > ip {
		t.Errorf("NewCgroups = %v: %s comes after its parent", got, child)
	}
	if _, ok := at[h]; ok {
		t.Errorf("NewCgroups = %v lists the hierarchy's root", got)
	}

	l := &ociclient.Leftovers{
		Processes: []ociclient.Process{{Pid: sleep.Process.Pid, Cmdline: []string{"sleep", "600"}}},
		Cgroups:   []string{child, parent},
	}
	if l.Empty() {
		t.Fatal("leftovers with a process and two cgroups are Empty")
	}
	l.Reap()
	for _, d := range []string{child, parent} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s after Reap: %v, want it gone", d, err)
		}
	}
}
