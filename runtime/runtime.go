package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
	"golang.org/x/sys/unix"
)

// Runtime drives one runsc binary. Its own lifecycle (Resolve, Probe, Close) and every
// container's follow the package fsm machines: a step the lifecycle does not permit is
// refused before runsc runs. Safe for concurrent use; calls on one container are
// serialized.
type Runtime struct {
	cfg     config
	bin     *Binary
	version Version
	// behaviour is what this binary does where runsc lines differ (BehaviourOf).
	behaviour Behaviour
	m         *fsm.Machine
	tr        *tracer

	work string // private 0700 directory: root/, log/, io/, cgroups/
	root string // runsc --root

	ctx    context.Context // cancelled by Close: stops waiters
	cancel context.CancelFunc
	wg     sync.WaitGroup
	seq    atomic.Int64
	// started counts the runsc processes started (RunscCalls).
	started atomic.Int64

	// life orders container steps against the runtime's own: a container step holds
	// it shared from its availability check until its step is recorded, Close holds
	// it to move Available -> Closing. The trace therefore never shows a container
	// step the runtime's state at that point in the trace would not allow.
	life sync.RWMutex

	// Lock order: life, then a container's mu, then mu. The reaper's locks may be
	// taken under a container's mu, and are never held while taking one of these.
	mu         sync.Mutex
	containers map[string]*container
	byPid      map[int]*container // sandbox pid -> container, for the reaper's reports
	byGofer    map[int]*goferEnd  // gofer pid -> its end, for the reaper's reports

	// released: Release has ended the runtime, leaving its containers to another.
	released atomic.Bool

	reaper *reaper // waits for the processes of the runtime's sandboxes (sandboxExited)

	// cgroupMounts lists the cgroup hierarchies' mount points, read once (see the
	// function of that name).
	cgroupMounts func() []string

	specs    specCache // the bundles' config.json files parsed lately
	copyDirs copyDirs  // directories for the copies of config.json (Bundle.hostnamed)

	// runscWall, when set (BenchmarkRunTrue), is told how long each runsc command
	// took, from just before its start to the return of its Wait: a Run's wall time
	// less its runsc command's is what the library itself adds.
	runscWall func(sub string, d time.Duration)
}

// New resolves runsc (ResolvePath), validates and holds it, checks its version and that
// a sandbox starts, and returns an Available runtime.
func New(ctx context.Context, opts ...Option) (*Runtime, error) {
	return newRuntime(opts).open(ctx)
}

// NewWithPath is New with a pre-resolved runsc path, which is validated again (it may
// have changed since it was resolved); the same as New with WithPath(path).
func NewWithPath(ctx context.Context, path string, opts ...Option) (*Runtime, error) {
	return New(ctx, append(opts[:len(opts):len(opts)], WithPath(path))...)
}

// open resolves (or, with WithPath, validates) runsc and brings the runtime to Available.
func (r *Runtime) open(ctx context.Context) (*Runtime, error) {
	if r.cfg.path != "" {
		b, err := OpenBinary(r.cfg.path)
		return r.init(ctx, b, err)
	}
	b, err := resolve(TrustedLocations, os.Geteuid() != 0)
	return r.init(ctx, b, err)
}

func newRuntime(opts []Option) *Runtime {
	cfg := config{network: NetworkNone, probeTimeout: 10 * time.Second, sandboxProbe: true, subreaper: true,
		createGrace: 10 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.network == "" {
		cfg.network = NetworkNone
	}
	r := &Runtime{
		cfg:        cfg,
		m:          fsm.NewRuntime(),
		tr:         &tracer{w: cfg.trace, log: cfg.logger},
		containers: map[string]*container{},
		byPid:      map[int]*container{},
		byGofer:    map[int]*goferEnd{},

		cgroupMounts: sync.OnceValue(cgroupMounts),
	}
	r.reaper = newReaper(r.sandboxExited, cfg.logger)
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r
}

func (r *Runtime) init(ctx context.Context, b *Binary, err error) (*Runtime, error) {
	if err != nil {
		r.runtimeStep(ctx, fsm.EventResolveFail, -1, err, "")
		r.cancel()
		return nil, err
	}
	r.bin = b
	r.runtimeStep(ctx, fsm.EventResolve, -1, nil, b.Path())
	fail := func(exit int, err error, note string) (*Runtime, error) {
		r.runtimeStep(ctx, fsm.EventProbeFail, exit, err, note)
		r.cancel()
		if r.work != "" {
			removeTree(r.work)
		}
		b.Close()
		return nil, err
	}
	if err := r.makeWorkDir(); err != nil {
		return fail(-1, err, "private state directory")
	}
	v, exit, err := r.versionCall(ctx)
	if err != nil {
		return fail(exit, err, "version probe")
	}
	r.version = v
	var flags []string
	if v.Unstamped() {
		if flags, err = r.flagsCall(ctx); err != nil {
			return fail(-1, err, "flags probe")
		}
	}
	if r.behaviour, err = BehaviourOf(v, flags); err != nil {
		return fail(-1, err, "behaviour of "+v.String())
	}
	// The state of runtimes that died without Close (killed): their sandboxes would run
	// on and their directories stay for good.
	for _, w := range r.collectLeftovers(ctx, filepath.Dir(r.work)) {
		if r.cfg.logger != nil {
			r.cfg.logger.Info("collected the state of a runtime whose process is gone", "dir", w)
		}
	}
	if r.cfg.subreaper {
		// Sandboxes outlive `runsc create`; as their reaper we learn their exit status,
		// which is the workload's (see WithoutSubreaper).
		if unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != nil {
			r.cfg.subreaper = false
		}
	}
	if r.cfg.sandboxProbe && r.cfg.platform != "" {
		if err := r.probe(ctx, r.cfg.platform); err != nil {
			return fail(-1, err, "sandbox probe")
		}
	} else if r.cfg.sandboxProbe {
		// No platform named: the first of Platforms that starts a sandbox here. Each
		// move to the next is the lifecycle's ProbeFail, Retry, Resolve (of the binary
		// already validated and held), so the trace stays one run of the runtime machine.
		var errs []error
		for i, p := range Platforms {
			err := r.probe(ctx, p)
			if err == nil {
				r.cfg.platform = p
				break
			}
			errs = append(errs, err)
			if i == len(Platforms)-1 || ctx.Err() != nil {
				return fail(-1, fmt.Errorf("no gVisor platform starts a sandbox here: %w", errors.Join(errs...)), "sandbox probe")
			}
			r.runtimeStep(ctx, fsm.EventProbeFail, -1, err, "platform "+p)
			r.runtimeStep(ctx, fsm.EventRetry, -1, nil, "trying platform "+Platforms[i+1])
			r.runtimeStep(ctx, fsm.EventResolve, -1, nil, b.Path())
		}
	}
	r.runtimeStep(ctx, fsm.EventProbe, 0, nil, v.String())
	return r, nil
}

// StateDir is the runtime's private directory: WithStateDir's, or one New made under
// os.TempDir(). runsc's --root is StateDir()/root. Close removes it.
func (r *Runtime) StateDir() string { return r.work }

// Platform is the gVisor platform the runtime passes to runsc: the one WithPlatform
// named, else the one New found to start a sandbox here, else ("" with
// WithoutSandboxProbe) runsc's own default.
func (r *Runtime) Platform() string { return r.cfg.platform }

// Root is the private --root passed to every runsc call.
func (r *Runtime) Root() string { return r.root }

// Binary is the validated runsc the runtime executes.
func (r *Runtime) Binary() *Binary { return r.bin }

// closeReapTimeout bounds how long Close waits for the processes of its sandboxes to
// die and be reaped once it has killed them (they die within milliseconds).
const closeReapTimeout = 10 * time.Second

// Lifecycle is the runtime's lifecycle state.
func (r *Runtime) Lifecycle() fsm.State { return r.m.Current() }

// IsAvailable reports whether the runtime can start containers (state Available).
func (r *Runtime) IsAvailable() bool { return r.m.Current() == fsm.Available }

// RunscCalls is how many runsc processes the runtime has started so far: every
// subcommand, the version and sandbox probes, the waiters Start arms and the
// force-deletes of cleanups and Close included.
func (r *Runtime) RunscCalls() int { return int(r.started.Load()) }

// Trace returns a copy of every step recorded so far.
func (r *Runtime) Trace() []steptrace.Step { return r.tr.all() }

// Version runs `runsc --version` and parses it.
func (r *Runtime) Version(ctx context.Context) (Version, error) {
	if err := r.closedErr(); err != nil {
		return Version{}, err
	}
	v, exit, err := r.versionCall(ctx)
	s := steptrace.Step{Op: "Version", From: r.m.Current(), To: r.m.Current(), Result: steptrace.OK, Exit: exit, Note: v.String()}
	if err != nil {
		s.Result, s.Error, s.Note = steptrace.Failed, err.Error(), ""
	}
	r.tr.add(s)
	return v, err
}

func (r *Runtime) versionCall(ctx context.Context) (Version, int, error) {
	o, err := r.execRunsc(ctx, call{sub: "--version", noGlobals: true})
	if err != nil {
		return Version{}, o.exit, err
	}
	if o.exit != 0 {
		return Version{}, o.exit, o.failure("--version", "")
	}
	v, err := ParseVersion(string(o.stdout))
	return v, o.exit, err
}

// flagsCall lists the global flags the binary knows (`runsc flags`), for judging an
// unstamped build by what it accepts.
func (r *Runtime) flagsCall(ctx context.Context) ([]string, error) {
	o, err := r.execRunsc(ctx, call{sub: "flags", noGlobals: true})
	if err != nil {
		return nil, err
	}
	if o.exit != 0 {
		return nil, o.failure("flags", "")
	}
	return parseFlags(string(o.stdout) + o.stderr), nil
}

// Behaviour is what this runtime's runsc does where runsc lines differ.
func (r *Runtime) Behaviour() Behaviour { return r.behaviour }

// closedErr is ErrClosed (wrapped with ErrUnavailable) once Close has begun: the
// binary and the state directory are released then, and runsc cannot run.
func (r *Runtime) closedErr() error {
	if st := r.m.Current(); st == fsm.Closing || st == fsm.Closed {
		return r.availableErr()
	}
	return nil
}

// reapOwn waits up to d (or until ctx ends) until every process of the runtime's
// sandboxes has gone and, if it came to us, been reaped, noting the descendants of
// those still there as it goes; it returns those left.
func (r *Runtime) reapOwn(ctx context.Context, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		r.reaper.noteDescendants()
		r.reaper.reapStrays()
		left := r.reaper.ownLeft()
		if len(left) == 0 || ctx.Err() != nil || time.Now().After(deadline) {
			return left
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sweepRoot force-deletes whatever runsc still lists under the runtime's private root.
func (r *Runtime) sweepRoot(ctx context.Context) {
	r.reaper.adoptOrphans(r.root)
	if o, err := r.execRunsc(ctx, call{sub: "list", args: []string{"--format", "json"}}); err == nil && o.exit == 0 {
		var left []ContainerState
		if json.Unmarshal(o.stdout, &left) == nil {
			for _, s := range left {
				r.execRunsc(ctx, call{sub: "delete", id: s.ID, args: []string{"--force", s.ID}})
			}
		}
	}
	r.reaper.adoptOrphans(r.root)
}

// Close force-deletes every container the runtime still owns, stops its waiters, removes
// its private state directory and releases the binary. Afterwards `runsc list` on its
// root is empty and none of its runsc processes remain. Closing a closed runtime does
// nothing and returns nil; a Close while another is in progress returns ErrClosed.
func (r *Runtime) Close(ctx context.Context) error {
	r.life.Lock()
	if _, _, err := r.m.Fire(ctx, fsm.EventClose); err != nil {
		st := r.m.Current()
		r.tr.add(steptrace.Step{Op: string(fsm.EventClose), From: st, To: st, Result: steptrace.Refused, Exit: -1, Error: err.Error()})
		r.life.Unlock()
		switch st {
		case fsm.Closed:
			return nil // closing twice is harmless, as for an os.File it is not
		case fsm.Closing:
			return ErrClosed
		}
		return err
	}
	r.tr.add(steptrace.Step{Op: string(fsm.EventClose), From: fsm.Available, To: fsm.Closing, Result: steptrace.OK, Exit: -1})
	r.life.Unlock()
	r.mu.Lock()
	cs := make([]*container, 0, len(r.containers))
	for _, c := range r.containers {
		cs = append(cs, c)
	}
	r.mu.Unlock()
	var errs []error
	for _, c := range cs {
		if err := r.forceCleanup(ctx, c, "Close"); err != nil {
			errs = append(errs, err)
		}
	}
	// Anything runsc still lists under our root is ours too. Note its processes while
	// they live, so that they can be reaped once the delete kills them.
	// A shared root (WithRoot) holds other runtimes' containers: only ours go.
	if r.cfg.sharedRoot == "" {
		r.sweepRoot(ctx)
	}
	r.cancel()
	if r.cfg.sharedRoot == "" {
		for _, pid := range processesUsingRoot(r.root) {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				waitDead(pid)
			}
		}
	}
	done := make(chan struct{})
	go func() { r.wg.Wait(); r.reaper.wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("close %q: waiting for runsc processes: %w", r.work, ctx.Err()))
	}
	// Platform stubs die with their sandbox, a moment after it, and reach us only once
	// their parents have gone: wait until every process of the runtime's sandboxes is
	// gone and reaped, noting the descendants of those still there as we go.
	if left := r.reapOwn(ctx, closeReapTimeout); len(left) > 0 {
		errs = append(errs, fmt.Errorf("close %q: processes of its sandboxes not gone: %v", r.work, left))
	}
	if err := removeTree(r.work); err != nil {
		errs = append(errs, err)
	}
	r.bin.Close()
	r.runtimeStep(ctx, fsm.EventCloseDone, -1, errors.Join(errs...), "")
	return errors.Join(errs...)
}
