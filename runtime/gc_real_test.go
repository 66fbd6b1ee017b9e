package runtime

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/forkevents"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
)

// helperEnv makes the test binary a supervisor that TestRealSupervisorKilled kills.
const helperEnv = "GVISORFSM_TEST_SUPERVISOR"

// TestHelperSupervisor is not a test: run by TestRealSupervisorKilled, it starts one
// container with Create/Start and one with Run in the state directory it is given,
// says so, and waits to be killed.
func TestHelperSupervisor(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("helper process for TestRealSupervisorKilled")
	}
	f := strings.Split(spec, ":") // state directory, bundle to create, bundle to run, their IDs
	ctx := context.Background()
	r, err := New(ctx, WithPlatform("ptrace"), WithNetwork(NetworkNone), WithoutSandboxProbe(), WithStateDir(f[0]))
	if err != nil {
		t.Fatal(err)
	}
	mustStart(t, ctx, r, f[3], f[1], nil)
	go r.Run(ctx, f[4], f[2], nil)
	os.Stdout.WriteString(r.StateDir() + "\n")
	time.Sleep(time.Hour)
}

// namedBundle gives a bundle a hostname and returns it.
func namedBundle(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	spec["hostname"] = "named"
	if data, err = json.Marshal(spec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func processesNaming(s string) []int {
	var out []int
	for _, pid := range procfs.Pids() {
		if strings.Contains(strings.Join(procfs.Cmdline(pid), " "), s) {
			out = append(out, pid)
		}
	}
	return out
}

// TestRealSupervisorKilled: a supervisor killed with SIGKILL takes its Run's sandbox
// along within seconds, and the next New in the same parent collects the rest (the
// created container's sandbox, the state directory) but never a live runtime's.
func TestRealSupervisorKilled(t *testing.T) {
	needRunsc(t)
	parent := t.TempDir()
	// With a hostname of their own, runsc gets these bundles themselves (not the
	// runtime's copy), so their processes can be found by the bundles' paths.
	created := namedBundle(t, busyboxBundle(t, "sleep", "600"))
	attached := namedBundle(t, busyboxBundle(t, "sleep", "700"))
	live, _ := newReal(t, WithStateDir(filepath.Join(parent, "gvisorfsm-live")))

	helperDir := filepath.Join(parent, "gvisorfsm-helper")
	createdID, attachedID := NewID(), NewID()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSupervisor$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+strings.Join([]string{helperDir, created, attached, createdID, attachedID}, ":"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	// The test process is a child subreaper (New made it one), so the helper's
	// descendants come to it when the helper dies: as their ancestor, it reaps them.
	// Fork events name every one, even one forked as the helper died and gone
	// before /proc could be read.
	var (
		treeMu     sync.Mutex
		helperTree []int
	)
	forks, ferr := forkevents.Listen()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if ferr == nil {
		forks.Follow(cmd.Process.Pid, func(pid int) {
			treeMu.Lock()
			helperTree = append(helperTree, pid)
			treeMu.Unlock()
		}, func() {})
	}
	tree := func() []int {
		if ferr == nil {
			forks.Stop()
		}
		treeMu.Lock()
		defer treeMu.Unlock()
		return slices.Clone(helperTree)
	}
	killHelper := sync.OnceFunc(func() {
		if ferr != nil {
			helperTree = procfs.Descendants(procfs.All(), cmd.Process.Pid)
		}
		cmd.Process.Kill()
		cmd.Wait()
	})
	// Before the live runtime's check that nothing is left (cleanups run last
	// first): whatever step failed, nothing of the helper's stays.
	t.Cleanup(func() {
		killHelper()
		cleanupHelper(t, tree(), helperDir, created, attached)
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	dead := strings.TrimSpace(line)
	if dead != helperDir {
		t.Fatalf("helper's state directory %q, want %q", dead, helperDir)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(processesNaming(attached)) == 0 || len(processesNaming(created)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the helper's sandboxes never ran")
		}
		time.Sleep(50 * time.Millisecond)
	}
	killHelper()

	deadline = time.Now().Add(5 * time.Second)
	for len(processesNaming(attached)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if ps := processesNaming(attached); len(ps) > 0 {
		t.Errorf("the killed supervisor's Run sandbox still runs 5s later: %v", ps)
	}
	if _, err := os.Stat(dead); err != nil {
		t.Fatalf("the dead runtime's state directory: %v", err)
	}

	r, _ := newReal(t, WithStateDir(filepath.Join(parent, "gvisorfsm-next")))
	t.Cleanup(func() { reapOurs(tree()) })
	if ps := processesNaming(dead); len(ps) > 0 {
		t.Errorf("after New, processes of the dead runtime remain: %v", ps)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("after New, the dead runtime's state directory: %v", err)
	}
	// runsc's delete leaves the cgroups of a sandbox that died with its owner.
	for _, id := range []string{createdID, attachedID} {
		if dirs := cgroupDirs(id); len(dirs) > 0 {
			t.Errorf("after New, the dead runtime's cgroups of %s: %v", id, dirs)
		}
	}
	for _, w := range []string{live.StateDir(), r.StateDir()} {
		if _, err := os.Stat(filepath.Join(w, "root")); err != nil {
			t.Errorf("a live runtime's state was touched: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if code, err := live.Run(ctx, "still-works", busyboxBundle(t, "true"), nil); err != nil || code != 0 {
		t.Errorf("the live runtime after the collection: %d, %v", code, err)
	}
}

// cleanupHelper takes down whatever the killed TestHelperSupervisor left, by its own
// state directory and bundles: its sandboxes (force-deleted under its root, then
// killed) and the zombies of its process tree (tree, and those killed here).
func cleanupHelper(t *testing.T, tree []int, dir string, bundles ...string) {
	root := filepath.Join(dir, "root")
	if _, err := os.Stat(root); err == nil {
		out, _ := exec.Command(realRunsc, "--root", root, "list", "--format", "json").Output()
		var l []ContainerState
		json.Unmarshal(out, &l)
		for _, c := range l {
			exec.Command(realRunsc, "--root", root, "delete", "--force", c.ID).Run()
		}
	}
	var left []int
	for _, s := range append([]string{root}, bundles...) {
		left = append(left, processesNaming(s)...)
	}
	for _, pid := range left {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	reapOurs(append(tree, left...))
	if err := removeTree(dir); err != nil {
		t.Logf("helper's state directory: %v", err)
	}
}

// reapOurs waits for those of pids that are (or become) children of ours and reaps them.
// A process whose parent is itself among pids and still alive may yet come to us
// (we are a child subreaper) when that parent dies, so it is waited for too.
func reapOurs(pids []int) {
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for time.Now().Before(deadline) {
			st, ok := procfs.ReadStat(pid)
			if !ok {
				break // gone
			}
			if st.PPid == os.Getpid() && st.State == 'Z' {
				var ws syscall.WaitStatus
				syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
				break
			}
			if st.PPid != os.Getpid() && !slices.Contains(pids, st.PPid) {
				break // not ours to reap, and its parent is not one of those dying
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestRealStateDirParentChecked: the state directory's parent and every directory above
// it must be safe as runsc's are: no one else may rename entries in them.
func TestRealStateDirParentChecked(t *testing.T) {
	needRunsc(t)
	base := t.TempDir()
	mk := func(name string, mode uint32, uid int) string {
		p := filepath.Join(base, name)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Chmod(p, mode); err != nil { // raw bits: 01777 is sticky
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, uid); err != nil {
			t.Fatal(err)
		}
		return p
	}
	open := mk("world-writable", 0o777, 0)
	foreign := mk("theirs", 0o755, 2024)
	inForeign := mk("theirs/mine", 0o700, 0)
	groupW := mk("group-writable", 0o770, 0)
	link := filepath.Join(base, "link")
	if err := os.Symlink(open, link); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, bad := range []string{open, groupW, foreign, inForeign, link, filepath.Join(open, "sub-made-later")} {
		os.Mkdir(filepath.Join(open, "sub-made-later"), 0o700)
		r, err := New(ctx, WithPlatform("ptrace"), WithNetwork(NetworkNone), WithoutSandboxProbe(), WithStateDir(filepath.Join(bad, "state")))
		if err == nil {
			t.Errorf("New with the state directory in %s: accepted (%s)", bad, r.StateDir())
			r.Close(ctx)
			continue
		}
		var te *TrustError
		if !errors.As(err, &te) {
			t.Errorf("New with the state directory in %s: %v, want a *TrustError", bad, err)
		}
		if ents, _ := os.ReadDir(bad); len(ents) > 0 && bad != open && bad != link && bad != foreign {
			t.Errorf("%s: New left %v", bad, ents)
		}
	}
	sticky := mk("sticky", 0o1777, 0)
	r, err := New(ctx, WithPlatform("ptrace"), WithNetwork(NetworkNone), WithoutSandboxProbe(), WithStateDir(filepath.Join(sticky, "state")))
	if err != nil {
		t.Fatalf("New in a sticky directory: %v", err)
	}
	r.Close(ctx)
}

// TestRealAfterClose: once closed, every query answers ErrClosed without trying to run
// the released binary, and closing again is harmless.
func TestRealAfterClose(t *testing.T) {
	r, _ := newReal(t)
	ctx := context.Background()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := r.Close(ctx); err != nil {
			t.Errorf("Close again: %v, want nil", err)
		}
	}
	calls := r.RunscCalls()
	if _, err := r.Version(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Version after Close: %v, want ErrClosed", err)
	}
	if _, err := r.List(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("List after Close: %v, want ErrClosed", err)
	}
	if _, err := r.State(ctx, "any"); err == nil {
		t.Errorf("State after Close: nil error")
	}
	if n := r.RunscCalls() - calls; n != 0 {
		t.Errorf("runsc ran %d times after Close", n)
	}
}
