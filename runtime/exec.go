package runtime

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// ExecWithOCIBundle replaces the calling process with `runsc run` of the bundle as
// container id: the runtime's validated runsc (by descriptor), its options (platform,
// network, ...) and private --root, global flags before the subcommand, a sanitized
// environment. The process's exit status becomes the workload's. It returns only on
// failure: a bad ID or bundle, or a runtime that still holds containers (they would be
// orphaned), is refused and the runtime stays Available; if exec itself fails, the
// runtime ends Failed, its state directory removed and its binary released. The trace
// ends with ExecHandover (written before the exec, as nothing can be written after it),
// ExecFail or the refused step.
//
// After a successful handover nothing of the runtime is left to remove its state
// directory, which holds runsc's --root: runsc run deletes the container's state when
// the workload exits, and leaves the directories empty. A caller that keeps track
// names the directory with WithStateDir and removes it once the process has exited.
func (r *Runtime) ExecWithOCIBundle(id, bundle string) error {
	r.life.Lock()
	defer r.life.Unlock()
	refuse := func(err error) error {
		st := r.m.Current()
		r.tr.add(steptrace.Step{Op: string(fsm.EventExecHandover), From: st, To: st,
			Result: steptrace.Refused, Exit: -1, Error: err.Error()})
		return err
	}
	if err := r.availableErr(); err != nil {
		return refuse(err)
	}
	if err := r.validateID(id); err != nil {
		return refuse(err)
	}
	b, err := LoadBundle(bundle)
	if err != nil {
		return refuse(err)
	}
	r.mu.Lock()
	held := len(r.containers)
	r.mu.Unlock()
	if held > 0 {
		return refuse(fmt.Errorf("handover refused: the runtime still holds %d container(s); delete them first", held))
	}
	// No --log: nobody is left to read it, and runsc reports on the stderr it inherits.
	args := append([]string{"runsc"}, r.globals(call{}, "")...)
	args = append(args, "run", "--bundle", b.Dir, id)
	r.tr.add(steptrace.Step{Op: string(fsm.EventExecHandover), From: fsm.Available, To: fsm.Done, Result: steptrace.OK, Exit: -1,
		Note: "exec " + r.bin.Path() + " run " + id})
	err = syscall.Exec(r.bin.execPath(), args, append([]string(nil), safeEnv...))
	err = fmt.Errorf("exec runsc: %w", err)
	r.runtimeStep(context.Background(), fsm.EventExecFail, -1, err, "the handover step above did not happen")
	r.cancel()
	removeTree(r.work)
	r.bin.Close()
	return err
}

// ExecWithOCIBundle is New(opts...) followed by its ExecWithOCIBundle, for a caller
// that has no Runtime. Unless WithPlatform names a platform, New first probes for one
// that starts a sandbox here; a named platform is not probed (the handover is the
// sandbox's start, and runsc fails on its own). The process is not made a child
// subreaper. On failure the runtime is closed, so nothing is left behind.
func ExecWithOCIBundle(id, bundle string, opts ...Option) error {
	ctx := context.Background()
	r := newRuntime(opts)
	r.cfg.sandboxProbe = r.cfg.sandboxProbe && r.cfg.platform == ""
	r.cfg.subreaper = false
	r, err := r.open(ctx)
	if err != nil {
		return err
	}
	err = r.ExecWithOCIBundle(id, bundle)
	if r.IsAvailable() {
		err = errors.Join(err, r.Close(ctx))
	}
	return err
}
