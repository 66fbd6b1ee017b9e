package conformance

import (
	"context"
	"strings"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

func specSteps(t *testing.T, lines ...string) []steptrace.Step {
	t.Helper()
	steps, err := steptrace.Read(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return steps
}

// The lifecycle (trace_test.go) passes the spec; the same trace with one forbidden
// step does not. A refusal outside the spec and a query are left out of its traces.
func TestValidateSpecTrace(t *testing.T) {
	traces := SpecTraces(specSteps(t, lifecycle...))
	if len(traces) != 3 {
		t.Errorf("%d containers, want 3 (a twice, b):\n%s", len(traces), strings.Join(traces, "\n"))
	}
	trace := strings.Join(traces, "\n")
	if strings.Contains(trace, `"action":"Start(c1)","res":"refused"`) || strings.Contains(trace, "State") {
		t.Errorf("a refusal outside the spec or a query was kept:\n%s", trace)
	}
	ctx := context.Background()
	if err := ValidateSpecTrace(ctx, SpecPath, specSteps(t, lifecycle...)); err != nil {
		t.Fatalf("%v\n%s", err, trace)
	}
	for name, bad := range map[string]string{
		"pause of a created container": traceLine(5, "Pause", "a", fsm.Created, fsm.Paused, "ok"),
		"failed step that moved":       traceLine(6, "Start", "a", fsm.Created, fsm.Running, "failed"),
		"create of a live container":   traceLine(5, "Create", "a", fsm.Absent, fsm.Created, "ok"),
		"exit before any start":        traceLine(6, "Exit", "a", fsm.Created, fsm.Stopped, "ok"),
	} {
		t.Run(name, func(t *testing.T) {
			lines := append([]string{}, lifecycle...)
			for i, l := range lines {
				if strings.HasPrefix(l, bad[:9]) {
					lines[i] = bad
				}
			}
			if err := ValidateSpecTrace(ctx, SpecPath, specSteps(t, lines...)); err == nil {
				t.Errorf("accepted %s", bad)
			}
		})
	}
}

func BenchmarkValidateSpecTrace(b *testing.B) {
	var lines []string
	seq := 0
	add := func(op, id string, from, to fsm.State, r string) {
		seq++
		lines = append(lines, traceLine(seq, op, id, from, to, r))
	}
	add("Resolve", "", fsm.Unresolved, fsm.Resolved, "ok")
	add("Probe", "", fsm.Resolved, fsm.Available, "ok")
	for _, id := range []string{"a", "b", "c"} {
		add("Create", id, fsm.Absent, fsm.Created, "ok")
		add("Start", id, fsm.Created, fsm.Running, "ok")
		add("Wait", id, fsm.Running, fsm.Running, "ok")
		add("Kill", id, fsm.Running, fsm.Running, "ok")
		add("Exit", id, fsm.Running, fsm.Stopped, "ok")
		add("Delete", id, fsm.Stopped, fsm.Deleted, "ok")
		add("Run", id, fsm.Absent, fsm.Deleted, "ok")
	}
	add("Close", "", fsm.Available, fsm.Closing, "ok")
	add("CloseDone", "", fsm.Closing, fsm.Closed, "ok")
	steps, err := steptrace.Read(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := ValidateSpecTrace(context.Background(), SpecPath, steps); err != nil {
			b.Fatal(err)
		}
	}
}

// Close force-deletes a paused container: runsc's delete --force panics on a
// paused one, so the wrapper resumes it first, and when the delete then fails
// the container runs on, until a later force-delete removes it. The resume is
// the wrapper's own step while the runtime is Closing; the model and the spec
// both allow it, and still refuse a caller's Resume while Closing.
func TestCloseResumesPausedBeforeForceDelete(t *testing.T) {
	lines := []string{
		traceLine(1, "Resolve", "", fsm.Unresolved, fsm.Resolved, "ok"),
		traceLine(2, "Probe", "", fsm.Resolved, fsm.Available, "ok"),
		traceLine(3, "Create", "a", fsm.Absent, fsm.Created, "ok"),
		traceLine(4, "Start", "a", fsm.Created, fsm.Running, "ok"),
		traceLine(5, "Pause", "a", fsm.Running, fsm.Paused, "ok"),
		traceLine(6, "Close", "", fsm.Available, fsm.Closing, "ok"),
		traceLine(7, "Resume", "a", fsm.Paused, fsm.Running, "cleanup"),
		traceLine(8, "ForceDelete", "a", fsm.Running, fsm.Running, "cleanup"),
		traceLine(9, "ForceDelete", "a", fsm.Running, fsm.Deleted, "cleanup"),
		traceLine(10, "CloseDone", "", fsm.Closing, fsm.Closed, "ok"),
	}
	if _, err := ValidateTrace(specSteps(t, lines...)); err != nil {
		t.Errorf("model: %v", err)
	}
	if err := ValidateSpecTrace(context.Background(), SpecPath, specSteps(t, lines...)); err != nil {
		t.Errorf("spec: %v", err)
	}
	lines[6] = traceLine(7, "Resume", "a", fsm.Paused, fsm.Running, "ok") // the caller's
	if _, err := ValidateTrace(specSteps(t, lines...)); err == nil {
		t.Error("model accepted a caller's Resume while Closing")
	}
}
