package runtime

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The record a create writes lists exactly the directories runsc will make, and a
// collection removes only those that are empty and inside a mounted hierarchy.
func TestCgroupRecordCollected(t *testing.T) {
	base := t.TempDir()
	v1cpu, v1mem := filepath.Join(base, "cpu"), filepath.Join(base, "memory")
	for _, m := range []string{v1cpu, v1mem} {
		if err := os.Mkdir(m, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The host's: "shared" exists in cpu before the create, and stays.
	if err := os.Mkdir(filepath.Join(v1cpu, "shared"), 0o755); err != nil {
		t.Fatal(err)
	}
	records := t.TempDir()
	record := filepath.Join(records, "c1")
	cs := cgroupsBefore([]string{v1cpu, v1mem}, "/shared/c1", record)
	want := []string{
		filepath.Join(v1cpu, "shared", "c1"),
		filepath.Join(v1mem, "shared", "c1"), filepath.Join(v1mem, "shared"),
	}
	if got := cs.ours(); !slices.Equal(got, want) {
		t.Fatalf("ours() = %v, want %v", got, want)
	}
	// What runsc makes; memory's c1 still holds something (a busy cgroup).
	for _, d := range want {
		os.MkdirAll(d, 0o755)
	}
	busy := filepath.Join(v1mem, "shared", "c1", "sub")
	os.Mkdir(busy, 0o755)
	// A record planted with directories outside the hierarchies, or not clean.
	outside := filepath.Join(base, "not-a-cgroup")
	os.Mkdir(outside, 0o755)
	os.WriteFile(filepath.Join(records, "planted"), []byte(outside+"\x00"+v1cpu+"/shared/../x\x00"), 0o600)
	os.Mkdir(filepath.Join(base, "x"), 0o755)

	collectCgroups([]string{v1cpu, v1mem}, records)
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }
	if exists(filepath.Join(v1cpu, "shared", "c1")) {
		t.Error("cpu/shared/c1, made by the create and empty, was not removed")
	}
	if !exists(filepath.Join(v1cpu, "shared")) {
		t.Error("cpu/shared, the host's, was removed")
	}
	if !exists(busy) || !exists(filepath.Join(v1mem, "shared")) {
		t.Error("memory/shared/c1 holds a cgroup: it and its parent must stay")
	}
	if !exists(outside) || !exists(filepath.Join(base, "x")) {
		t.Error("a record's directory outside the hierarchies was removed")
	}

	// A plain remove takes what became empty, and the record with it.
	os.Remove(busy)
	cs.remove()
	if exists(filepath.Join(v1mem, "shared")) || exists(record) {
		t.Error("remove left memory/shared or the record")
	}
	// A systemd-style path is systemd's to clean: nothing recorded.
	if cs := cgroupsBefore([]string{v1cpu}, "system.slice:gvisor:c2", filepath.Join(records, "c2")); len(cs.ours()) != 0 || exists(filepath.Join(records, "c2")) {
		t.Error("a systemd-style cgroup path was recorded")
	}
}

// A killed many-threaded process (a sandbox has hundreds of threads) leaves its cgroups
// thread by thread after its leader is already a zombie, where waitDead stops: the
// directories it was in must still all go, and a group a live process holds must be
// left without waiting out the bound.
func TestCgroupsOfKilledThreadsRemoved(t *testing.T) {
	if os.Getenv("GVISORFSM_THREADS_HELPER") != "" {
		holdThreads(64)
	}
	if os.Geteuid() != 0 {
		t.Skip("SKIPPING: moving a process between cgroups needs root")
	}
	var mounts []string
	for _, m := range cgroupMounts() {
		// A new cpuset group has no CPUs until it is given some: nothing can join it.
		if syscall.Access(m, 2) == nil && !strings.Contains(filepath.Base(m), "cpuset") { // W_OK
			mounts = append(mounts, m)
		}
	}
	if len(mounts) == 0 {
		t.Skip("SKIPPING: no writable cgroup hierarchy is mounted")
	}
	start := func(path string) *exec.Cmd {
		var dirs []string
		for _, m := range mounts {
			d := filepath.Join(m, path)
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
			dirs = append(dirs, d)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestCgroupsOfKilledThreadsRemoved$")
		cmd.Env = append(os.Environ(), "GVISORFSM_THREADS_HELPER=1")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			slices.Reverse(dirs)
			for _, d := range dirs {
				os.Remove(d)
			}
		})
		if _, err := out.Read(make([]byte, 1)); err != nil { // every thread is up
			t.Fatal("the helper did not start its threads:", err)
		}
		for _, d := range dirs {
			if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte(strconv.Itoa(cmd.Process.Pid)), 0); err != nil {
				t.Fatal(err)
			}
		}
		return cmd
	}
	dirsOf := func(path string) (out []string) {
		for _, m := range mounts {
			out = append(out, filepath.Join(m, path))
		}
		return out
	}
	// Without the wait, the first rmdir fails in most rounds (64 threads, 7 hierarchies):
	// the test fails unless every round's directories go.
	for round := 0; round < 10; round++ {
		path := fmt.Sprintf("gvisorfsm-test-%d-%d", os.Getpid(), round)
		cmd := start(path)
		cmd.Process.Signal(syscall.SIGKILL)
		waitDead(cmd.Process.Pid)
		removeCgroupDirs(mounts, dirsOf(path))
		for _, d := range dirsOf(path) {
			if _, err := os.Lstat(d); err == nil {
				t.Fatalf("round %d: %s was left after its only process was killed", round, d)
			}
		}
	}
	// A live process: its groups stay, and removal gives up at once.
	path := fmt.Sprintf("gvisorfsm-test-%d-live", os.Getpid())
	start(path)
	began := time.Now()
	removeCgroupDirs(mounts, dirsOf(path))
	if took := time.Since(began); took > cgroupExitWait/2 {
		t.Errorf("removing a live process's groups waited %v: a running process will not leave", took)
	}
	for _, d := range dirsOf(path) {
		if _, err := os.Lstat(d); err != nil {
			t.Errorf("%s, which a live process is in, went: %v", d, err)
		}
	}
}

// holdThreads is the helper process of TestCgroupsOfKilledThreadsRemoved: n threads
// blocked in the kernel, one byte on stdout once they are all up, then it waits to be
// killed.
func holdThreads(n int) {
	var up sync.WaitGroup
	for i := 0; i < n; i++ {
		up.Add(1)
		go func() {
			goruntime.LockOSThread()
			var p [2]int
			syscall.Pipe(p[:])
			up.Done()
			syscall.Read(p[0], make([]byte, 1))
		}()
	}
	up.Wait()
	os.Stdout.Write([]byte{1})
	time.Sleep(time.Hour)
	os.Exit(0)
}
