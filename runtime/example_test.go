package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/runtime"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// The Examples that start sandboxes need root and runsc; TestMain skips them (loudly)
// where those are missing, except under CI=true.

// Run a command to completion in a sandbox that sees the host's / read-only. New picks
// a platform that starts a sandbox here; Close leaves nothing behind.
func Example() {
	ctx := context.Background()
	r, err := runtime.New(ctx)
	if err != nil {
		fmt.Println("no usable runsc:", err)
		return
	}
	defer r.Close(ctx)
	dir, _ := os.MkdirTemp("", "bundle-")
	defer os.RemoveAll(dir)
	if _, err := runtime.BuildBundle(dir, runtime.BundleSpec{
		Args: []string{"/bin/sh", "-c", "exit 3"}, Rootfs: "/", Readonly: true,
	}); err != nil {
		fmt.Println(err)
		return
	}
	code, err := r.Run(ctx, runtime.NewID(), dir, nil)
	fmt.Println("exit status", code, err)
	// Output: exit status 3 <nil>
}

// BuildBundle writes an OCI bundle: here the host's / read-only with a private /tmp.
// Without a Hostname, Create and Run give the container its ID as hostname.
func ExampleBuildBundle() {
	dir, _ := os.MkdirTemp("", "bundle-")
	defer os.RemoveAll(dir)
	b, err := runtime.BuildBundle(dir, runtime.BundleSpec{
		Args:     []string{"/bin/sh", "-c", "date > /tmp/now"},
		Rootfs:   "/",
		Readonly: true,
		Tmpfs:    []string{"/tmp"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Spec.Process.Args, b.Root, b.Spec.Root.Readonly, b.Spec.Hostname == "")
	// A bundle that runsc could not use is refused with the field at fault.
	_, err = runtime.BuildBundle(dir, runtime.BundleSpec{Args: []string{"true"}, Tmpfs: []string{"tmp"}})
	var be *runtime.BundleError
	fmt.Println(errors.As(err, &be), be.Field)
	// Output:
	// [/bin/sh -c date > /tmp/now] / true true
	// true tmpfs[0]
}

// Capturing output: Output runs a workload and returns its status and what it wrote,
// up to a limit per stream. A workload that writes more is stopped there.
func ExampleRuntime_Output() {
	inSandbox([]string{"/bin/sh", "-c", "echo hello; echo oops >&2; exit 3"}, func(ctx context.Context, r *runtime.Runtime, dir string) {
		out, err := r.Output(ctx, runtime.NewID(), dir, 1<<20)
		fmt.Printf("%d %q %q %v\n", out.Status, out.Stdout, out.Stderr, err)

		endless, remove := hostBundle("/bin/sh", "-c", "while :; do echo y; done")
		defer remove()
		out, err = r.Output(ctx, runtime.NewID(), endless, 10)
		fmt.Printf("%d %q %v\n", out.Status, out.Stdout, errors.Is(err, runtime.ErrOutputLimit))
	})
	// Output:
	// 3 "hello\n" "oops\n" <nil>
	// -1 "y\ny\ny\ny\ny\n" true
}

// Any Reader and Writers serve as a workload's stdio, as with os/exec; the runtime
// relays them, so runsc never gets the caller's own files.
func ExampleRunOpts() {
	inSandbox([]string{"/bin/sh", "-c", "tr a-z A-Z"}, func(ctx context.Context, r *runtime.Runtime, dir string) {
		var out bytes.Buffer
		code, err := r.Run(ctx, runtime.NewID(), dir, &runtime.RunOpts{Stdin: strings.NewReader("quiet words\n"), Stdout: &out})
		fmt.Printf("%d %v %s", code, err, out.String())
	})
	// Output: 0 <nil> QUIET WORDS
}

// A LimitedBuffer keeps what fits and refuses the rest: as a workload's stdout or
// stderr, the workload's writes to that stream then fail (EPIPE).
func ExampleLimitedBuffer() {
	b := runtime.NewLimitedBuffer(8)
	n, err := fmt.Fprint(b, "hello, ")
	fmt.Println(n, err)
	n, err = fmt.Fprint(b, "world")
	fmt.Printf("%d %v %q %v\n", n, err, b.String(), b.Exceeded())
	// Output:
	// 7 <nil>
	// 1 output limit exceeded "hello, w" true
}

// NewID makes IDs that can live side by side: runsc resolves IDs by prefix, so that
// "task-1" and "task-10" cannot, but IDs of one length never clash.
func ExampleNewID() {
	a, b := runtime.NewID(), runtime.NewID()
	fmt.Println(len(a) == len(b), a != b, runtime.ValidateID(a))
	// Output: true true <nil>
}

// Timeouts and cleanup: a Wait that times out leaves the container running and says so;
// Kill stops it, and the exit status is 128+signal. Close force-deletes whatever is
// left and removes the runtime's state directory.
func ExampleRuntime_Wait() {
	inSandbox([]string{"/bin/sleep", "3600"}, func(ctx context.Context, r *runtime.Runtime, dir string) {
		id := runtime.NewID()
		if err := r.Create(ctx, id, dir, nil); err != nil {
			fmt.Println(err)
			return
		}
		if err := r.Start(ctx, id, nil); err != nil {
			fmt.Println(err)
			return
		}
		wctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err := r.Wait(wctx, id)
		var running *runtime.StillRunningError
		fmt.Println("still runs:", errors.As(err, &running), errors.Is(err, context.DeadlineExceeded))
		// A running container is deleted only with Force; the error says so.
		err = r.Delete(ctx, id, nil)
		fmt.Println("refused:", errors.Is(err, runtime.ErrIllegal))
		r.Kill(ctx, id, syscall.SIGKILL, nil)
		code, err := r.Wait(ctx, id)
		fmt.Println("exit status", code, err)
		state := r.StateDir()
		fmt.Println("close:", r.Close(ctx))
		_, err = os.Stat(state)
		fmt.Println("state directory gone:", errors.Is(err, os.ErrNotExist))
	})
	// Output:
	// still runs: true true
	// refused: true
	// exit status 137 <nil>
	// close: <nil>
	// state directory gone: true
}

// The handover: the process becomes `runsc run`, and its exit status is the
// workload's. The process handed over here is a child (this program run again), so
// that the example can show that status.
func ExampleRuntime_ExecWithOCIBundle() {
	if bundle := os.Getenv("EXAMPLE_HANDOVER_BUNDLE"); bundle != "" {
		ctx := context.Background()
		r, err := runtime.New(ctx, runtime.WithoutSubreaper())
		if err == nil {
			err = r.ExecWithOCIBundle(runtime.NewID(), bundle) // returns only on failure
			r.Close(ctx)
		}
		fmt.Fprintln(os.Stderr, "handover failed:", err)
		os.Exit(125)
	}
	dir, remove := hostBundle("/bin/sh", "-c", "exit 7")
	defer remove()
	cmd := exec.Command(os.Args[0], "-test.run=^ExampleRuntime_ExecWithOCIBundle$")
	cmd.Env = append(os.Environ(), "EXAMPLE_HANDOVER_BUNDLE="+dir)
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		fmt.Println("exit status", ee.ExitCode())
	} else {
		fmt.Println(err)
	}
	// Output: exit status 7
}

// Reading the trace: every step, as the lifecycle saw it, in the order the steps took
// effect, from Runtime.Trace or as NDJSON from WithTrace (steptrace.Read parses it).
func ExampleRuntime_Trace() {
	var ndjson bytes.Buffer
	inSandbox([]string{"/bin/true"}, func(ctx context.Context, r *runtime.Runtime, dir string) {
		r.Run(ctx, "traced", dir, nil)
		r.Delete(ctx, "traced", nil) // refused: Run already deleted it
		r.Close(ctx)
		steps, err := steptrace.Read(&ndjson)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, s := range steps {
			if s.ID != "" { // the container's steps; the runtime's own depend on the host
				fmt.Println(s.Op, s.From, "->", s.To, s.Result, s.Exit)
			}
		}
		fmt.Println(len(r.Trace()) == len(steps), steps[len(steps)-1].Op)
	}, runtime.WithTrace(&ndjson))
	// Output:
	// Run Absent -> Deleted ok 0
	// Delete Absent -> Absent refused -1
	// true CloseDone
}

// hostBundle writes a bundle that runs args on the host's / read-only, as Example's
// does, in a new temporary directory; remove deletes it.
func hostBundle(args ...string) (dir string, remove func()) {
	dir, _ = os.MkdirTemp("", "bundle-")
	if _, err := runtime.BuildBundle(dir, runtime.BundleSpec{Args: args, Rootfs: "/", Readonly: true}); err != nil {
		fmt.Println(err)
	}
	return dir, func() { os.RemoveAll(dir) }
}

// inSandbox runs body with what Example sets up: a runtime from New (with opts) and a
// hostBundle that runs args. Afterwards it closes the runtime (closing twice is
// harmless) and removes the bundle. Where no runsc can run here, it says so instead.
func inSandbox(args []string, body func(ctx context.Context, r *runtime.Runtime, bundle string), opts ...runtime.Option) {
	ctx := context.Background()
	r, err := runtime.New(ctx, opts...)
	if err != nil {
		fmt.Println("no usable runsc:", err)
		return
	}
	defer r.Close(ctx)
	dir, remove := hostBundle(args...)
	defer remove()
	body(ctx, r, dir)
}
