package conformance

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/runtime"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// TestValidateRuntimeStepTrace validates a step trace in the runtime's format against
// the spec, and the same trace with one step the spec forbids.
func TestValidateRuntimeStepTrace(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "lifecycle.steps.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	steps, err := steptrace.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := ValidateSpecTrace(ctx, SpecPath, steps); err != nil {
		t.Fatalf("the lifecycle trace was rejected: %v", err)
	}
	if _, err := ValidateTrace(steps); err != nil {
		t.Fatalf("the lifecycle trace is not a run of the model: %v", err)
	}

	// Pausing a created container: the wrapper must refuse it (runsc would wedge).
	bad := slices.Clone(steps)
	k := slices.IndexFunc(bad, func(s steptrace.Step) bool { return s.Op == string(fsm.EventPause) })
	bad[k].To, bad[k].Result = fsm.Paused, steptrace.OK
	err = ValidateSpecTrace(ctx, SpecPath, bad)
	if err == nil || !strings.Contains(err.Error(), `"Pause(c1)"`) {
		t.Fatalf("a pause of a created container: %v, want the spec to reject the pause", err)
	}
}

// TestValidateRecordedRuntimeTrace drives the runtime package on the fake runsc through
// a lifecycle (a refused pause, a kill and its exit, a delete, a container left running
// at Close), records the runtime's own step trace, and validates it against the spec
// and the model.
func TestValidateRecordedRuntimeTrace(t *testing.T) {
	bin := fakerunsc.Build(t)
	ctx := context.Background()
	r, err := runtime.NewWithPath(ctx, bin, runtime.WithStateDir(t.TempDir()))
	if err != nil {
		t.Fatalf("NewWithPath(fake runsc): %v", err)
	}
	bundle := func() string {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := runtime.BuildBundle(dir, runtime.BundleSpec{Args: []string{"sleep", "3600"}}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("Create web", r.Create(ctx, "web", bundle(), nil))
	if err := r.Pause(ctx, "web"); err == nil {
		t.Fatal("Pause of a created container was not refused")
	}
	must("Start web", r.Start(ctx, "web", nil))
	must("Kill web", r.Kill(ctx, "web", syscall.SIGTERM, nil))
	if _, err := r.Wait(ctx, "web"); err != nil {
		t.Fatalf("Wait web: %v", err)
	}
	must("Delete web", r.Delete(ctx, "web", nil))
	must("Create job", r.Create(ctx, "job", bundle(), nil))
	must("Start job", r.Start(ctx, "job", nil))
	must("Close", r.Close(ctx))

	steps := r.Trace()
	if len(steps) < 12 {
		t.Fatalf("only %d steps recorded: %+v", len(steps), steps)
	}
	if err := ValidateSpecTrace(ctx, SpecPath, steps); err != nil {
		t.Fatalf("the runtime's trace is not a behaviour of the spec: %v\nspec traces:\n%s", err, strings.Join(SpecTraces(steps), "\n"))
	}
	if _, err := ValidateTrace(steps); err != nil {
		t.Fatalf("the runtime's trace is not a run of the model: %v", err)
	}
}
