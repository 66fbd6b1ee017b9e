package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestRealProbeNamesUnpredictable: runsc names a sandbox by an abstract socket, which is
// host-wide. New's sandbox check must not take a name someone can predict and bind
// first, nor one that concurrent runtimes share.
func TestRealProbeNamesUnpredictable(t *testing.T) {
	needRunsc(t)
	// Squat the names a sequence-numbered probe would take, for every platform.
	for _, p := range append([]string{"default"}, Platforms...) {
		for n := 1; n <= 16; n++ {
			fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer syscall.Close(fd)
			name := fmt.Sprintf("@runsc-sandbox.probe-%s-%d", p, n)
			if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: name}); err != nil {
				t.Logf("bind %s: %v", name, err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for round := 0; round < 2; round++ {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := New(ctx, WithPlatform("ptrace"), WithNetwork(NetworkNone))
				if err != nil {
					errs <- err
					return
				}
				root := r.Root()
				if err := r.Close(ctx); err != nil {
					errs <- fmt.Errorf("Close: %w", err)
				}
				if pids := processesUsingRoot(root); len(pids) > 0 {
					errs <- fmt.Errorf("left running: %v", pids)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: New with its sandbox check: %v", round, err)
		}
	}
}

// TestRealIDsThatLookLikeFlags: an ID that runsc would parse as a flag is refused
// before runsc runs, by every step that takes one.
func TestRealIDsThatLookLikeFlags(t *testing.T) {
	r, _ := newReal(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := busyboxBundle(t, "true")
	for _, id := range []string{"-h", "--help", "-debug", "--root=x", "-", "-0"} {
		if err := ValidateID(id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("ValidateID(%q) = %v, want ErrInvalidID", id, err)
		}
		calls := r.RunscCalls()
		code, err := r.Run(ctx, id, b, nil)
		if !errors.Is(err, ErrInvalidID) || code != -1 {
			t.Errorf("Run(%q) = %d, %v; want -1, ErrInvalidID", id, code, err)
		}
		if err := r.Create(ctx, id, b, nil); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Create(%q) = %v; want ErrInvalidID", id, err)
		}
		if n := r.RunscCalls() - calls; n != 0 {
			t.Errorf("ID %q: runsc ran %d times", id, n)
		}
	}
	// A '-' inside an ID is fine.
	if code, err := r.Run(ctx, "a-b--c", b, nil); err != nil || code != 0 {
		t.Errorf("Run(a-b--c) = %d, %v", code, err)
	}
}

// TestRealProbeLeavesNoZombies: New's sandbox check reaps the processes it leaves (the
// platform's stubs reach us a moment after the sandbox is gone) before New returns.
func TestRealProbeLeavesNoZombies(t *testing.T) {
	needRunsc(t)
	for i := 0; i < 3; i++ {
		r, err := New(context.Background(), WithPlatform("ptrace"), WithNetwork(NetworkNone))
		if err != nil {
			t.Fatal(err)
		}
		z := zombieChildren()
		r.Close(context.Background())
		if len(z) > 0 {
			t.Fatalf("after New: unreaped children %v", z)
		}
	}
}

// TestRealNetworkFailureIsNotPlatform: a sandbox check that fails because the network
// cannot be set up (--network sandbox as root, in the root network namespace) is not
// blamed on the platform, which callers would then replace by another.
func TestRealNetworkFailureIsNotPlatform(t *testing.T) {
	needRunsc(t)
	r, err := New(context.Background(), WithPlatform("ptrace"), WithNetwork(NetworkSandbox))
	if err == nil {
		r.Close(context.Background())
		t.Skip("SKIPPING: --network sandbox works here (not in the root network namespace?)")
	}
	if errors.Is(err, ErrPlatform) {
		t.Errorf("New: %v; a network failure taken for the platform's", err)
	}
	if !strings.Contains(err.Error(), "network") {
		t.Errorf("New: %v; want it to name the network", err)
	}
}
