package runtime

import (
	"context"
	"syscall"
	"testing"
)

// The steps that tests, on the fake runsc and the real one alike, take a container
// through on the way to what they test: each fails the test at once if a step fails.

// mustCreate creates id from bundle with opts.
func mustCreate(t testing.TB, ctx context.Context, r *Runtime, id, bundle string, opts *CreateOpts) {
	t.Helper()
	if err := r.Create(ctx, id, bundle, opts); err != nil {
		t.Fatalf("Create %s: %v", id, err)
	}
}

// mustStart creates id from bundle with opts and starts it.
func mustStart(t testing.TB, ctx context.Context, r *Runtime, id, bundle string, opts *CreateOpts) {
	t.Helper()
	mustCreate(t, ctx, r, id, bundle, opts)
	if err := r.Start(ctx, id, nil); err != nil {
		t.Fatalf("Start %s: %v", id, err)
	}
}

// mustWait waits for id to stop and wants it to have exited with status want.
func mustWait(t testing.TB, ctx context.Context, r *Runtime, id string, want int) {
	t.Helper()
	if code, err := r.Wait(ctx, id); err != nil || code != want {
		t.Fatalf("Wait %s = %d, %v; want %d", id, code, err, want)
	}
}

// mustKill kills id with SIGKILL through the runtime and waits for it to stop.
func mustKill(t testing.TB, ctx context.Context, r *Runtime, id string) {
	t.Helper()
	if err := r.Kill(ctx, id, syscall.SIGKILL, nil); err != nil {
		t.Fatalf("Kill %s: %v", id, err)
	}
	if _, err := r.Wait(ctx, id); err != nil {
		t.Fatalf("Wait %s: %v", id, err)
	}
}

// killSandbox kills id's sandbox from outside the runtime: SIGKILL to the pid runsc
// reports for it.
func killSandbox(t testing.TB, ctx context.Context, r *Runtime, id string) {
	t.Helper()
	st, err := r.State(ctx, id)
	if err != nil {
		t.Fatalf("State %s: %v", id, err)
	}
	syscall.Kill(st.Pid, syscall.SIGKILL)
}
