package runtime

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// PlatformStatus is one platform's probe result.
type PlatformStatus struct {
	Platform string // "systrap", "kvm" or "ptrace"
	Works    bool   // a throwaway sandbox ran /bin/true on it
	Err      error  // why it does not work (a *PlatformError)
}

// IsAvailable reports whether New(ctx, opts...) would return an Available runtime: runsc
// is found and trusted, its version is understood and a sandbox starts (on the platform
// WithPlatform names, else on one of Platforms). It returns nil if so, else New's error.
// It leaves nothing behind and does not make the process a child subreaper.
func IsAvailable(ctx context.Context, opts ...Option) error {
	r, err := New(ctx, append(opts[:len(opts):len(opts)], WithoutSubreaper())...)
	if err != nil {
		return err
	}
	return r.Close(ctx)
}

// ProbePlatforms is Runtime.ProbePlatforms without a runtime to keep: it opens one with
// opts (checking the version, not that a sandbox starts), probes every platform and
// closes it.
func ProbePlatforms(ctx context.Context, opts ...Option) ([]PlatformStatus, error) {
	r, err := New(ctx, append(opts[:len(opts):len(opts)], WithoutSandboxProbe(), WithoutSubreaper())...)
	if err != nil {
		return nil, err
	}
	res, err := r.ProbePlatforms(ctx)
	return res, errors.Join(err, r.Close(ctx))
}

// ProbePlatforms tries each of Platforms by running /bin/true from the host's / (read-only)
// in a throwaway sandbox, each under the probe timeout and in its own private --root.
// Nothing is left behind: a probe that fails or hangs is force-deleted and its processes
// killed.
func (r *Runtime) ProbePlatforms(ctx context.Context) ([]PlatformStatus, error) {
	var res []PlatformStatus
	var works []string
	for _, p := range Platforms {
		err := r.probe(ctx, p)
		res = append(res, PlatformStatus{Platform: p, Works: err == nil, Err: err})
		if err == nil {
			works = append(works, p)
		}
		if ctx.Err() != nil {
			break
		}
	}
	st := r.m.Current()
	r.tr.add(steptrace.Step{Op: "ProbePlatforms", From: st, To: st, Result: steptrace.OK, Exit: -1,
		Note: "working: " + strings.Join(works, ",")})
	return res, ctx.Err()
}

// probe runs a throwaway sandbox on platform p ("" = runsc's default).
func (r *Runtime) probe(ctx context.Context, p string) error {
	name := p
	if name == "" {
		name = "default"
	}
	perr := func(reason string, err error) error {
		return &PlatformError{Platform: name, Reason: reason, Err: err}
	}
	if p == "kvm" {
		// Without the device runsc cannot use kvm, and may hang until the timeout
		// rather than say so.
		if _, err := os.Stat("/dev/kvm"); err != nil {
			return perr("no /dev/kvm", err)
		}
	}
	dir, err := os.MkdirTemp(r.work, "probe-")
	if err != nil {
		return perr("probe directory", err)
	}
	defer removeTree(dir)
	bdir := filepath.Join(dir, "bundle")
	root := filepath.Join(dir, "root")
	for _, d := range []string{bdir, root} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return perr("probe directory", err)
		}
	}
	if _, err := BuildBundle(bdir, BundleSpec{Args: []string{"/bin/true"}, Rootfs: "/", Readonly: true}); err != nil {
		return perr("probe bundle", err)
	}
	// Random: runsc names the sandbox by a host-wide abstract socket, which anyone could
	// bind first under a predictable name, and concurrent runtimes would share.
	id := "probe-" + name + "-" + rand.Text()
	// A platform that cannot start leaves the sandbox's cgroup behind (runsc-facts).
	defer cgroupsBefore(r.cgroupMounts(), cgroupPath(id, nil), r.cgroupRecord(id)).remove()
	pctx, cancel := context.WithTimeout(ctx, r.cfg.probeTimeout)
	defer cancel()
	o, err := r.execRunsc(pctx, call{sub: "run", id: id, args: []string{"--bundle", bdir, id}, root: root, platform: &p, watch: true})
	// The platform's stubs reach us a moment after the sandbox has gone: reap them
	// now rather than leave them defunct until some later step. (Waiting for all of
	// the runtime's processes to go is waiting for the probe's only while it holds no
	// container; otherwise one pass reaps what has come.)
	wait := cleanupTimeout
	r.mu.Lock()
	if len(r.containers) > 0 {
		wait = 0
	}
	r.mu.Unlock()
	defer r.reapOwn(ctx, wait)
	if err == nil && o.exit == 0 {
		return nil
	}
	// Whatever state the probe is in, take it down before returning.
	r.cleanupRoot(root, id, &p)
	switch {
	case err != nil:
		return perr("cannot run runsc", err)
	case o.killed:
		return perr(fmt.Sprintf("no sandbox within %s", r.cfg.probeTimeout), o.ctxErr)
	case strings.Contains(o.logMsg, "setting up network"):
		// Not the platform's fault (--network sandbox in the root network namespace,
		// for one): every platform would fail alike, so this is no PlatformError.
		return fmt.Errorf("sandbox check on platform %q: the sandbox's network (--network=%s) could not be set up: %w",
			name, r.cfg.network, o.failure("run", id))
	default:
		return perr("sandbox did not run", o.failure("run", id))
	}
}

// cleanupRoot force-deletes id in a private root and kills any process still naming that
// root (a sandbox whose runsc was killed before it recorded state).
func (r *Runtime) cleanupRoot(root, id string, platform *string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	r.reaper.adoptOrphans(root)
	r.reaper.adoptRecorded(root, id)
	r.execRunsc(ctx, call{sub: "delete", id: id, args: []string{"--force", id}, root: root, platform: platform})
	for _, pid := range processesUsingRoot(root) {
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			waitDead(pid)
		}
	}
}
