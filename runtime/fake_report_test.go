package runtime

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
)

// TestFakeCloseReportsUndeletedContainers: a Close whose force-deletes fail must say
// so, naming each container, never report success.
func TestFakeCloseReportsUndeletedContainers(t *testing.T) {
	r, bin := newFake(t)
	ctx := context.Background()
	b := fakeBundle(t, "sleep", "60")
	mustCreate(t, ctx, r, "left-created", b, nil)
	mustStart(t, ctx, r, "left-running", b, nil)
	setFaults(t, bin, fakerunsc.Faults{Exit: map[string]int{"delete": 128}, Message: "resource busy"})
	err := r.Close(ctx)
	if err == nil {
		t.Fatal("Close reported success; no container could be deleted")
	}
	for _, id := range []string{"left-created", "left-running"} {
		if !strings.Contains(err.Error(), id) {
			t.Errorf("Close's error does not name %s: %v", id, err)
		}
	}
	tr := r.Trace()
	if last := tr[len(tr)-1]; last.Op != string(fsm.EventCloseDone) || last.Error == "" {
		t.Errorf("the trace ends with %+v, want a CloseDone carrying the error", last)
	}
}

// TestFakeExitStatusKeptOnceRecorded: the first report of a container's exit is its
// status; a later observation (here a `runsc wait` that fails after the reaper
// reported the sandbox's exit) changes neither the status nor the trace.
func TestFakeExitStatusKeptOnceRecorded(t *testing.T) {
	r, bin := newFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	setFaults(t, bin, fakerunsc.Faults{Garbage: map[string]bool{"wait": true}, SlowAfter: map[string]int{"wait": 300}})
	mustStart(t, ctx, r, "first", fakeBundle(t, "sh", "-c", "exit 42"), nil)
	for i := 0; i < 2; i++ {
		code, err := r.Wait(ctx, "first")
		if err != nil || code != 42 {
			t.Errorf("Wait #%d = %d, %v; want 42", i+1, code, err)
		}
	}
	time.Sleep(600 * time.Millisecond) // the failed wait has come back by now
	code, err := r.Wait(ctx, "first")
	if err != nil || code != 42 {
		t.Errorf("Wait after the late observation = %d, %v; want 42", code, err)
	}
	var ends []string
	for _, s := range steps(r, "first") {
		if strings.HasPrefix(s, "Exit:") || strings.HasPrefix(s, "SandboxDied:") {
			ends = append(ends, s)
		}
	}
	if len(ends) != 1 || ends[0] != "Exit:Running>Stopped:ok" {
		t.Errorf("the stop was recorded as %v, want one Exit", ends)
	}
}
