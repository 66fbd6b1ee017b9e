package tla

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// TestValidateRecordedRuntimeTrace drives the runtime package on the fake runsc through
// a lifecycle (a refused pause, a kill and its exit, a delete, a container left running
// at Close), records the runtime's own step trace, and validates it against the spec.
func TestValidateRecordedRuntimeTrace(t *testing.T) {
	spec := filepath.Join("..", "spec", projectModule+".tla")
	if _, err := os.Stat(spec); err != nil {
		t.Skipf("SKIPPING: no project spec: %v", err)
	}
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

	var steps []runtimeStep
	for _, s := range r.Trace() {
		steps = append(steps, runtimeStep{Seq: int(s.Seq), Op: s.Op, ID: s.ID, From: s.From, To: s.To, Result: s.Result})
	}
	trace := specTrace(t, steps)
	t.Logf("the runtime's trace as spec steps:\n%s", trace)
	res := validate(t, spec, trace, TraceOptions{})
	if !res.OK {
		t.Fatalf("the runtime's trace is not a behaviour of the spec: %v\nspec trace:\n%s", res.Failure, trace)
	}
	if res.Steps < 10 {
		t.Fatalf("only %d steps recorded:\n%s", res.Steps, strings.TrimSpace(trace))
	}
}
