package runtime

import (
	"context"
	"fmt"
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
