package runtime

import (
	"context"
	"os"
	goruntime "runtime"
	"testing"
	"time"
)

func openFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// settled waits (briefly) for goroutines and descriptors to drop back to at most the
// given counts, and returns what it last saw.
func settled(t testing.TB, fds, gs int) (int, int) {
	var f, g int
	for i := 0; i < 200; i++ {
		f, g = openFDs(t), goruntime.NumGoroutine()
		if f <= fds && g <= gs {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return f, g
}

// leakCycle runs New, Create, Start, Kill, Wait, Delete, Create and Close on a fresh
// runtime (mk is New).
func leakCycle(t *testing.T, mk func() *Runtime, bundle string) {
	t.Helper()
	ctx := context.Background()
	r := mk()
	mustStart(t, ctx, r, "leak", bundle, nil)
	mustKill(t, ctx, r, "leak")
	if err := r.Delete(ctx, "leak", nil); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, ctx, r, "leak2", bundle, nil)
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// checkNoLeaks fails if cycles of a runtime's life leave descriptors or goroutines.
func checkNoLeaks(t *testing.T, mk func() *Runtime, bundle string) {
	leakCycle(t, mk, bundle) // warm up: lazily started runtime goroutines, the built fake
	fds0, gs0 := openFDs(t), goruntime.NumGoroutine()
	for range 3 {
		leakCycle(t, mk, bundle)
	}
	if fds, gs := settled(t, fds0, gs0); fds > fds0 || gs > gs0 {
		buf := make([]byte, 1<<16)
		n := goruntime.Stack(buf, true)
		t.Fatalf("after 3 cycles: %d open descriptors (was %d), %d goroutines (was %d)\n%s", fds, fds0, gs, gs0, buf[:n])
	}
}

func TestFakeNoFDOrGoroutineLeaks(t *testing.T) {
	mk := func() *Runtime {
		r, _ := newFake(t)
		return r
	}
	checkNoLeaks(t, mk, fakeBundle(t, "sleep", "3600"))
}

func TestRealNoFDOrGoroutineLeaks(t *testing.T) {
	needRunsc(t)
	mk := func() *Runtime {
		r, _ := newReal(t)
		return r
	}
	checkNoLeaks(t, mk, busyboxBundle(t, "sleep", "3600"))
}
