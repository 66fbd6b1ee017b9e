package runtime_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// Run a bundle to completion on the ptrace platform, with the step trace on stderr.
func Example() {
	ctx := context.Background()
	r, err := runtime.New(ctx, runtime.WithPlatform("ptrace"), runtime.WithTrace(os.Stderr))
	if err != nil {
		fmt.Println("no usable runsc:", err)
		return
	}
	defer r.Close(ctx)
	code, err := r.Run(ctx, "hello", "/path/to/bundle", nil)
	fmt.Println(code, err)
}

// The supervised lifecycle: every step is checked against the lifecycle first.
func ExampleRuntime_Start() {
	ctx := context.Background()
	r, err := runtime.New(ctx)
	if err != nil {
		return
	}
	defer r.Close(ctx) // force-deletes whatever is left
	if err := r.Create(ctx, "c1", "/path/to/bundle", &runtime.CreateOpts{}); err != nil {
		return
	}
	if err := r.Start(ctx, "c1", nil); err != nil { // also arms `runsc wait`
		return
	}
	code, err := r.Wait(ctx, "c1") // the workload's status, even if it exited at once
	fmt.Println(code, err)
	_ = r.Delete(ctx, "c1", nil)
}
