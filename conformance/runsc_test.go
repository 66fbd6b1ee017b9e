package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/internal/runsctest"
)

// needRealRunsc skips loudly without root and the runsc under test
// (internal/runsctest), and fails when CI=true: CI machines must run the real tiers.
func needRealRunsc(t *testing.T) {
	t.Helper()
	runsctest.Need(t)
}

// realRunsc is a Runsc on the real binary with a fresh root and a busybox
// bundle; the root is swept (and leaks reported) at cleanup.
func realRunsc(t testing.TB, dir string) (*Runsc, string) {
	r := &Runsc{
		Binary:   runsctest.Path(),
		Root:     filepath.Join(dir, "root"),
		Flags:    runsctest.GlobalFlags(),
		ExitFile: "/tmp/exit",
	}
	bundle, err := BusyboxBundle(dir, "/usr/bin/busybox", r.ExitFile)
	if err != nil {
		t.Fatal(err)
	}
	return r, bundle
}

// The Runsc observer itself, against the real binary: the harness's ground
// truth must be right before it can judge the wrapper.
func TestRunscObserverOnRealRunsc(t *testing.T) {
	needRealRunsc(t)
	dir := t.TempDir()
	r, bundle := realRunsc(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.Cleanup(func() {
		if leaked, err := r.Sweep(context.Background()); err != nil || len(leaked) > 0 {
			t.Errorf("sweep: leaked %v, %v", leaked, err)
		}
	})
	// IDs of this process: runsc names sandboxes host-wide.
	p := fmt.Sprintf("ob%d-", os.Getpid()%100000)
	reaping := map[int]bool{}
	runsc := func(args ...string) {
		t.Helper()
		if _, errOut, err := RunFiles(ctx, r.Binary, append(append([]string{"--root", r.Root}, r.Flags...), args...)...); err != nil {
			t.Fatalf("runsc %v: %v: %s", args, err, errOut)
		}
		r.Adopt(reaping)
	}
	want := func(id string, s fsm.State) {
		t.Helper()
		got, err := r.Status(ctx, id)
		if err != nil || got != s {
			t.Fatalf("Status(%s) = %s, %v; want %s", id, got, err, s)
		}
	}
	want(p+"ab", fsm.Absent)
	runsc("create", "--bundle", bundle, p+"ab")
	want(p+"ab", fsm.Created)
	want(p+"a", fsm.Absent) // runsc's prefix match must not count
	// This runsc calls an exact ID ambiguous while a longer one it prefixes
	// exists; the observer must still see it.
	runsc("create", "--bundle", bundle, p+"a")
	want(p+"a", fsm.Created)
	want(p+"ab", fsm.Created)
	runsc("delete", "-force", p+"ab")
	want(p+"ab", fsm.Absent)
	runsc("delete", "-force", p+"a")
	want(p+"a", fsm.Absent)
	runsc("create", "--bundle", bundle, p+"ab")
	runsc("start", p+"ab")
	want(p+"ab", fsm.Running)
	if err := r.WorkloadExit(ctx, p+"ab"); err != nil {
		t.Fatal(err)
	}
	want(p+"ab", fsm.Stopped)
	runsc("create", "--bundle", bundle, p+"b")
	if err := r.KillSandbox(ctx, p+"b"); err != nil {
		t.Fatal(err)
	}
	want(p+"b", fsm.Stopped)
	ids, err := r.List(ctx)
	if err != nil || !slices.Equal(ids, []string{p + "ab", p + "b"}) {
		t.Fatalf("List = %v, %v", ids, err)
	}
	runsc("delete", p+"ab")
	runsc("delete", p+"b")
	want(p+"ab", fsm.Absent)
}

// OwnProcesses, which walks the subreaper's descendants, finds the same
// sandboxes as the scan of every process: one whose runsc has exited
// (reparented to the subreaper) included.
func TestOwnProcessesMatchesTheFullScan(t *testing.T) {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, 36 /* PR_SET_CHILD_SUBREAPER */, 1, 0); errno != 0 {
		t.Fatal(errno)
	}
	bin := fakerunsc.Build(t)
	bundle, _, err := testBundles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &Runsc{Binary: bin, Root: t.TempDir(), Flags: []string{"--network=none"}}
	ctx := context.Background()
	if _, errOut, err := r.run(ctx, "create", "--bundle", bundle, "own1"); err != nil {
		t.Fatalf("create: %v: %s", err, errOut)
	}
	defer r.run(ctx, "delete", "--force", "own1")
	all, err := r.Processes()
	if err != nil {
		t.Fatal(err)
	}
	own, err := r.OwnProcesses()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || !slices.Equal(all, own) {
		t.Fatalf("the full scan finds %v, the descendants walk %v", all, own)
	}
}
