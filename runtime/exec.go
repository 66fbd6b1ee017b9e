package runtime

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"syscall"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// ExecOpts are the options of ExecWithOCIBundleOpts.
type ExecOpts struct {
	Network       Network   // default NetworkNone
	Platform      string    // default: runsc's own; never silently replaced
	Rootless      bool      // --rootless
	IgnoreCgroups bool      // --ignore-cgroups
	DebugLogDir   string    // --debug --debug-log DIR/
	StateDir      string    // parent of the private --root; default os.TempDir()
	Path          string    // runsc to use (validated); default ResolvePath's choice
	Trace         io.Writer // steps up to the handover, in package steptrace's format
	Overlay       *bool     // keep rootfs writes in the sandbox; default true
}

// ExecWithOCIBundle replaces the calling process with `runsc run` of the bundle as
// container id (ExecWithOCIBundleOpts with zero options). It returns only on failure.
func ExecWithOCIBundle(id, bundle string) error {
	return ExecWithOCIBundleOpts(id, bundle, ExecOpts{})
}

// ExecWithOCIBundleOpts resolves and validates runsc, checks its version, the ID and
// the bundle, makes a private 0700 --root for the container, and then replaces the
// process (syscall.Exec) with the validated runsc — by descriptor, global flags before
// the subcommand, with a sanitized environment. The process's exit status becomes the
// workload's. On failure it returns an error and the process carries on; the trace
// ends with ExecFail (or the refused step).
func ExecWithOCIBundleOpts(id, bundle string, o ExecOpts) error {
	ctx := context.Background()
	var opts []Option
	if o.Platform != "" {
		opts = append(opts, WithPlatform(o.Platform))
	}
	if o.Network != "" {
		opts = append(opts, WithNetwork(o.Network))
	}
	if o.Rootless {
		opts = append(opts, WithRootless())
	}
	if o.IgnoreCgroups {
		opts = append(opts, WithIgnoreCgroups())
	}
	if o.DebugLogDir != "" {
		opts = append(opts, WithDebugLog(o.DebugLogDir))
	}
	if o.StateDir != "" {
		opts = append(opts, WithStateDir(o.StateDir))
	}
	if o.Trace != nil {
		opts = append(opts, WithTrace(o.Trace))
	}
	if o.Overlay != nil && !*o.Overlay {
		opts = append(opts, WithoutOverlay())
	}
	// The handover is the sandbox's start: probing one first would double the cost,
	// and a platform that does not work makes runsc itself fail.
	opts = append(opts, WithoutSandboxProbe(), WithoutSubreaper())
	var r *Runtime
	var err error
	if o.Path != "" {
		r, err = NewWithPath(ctx, o.Path, opts...)
	} else {
		r, err = New(ctx, opts...)
	}
	if err != nil {
		return err
	}
	fail := func(err error) error {
		// Refused before anything was prepared for the handover: the runtime stays
		// Available (ExecFail is for an exec that fails after preparation).
		r.tr.add(steptrace.Step{Op: string(fsm.EventExecHandover), From: fsm.Available, To: fsm.Available,
			Result: steptrace.Refused, Exit: -1, Error: err.Error()})
		removeTree(r.work)
		r.bin.Close()
		return err
	}
	if err := r.validateID(id); err != nil {
		return fail(err)
	}
	b, err := LoadBundle(bundle)
	if err != nil {
		return fail(err)
	}
	// The log file of the handed-over runsc lives in the private directory, which
	// outlives this process (nobody is left to remove it; it is in StateDir).
	args := append([]string{"runsc"}, r.globals(call{}, filepath.Join(r.work, "log", "exec.json"))...)
	args = append(args, "run", "--bundle", b.Dir, id)
	if !r.m.Can(fsm.EventExecHandover) {
		return fail(fmt.Errorf("%w: runtime is %s", ErrUnavailable, r.m.Current()))
	}
	// Nothing can be written after a successful exec, so the handover step is written
	// before it; the machine moves only if exec fails (ExecFail, from Available).
	r.tr.add(steptrace.Step{Op: string(fsm.EventExecHandover), From: fsm.Available, To: fsm.Done, Result: steptrace.OK, Exit: -1,
		Note: "exec " + r.bin.Path() + " run " + id})
	err = syscall.Exec(r.bin.execPath(), args, append([]string(nil), safeEnv...))
	err = fmt.Errorf("exec runsc: %w", err)
	r.runtimeStep(ctx, fsm.EventExecFail, -1, err, "the handover step above did not happen")
	removeTree(r.work)
	r.bin.Close()
	return err
}
