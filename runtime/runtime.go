package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/forkevents"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
)

// Network is runsc's --network mode.
type Network string

// Network modes. The zero value means NetworkNone.
const (
	NetworkNone    Network = "none"    // no network inside the sandbox (the default)
	NetworkSandbox Network = "sandbox" // gVisor's netstack; needs a network namespace
	NetworkHost    Network = "host"    // the host's network stack, passed through
)

// Platforms are the gVisor platforms ProbePlatforms tries, in order.
var Platforms = []string{"systrap", "kvm", "ptrace"}

type config struct {
	platform      string
	network       Network
	rootless      bool
	ignoreCgroups bool
	debugLogDir   string
	stateDir      string
	trace         io.Writer
	logger        *slog.Logger
	probeTimeout  time.Duration
	noOverlay     bool
	createGrace   time.Duration // how long a cancelled create may run on (tests shorten it)
	sandboxProbe  bool
	subreaper     bool
}

// Option configures New and NewWithPath.
type Option func(*config)

// WithPlatform selects the gVisor platform (--platform). A platform requested this way
// that cannot start a sandbox makes New fail; it is never silently replaced. The
// default is runsc's own default.
func WithPlatform(p string) Option { return func(c *config) { c.platform = p } }

// WithNetwork selects --network (default NetworkNone).
func WithNetwork(n Network) Option { return func(c *config) { c.network = n } }

// WithRootless passes --rootless.
func WithRootless() Option { return func(c *config) { c.rootless = true } }

// WithIgnoreCgroups passes --ignore-cgroups.
func WithIgnoreCgroups() Option { return func(c *config) { c.ignoreCgroups = true } }

// WithDebugLog passes --debug and --debug-log dir/ (runsc writes one file per command).
func WithDebugLog(dir string) Option { return func(c *config) { c.debugLogDir = dir } }

// WithStateDir sets the directory under which the runtime makes its private state
// directory (runsc's --root, logs, stdio files). Default: os.TempDir().
func WithStateDir(dir string) Option { return func(c *config) { c.stateDir = dir } }

// WithTrace writes every step as one JSON line to w (the package's trace format).
func WithTrace(w io.Writer) Option { return func(c *config) { c.trace = w } }

// WithLogger logs every step to l.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithProbeTimeout bounds each platform probe (default 10s; kvm can hang forever).
func WithProbeTimeout(d time.Duration) Option { return func(c *config) { c.probeTimeout = d } }

// WithoutOverlay lets the sandbox write to the bundle's root filesystem. By default
// runsc keeps every write (including the mount points it would create in the rootfs)
// in memory, so a caller's bundle is never modified.
func WithoutOverlay() Option { return func(c *config) { c.noOverlay = true } }

// WithoutSandboxProbe makes New check only the version, not that a sandbox starts.
func WithoutSandboxProbe() Option { return func(c *config) { c.sandboxProbe = false } }

// WithoutSubreaper stops New from making the process a child subreaper, a process-wide
// and permanent change (see the package doc: orphans of the whole program are then
// reparented to it). Without it, a workload that exits before `runsc wait` attaches has
// an unknown exit status, because runsc only reports the status to the sandbox's parent.
func WithoutSubreaper() Option { return func(c *config) { c.subreaper = false } }

// Runtime drives one runsc binary. Its own lifecycle (Resolve, Probe, Close) and every
// container's follow the package fsm machines: a step the lifecycle does not permit is
// refused before runsc runs. Safe for concurrent use; calls on one container are
// serialized.
type Runtime struct {
	cfg     config
	bin     *Binary
	version Version
	m       *fsm.Machine
	tr      *tracer

	work string // private 0700 directory: root/, log/, io/
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

	// Lock order: life, then a container's mu, then mu, then pidMu.
	mu         sync.Mutex
	containers map[string]*container
	byPid      map[int]*container // sandbox pid -> container, for the reaper
	reaped     map[int]bool       // pids already being reaped

	own *ownSet // the processes of this runtime's sandboxes, for its reaper

	forkEventsOnce sync.Once // says once that fork events are unavailable (listenForks)
}

// New resolves runsc (ResolvePath), validates and holds it, checks its version and that
// a sandbox starts, and returns an Available runtime.
func New(ctx context.Context, opts ...Option) (*Runtime, error) {
	r := newRuntime(opts)
	b, err := resolve(TrustedLocations, os.Geteuid() != 0)
	return r.init(ctx, b, err)
}

// NewWithPath is New with a pre-resolved runsc path, which is validated again (it may
// have changed since it was resolved).
func NewWithPath(ctx context.Context, path string, opts ...Option) (*Runtime, error) {
	r := newRuntime(opts)
	b, err := OpenBinary(path)
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
		reaped:     map[int]bool{},
		own:        newOwnSet(),
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r
}

// runtimeStep fires e on the runtime machine and records it.
func (r *Runtime) runtimeStep(ctx context.Context, e fsm.Event, exit int, err error, note string) {
	from, to, ferr := r.m.Fire(ctx, e)
	s := Step{Op: string(e), From: string(from), To: string(to), Result: ResultOK, Exit: exit, Note: note}
	if err != nil {
		s.Error = err.Error()
	}
	if ferr != nil {
		s.Result, s.Error = ResultRefused, ferr.Error()
	}
	r.tr.add(s)
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
			os.RemoveAll(r.work)
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
	if r.cfg.subreaper {
		// Sandboxes outlive `runsc create`; as their reaper we learn their exit status,
		// which is the workload's (see WithoutSubreaper).
		if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); e != 0 {
			r.cfg.subreaper = false
		}
	}
	if r.cfg.sandboxProbe {
		if err := r.probe(ctx, r.cfg.platform); err != nil {
			return fail(-1, err, "sandbox probe")
		}
	}
	r.runtimeStep(ctx, fsm.EventProbe, 0, nil, v.String())
	return r, nil
}

// makeWorkDir creates the private state directory: 0700, owned by us, no symlinks.
func (r *Runtime) makeWorkDir() error {
	parent := r.cfg.stateDir
	if parent == "" {
		parent = os.TempDir()
	}
	parent, err := filepath.Abs(parent)
	if err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(parent); err == nil {
		parent = real
	}
	w, err := os.MkdirTemp(parent, "gvisorfsm-")
	if err != nil {
		return fmt.Errorf("runtime state directory: %w", err)
	}
	r.work = w
	for _, d := range []string{"root", "log", "io"} {
		if err := os.Mkdir(filepath.Join(w, d), 0o700); err != nil {
			return fmt.Errorf("runtime state directory: %w", err)
		}
	}
	r.root = filepath.Join(w, "root")
	for _, d := range []string{w, r.root} {
		fi, err := os.Lstat(d)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if !fi.IsDir() || fi.Mode().Perm() != 0o700 || int(st.Uid) != os.Geteuid() {
			return &TrustError{Path: d, Reason: fmt.Sprintf("state directory is not a 0700 directory owned by uid %d", os.Geteuid())}
		}
	}
	return nil
}

// StateDir is the runtime's private directory; runsc's --root is StateDir()/root.
func (r *Runtime) StateDir() string { return r.work }

// Root is the private --root passed to every runsc call.
func (r *Runtime) Root() string { return r.root }

// Binary is the validated runsc the runtime executes.
func (r *Runtime) Binary() *Binary { return r.bin }

// closeReapTimeout bounds how long Close waits for the processes of its sandboxes to
// die and be reaped once it has killed them (they die within milliseconds).
const closeReapTimeout = 10 * time.Second

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER (not in package syscall).
const prSetChildSubreaper = 36

// Lifecycle is the runtime's lifecycle state.
func (r *Runtime) Lifecycle() fsm.State { return r.m.Current() }

// IsAvailable reports whether the runtime can start containers (state Available).
func (r *Runtime) IsAvailable() bool { return r.m.Current() == fsm.Available }

// RunscCalls is how many runsc processes the runtime has started so far: every
// subcommand, the version and sandbox probes, the waiters Start arms and the
// force-deletes of cleanups and Close included.
func (r *Runtime) RunscCalls() int { return int(r.started.Load()) }

// Trace returns a copy of every step recorded so far.
func (r *Runtime) Trace() []Step { return r.tr.all() }

// Version runs `runsc --version` and parses it.
func (r *Runtime) Version(ctx context.Context) (Version, error) {
	v, exit, err := r.versionCall(ctx)
	s := Step{Op: "Version", From: string(r.m.Current()), To: string(r.m.Current()), Result: ResultOK, Exit: exit, Note: v.String()}
	if err != nil {
		s.Result, s.Error, s.Note = ResultFailed, err.Error(), ""
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

// call is one runsc invocation.
type call struct {
	sub       string   // subcommand
	id        string   // container ID (for errors)
	args      []string // after the subcommand
	root      string   // --root override (probes); default r.root
	platform  *string  // --platform override (probes)
	noGlobals bool     // `runsc --version` takes none
	// grace, if set, lets runsc run on for up to this long after ctx ends instead of
	// being killed at once: a create killed half way leaves forks and sandboxes that no
	// ID names, while one that completes can simply be force-deleted.
	grace time.Duration
	// watch has the processes runsc starts noted (r.own) by polling /proc while the
	// command runs, where fork events are not available: `runsc run`'s sandbox and
	// platform stubs exist only during the call, and the stubs are reparented to us
	// when the sandbox exits. Where fork events are available, every command's
	// descendants are noted from them: a process runsc leaves that exits before
	// adoptOrphans sees it alive (a helper holding its stdio) is otherwise a zombie
	// that no command line names.
	watch bool
	// stdio for runsc; nil means private files. The sandbox started by create/run
	// inherits these, so they are files, never pipes.
	stdin, stdout, stderr *os.File
}

type outcome struct {
	sub    string
	args   []string
	exit   int            // -1 when killed (context) or not started
	stdout []byte         // only when stdout was private
	stderr string         // only when stderr was private
	logMsg string         // last error-level message of --log JSON
	killed bool           // killed because ctx ended
	signal syscall.Signal // the signal that ended runsc, if one did (from ctx or not)
	ctxErr error
	note   string // for the trace
	// resumed: a force-delete resumed the paused container before deleting it
	// (runscDelete), and the resume took effect.
	resumed bool
}

// failure builds the *RunscError for a failed call.
func (o outcome) failure(sub, id string) error {
	msg := o.logMsg
	if msg == "" {
		msg = lastLine(o.stderr)
	}
	if o.killed && o.ctxErr != nil {
		msg = "killed: " + o.ctxErr.Error()
	} else if o.signal != 0 {
		msg = fmt.Sprintf("killed by signal %d (%v), not by its context", int(o.signal), o.signal)
	}
	return &RunscError{Op: sub, ID: id, Args: o.args, ExitCode: o.exit, Signal: o.signal, Msg: msg, Err: o.ctxErr}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (r *Runtime) globals(c call, logPath string) []string {
	root := r.root
	if c.root != "" {
		root = c.root
	}
	g := []string{"--root", root, "--log", logPath, "--log-format", "json"}
	platform := r.cfg.platform
	if c.platform != nil {
		platform = *c.platform
	}
	if platform != "" {
		g = append(g, "--platform="+platform)
	}
	g = append(g, "--network="+string(r.cfg.network))
	if r.cfg.rootless {
		g = append(g, "--rootless")
	}
	if r.cfg.ignoreCgroups {
		g = append(g, "--ignore-cgroups")
	}
	if !r.cfg.noOverlay {
		g = append(g, overlayFlag(r.version))
	}
	if r.cfg.debugLogDir != "" {
		g = append(g, "--debug", "--debug-log", strings.TrimRight(r.cfg.debugLogDir, "/")+"/")
	}
	return g
}

// overlayFlag is the flag that keeps root filesystem writes inside the sandbox: runsc
// releases before 2023 know --overlay, later ones --overlay2.
func overlayFlag(v Version) string {
	if d, ok := strings.CutPrefix(v.Release, "0.0~"); ok && d < "2023" {
		return "--overlay"
	}
	if d, ok := strings.CutPrefix(v.Release, "release-"); ok && d < "2023" {
		return "--overlay"
	}
	return "--overlay2=root:memory"
}

// execRunsc runs one runsc command: global flags first, sanitized environment, stdio on
// files. A non-zero exit is not an error here (callers classify it); the error is for
// failing to run runsc at all.
func (r *Runtime) execRunsc(ctx context.Context, c call) (outcome, error) {
	n := r.seq.Add(1)
	base := filepath.Join(r.work, "io", strconv.FormatInt(n, 10))
	logPath := filepath.Join(r.work, "log", strconv.FormatInt(n, 10)+".json")
	var args []string
	if !c.noGlobals {
		args = r.globals(c, logPath)
	}
	args = append(args, c.sub)
	args = append(args, c.args...)
	o := outcome{sub: c.sub, args: args, exit: -1}
	cmd := r.bin.command(ctx, args...)
	cmd.WaitDelay = 2 * time.Second
	if c.grace > 0 {
		// Let it finish rather than kill it half way (see call.grace); killed only if
		// it is still running grace after the context ended.
		cmd.Cancel = func() error { return nil }
		cmd.WaitDelay = c.grace
	}
	var outF, errF *os.File
	var err error
	open := func(p string) (*os.File, error) {
		return os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	}
	if c.stdin != nil {
		cmd.Stdin = c.stdin
	}
	if c.stdout != nil {
		cmd.Stdout = c.stdout
	} else {
		if outF, err = open(base + ".out"); err != nil {
			return o, err
		}
		defer os.Remove(outF.Name())
		defer outF.Close()
		cmd.Stdout = outF
	}
	if c.stderr != nil {
		cmd.Stderr = c.stderr
	} else {
		if errF, err = open(base + ".err"); err != nil {
			return o, err
		}
		defer os.Remove(errF.Name())
		defer errF.Close()
		cmd.Stderr = errF
	}
	defer os.Remove(logPath)
	// Before the start: the command's first forks must not be missed.
	forks := r.listenForks()
	// While it runs it is os/exec's to wait for: no reaper may wait4 it. It is
	// recorded under pidMu in the same critical section as its start, so no adoption
	// can see the new pid before it is excluded.
	pidMu.Lock()
	runErr := cmd.Start()
	if runErr == nil {
		inFlight[cmd.Process.Pid] = true
		r.started.Add(1)
	}
	pidMu.Unlock()
	if runErr != nil && forks != nil {
		forks.Stop()
	}
	if runErr == nil {
		stop := func() {}
		if c.watch || forks != nil {
			stop = r.watchDescendants(cmd.Process.Pid, forks)
		}
		runErr = cmd.Wait()
		stop()
		pidMu.Lock()
		delete(inFlight, cmd.Process.Pid)
		pidMu.Unlock()
	}
	if cmd.ProcessState != nil {
		o.exit = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			o.signal = ws.Signal()
		}
	}
	if runErr != nil && cmd.ProcessState == nil {
		if c.id != "" {
			return o, fmt.Errorf("runsc %s %s: %w", c.sub, c.id, runErr)
		}
		return o, fmt.Errorf("runsc %s (root %s): %w", c.sub, r.root, runErr)
	}
	if ctx.Err() != nil && o.exit == -1 {
		o.killed, o.ctxErr = true, ctx.Err()
	}
	if outF != nil {
		o.stdout, _ = os.ReadFile(outF.Name())
	}
	if errF != nil {
		b, _ := os.ReadFile(errF.Name())
		o.stderr = string(b)
	}
	o.logMsg = lastLogError(logPath)
	return o, nil
}

// lastLogError returns the last error-level message of a runsc --log-format json file.
func lastLogError(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	msg := ""
	// runsc writes objects back to back, not always newline-separated.
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var e struct{ Msg, Level string }
		if err := dec.Decode(&e); err != nil {
			break
		}
		if e.Level == "error" || e.Level == "fatal" {
			msg = e.Msg
		}
	}
	return msg
}

// PlatformStatus is one platform's probe result.
type PlatformStatus struct {
	Platform string // "systrap", "kvm" or "ptrace"
	Works    bool   // a throwaway sandbox ran /bin/true on it
	Err      error  // why it does not work (a *PlatformError)
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
	r.tr.add(Step{Op: "ProbePlatforms", From: string(st), To: string(st), Result: ResultOK, Exit: -1,
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
	dir, err := os.MkdirTemp(r.work, "probe-")
	if err != nil {
		return perr("probe directory", err)
	}
	defer os.RemoveAll(dir)
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
	id := "probe-" + name + "-" + strconv.FormatInt(r.seq.Add(1), 10)
	pctx, cancel := context.WithTimeout(ctx, r.cfg.probeTimeout)
	defer cancel()
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return perr("open /dev/null", err)
	}
	defer devnull.Close()
	o, err := r.execRunsc(pctx, call{sub: "run", id: id, args: []string{"--bundle", bdir, id}, root: root, platform: &p, watch: true,
		stdin: devnull, stdout: devnull})
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
	default:
		return perr("sandbox did not run", o.failure("run", id))
	}
}

// cleanupRoot force-deletes id in a private root and kills any process still naming that
// root (a sandbox whose runsc was killed before it recorded state).
func (r *Runtime) cleanupRoot(root, id string, platform *string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.adoptOrphans(root)
	r.adoptRecorded(root, id)
	r.execRunsc(ctx, call{sub: "delete", id: id, args: []string{"--force", id}, root: root, platform: platform})
	for _, pid := range processesUsingRoot(root) {
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			waitDead(pid)
		}
	}
}

// processesUsingRoot lists processes whose command line passes --root root: only runsc
// processes started for that (private) root do.
func processesUsingRoot(root string) []int {
	return slices.Sorted(maps.Keys(commandsUsingRoot(root)))
}

// commandsUsingRoot is processesUsingRoot with each process's command line.
func commandsUsingRoot(root string) map[int][]string {
	out := map[int][]string{}
	for _, pid := range procfs.Pids() {
		if args := procfs.Cmdline(pid); usesRoot(args, root) {
			out[pid] = args
		}
	}
	return out
}

// usesRoot reports whether the command line args passes --root root.
func usesRoot(args []string, root string) bool {
	for i, a := range args {
		if a == "--root="+root || a == "-root="+root || ((a == "--root" || a == "-root") && i+1 < len(args) && args[i+1] == root) {
			return true
		}
	}
	return false
}

// ppidOf is a process's parent pid (-1 once it has gone).
func ppidOf(pid int) int {
	st, ok := procfs.ReadStat(pid)
	if !ok {
		return -1
	}
	return st.PPid
}

// prGetChildSubreaper is prctl's PR_GET_CHILD_SUBREAPER.
const prGetChildSubreaper = 37

// reaping reports whether orphans are reparented to this process. It asks the kernel
// rather than the options: another Runtime in the process may have set it, and then
// this one's orphans are ours to reap too.
func reaping() bool {
	var v int32
	_, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prGetChildSubreaper, uintptr(unsafe.Pointer(&v)), 0)
	return e == 0 && v != 0
}

// adoptOrphans starts reaping every live child of ours that runsc left for root
// (sandbox and gofer processes reparented to us as subreaper), so none stays a zombie,
// and notes every process of root as the runtime's (r.own) so that reapStrays may reap it once
// it has died. Call it while they live: a zombie's command line is empty and cannot be
// matched. Only our descendants are read: as subreaper we are the ancestor of every
// process runsc starts for us, and reading one host-wide snapshot of parents beats
// reading every process's command line.
func (r *Runtime) adoptOrphans(root string) {
	if !reaping() {
		return
	}
	all := procfs.All()
	for _, pid := range procfs.Descendants(all, os.Getpid()) {
		args := procfs.Cmdline(pid)
		if !usesRoot(args, root) {
			continue
		}
		if args[0] == "runsc" || strings.HasSuffix(args[0], "/runsc") || isInFlight(pid) {
			// A runsc command, not one of the processes it leaves behind: ours are
			// waited for by os/exec, and one the program ran itself is its own.
			// The name test is no guard (argv0 can be a path or /proc/self/fd/N); adoptPid
			// checks inFlight again under the lock that claims the pid.
			continue
		}
		r.own.add(pid, all[pid])
		r.adoptPid(pid)
	}
	r.noteDescendantsIn(all)
	r.reapStraysIn(all)
}

// recordedPids returns the sandbox and gofer pids runsc recorded for container id in
// its state file under root (`<sandbox>_sandbox:<id>.state`). They are ours beyond
// doubt even once they are zombies, whose command lines can no longer be matched.
func recordedPids(root, id string) []int {
	files, _ := filepath.Glob(filepath.Join(root, "*_sandbox:"+id+".state"))
	var pids []int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var st struct {
			ID       string `json:"id"`
			GoferPid int    `json:"goferPid"`
			Sandbox  *struct {
				Pid int `json:"pid"`
			} `json:"sandbox"`
		}
		if json.Unmarshal(data, &st) != nil || st.ID != id {
			continue
		}
		if st.Sandbox != nil && st.Sandbox.Pid > 0 {
			pids = append(pids, st.Sandbox.Pid)
		}
		if st.GoferPid > 0 {
			pids = append(pids, st.GoferPid)
		}
	}
	return pids
}

// adoptRecorded starts reaping the processes runsc recorded for id under root that are
// children of ours (live or zombie).
func (r *Runtime) adoptRecorded(root, id string) {
	if !reaping() {
		return
	}
	for _, pid := range recordedPids(root, id) {
		r.own.note(pid)
		r.adoptPid(pid)
	}
}

// The process-wide reaper registry: adoptedPids, pidMu and inFlight, and nothing else.
// Being a child subreaper and calling wait4 are properties of the whole process, not of
// a Runtime: whichever goroutine waits for a pid takes its exit status from everyone
// else (os/exec included), and orphans of every Runtime's sandboxes arrive at the same
// process. So the two facts every Runtime must respect are kept once per process: which
// pids are runsc commands os/exec is waiting for (never reaped), and which pids some
// Runtime already has a reaper for (never reaped twice). Which processes belong to a
// runtime's sandboxes is the Runtime's own bookkeeping (Runtime.own).

// adoptedPids holds every pid some Runtime in this process is reaping, so runtimes
// do not take each other's sandboxes' exit statuses (reapStrays) or reap one pid twice.
var adoptedPids sync.Map // pid -> *Runtime

// pidMu guards inFlight and every claim of a pid by a reaper (adoptPid, reapStrays):
// a pid is claimed, and wait4 called on it, only after checking under pidMu that it is
// not in flight. Lock order: Runtime.mu before pidMu.
var pidMu sync.Mutex

// inFlight holds the pids of runsc commands started by any Runtime in this process and
// not yet waited for by os/exec. Their argv0 may be a path or /proc/self/fd/N, so no
// command-line test tells them apart from the processes runsc leaves behind; reaping
// one would steal its exit status from os/exec.
var inFlight = map[int]bool{} // guarded by pidMu

// isInFlight reports whether pid is a runsc command os/exec is waiting for.
func isInFlight(pid int) bool {
	pidMu.Lock()
	defer pidMu.Unlock()
	return inFlight[pid]
}

// ownSet holds the processes proven to be runsc's for one Runtime: seen alive with
// its --root on their command line, recorded by runsc in a state file under it, or
// descended from those (noteDescendants, watchDescendants). Only these are ever reaped
// without being adopted, and Close waits until none is left. Each pid is kept with its
// start time, so that a pid reused by someone else's process is not taken.
//
// sessions holds the session IDs of session leaders among them: the sandbox, and the
// ptrace platform's stub processes, which the sandbox forks, which call setsid and fork
// further stubs, and whose command lines read empty. A process whose session is one of
// these descends from a runsc process of the runtime. The kernel does not reuse a pid
// while a session still bears it; an entry is dropped once its session is empty.
type ownSet struct {
	mu       sync.Mutex
	pids     map[int]uint64 // pid -> start time (clock ticks since boot)
	sessions map[int]bool
}

func newOwnSet() *ownSet { return &ownSet{pids: map[int]uint64{}, sessions: map[int]bool{}} }

// note records pid as the runtime's, if it exists.
func (o *ownSet) note(pid int) {
	if st, ok := procfs.ReadStat(pid); ok {
		o.add(pid, st)
	}
}

func (o *ownSet) add(pid int, st procfs.Stat) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pids[pid] = st.Start
	if st.Session == pid {
		o.sessions[pid] = true
	}
}

// has reports whether pid, whose stat is st, is the runtime's (same process).
func (o *ownSet) has(pid int, st procfs.Stat) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	start, ok := o.pids[pid]
	return ok && start == st.Start
}

// inSession reports whether sid is the session of one of the runtime's processes.
func (o *ownSet) inSession(sid int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sessions[sid]
}

// claims reports whether the process pid (stat st) is the runtime's: its own, or in
// one of its sessions.
func (o *ownSet) claims(pid int, st procfs.Stat) bool {
	return o.has(pid, st) || o.inSession(st.Session)
}

func (o *ownSet) forget(pid int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.pids, pid)
}

// prune drops pids that are gone (or now name another process) and sessions that no
// process bears any more. live is a snapshot of every process on the host (pid ->
// stat); a pid noted after it was taken is absent from it, so absence is confirmed by
// reading the process again.
func (o *ownSet) prune(live map[int]procfs.Stat) {
	o.mu.Lock()
	defer o.mu.Unlock()
	sessions := map[int]bool{}
	for _, st := range live {
		sessions[st.Session] = true
	}
	for pid, start := range o.pids {
		st, ok := live[pid]
		if !ok {
			st, ok = procfs.ReadStat(pid)
		}
		if !ok || st.Start != start {
			delete(o.pids, pid)
		}
	}
	for sid := range o.sessions {
		if _, leader := o.pids[sid]; !sessions[sid] && !leader {
			delete(o.sessions, sid)
		}
	}
}

// listenForks subscribes to the kernel's fork events for watchDescendants, or
// returns nil where they are not ours to read (not root, or no connector), and then
// watchDescendants polls /proc instead.
func (r *Runtime) listenForks() *forkevents.Watch {
	if !reaping() {
		return nil
	}
	w, err := forkevents.Listen()
	if err != nil {
		r.forkEventsOnce.Do(func() {
			if r.cfg.logger == nil {
				return
			}
			r.cfg.logger.Debug("fork events unavailable; polling /proc for runsc's processes", "err", err)
		})
		return nil
	}
	return w
}

// watchDescendants notes the descendants of our runsc command pid as the runtime's
// (r.own) until the returned stop is called; stop returns once every descendant
// forked before it was called has been noted. forks, a subscription taken before pid
// started (listenForks), reports each descendant as it is forked, however briefly it
// lives; when it overruns, noteDescendants looks for those still alive.
//
// Without forks, /proc is polled. A tick reads only the children lists of the
// processes found so far, but those of every thread of each, which for runsc's
// many-threaded processes is a hundred reads: ticking every 2ms cost a Run about as
// much CPU as the sandbox itself. The ticks therefore start 2ms apart and slow down
// to watchMaxTick. What must be seen alive is long-lived — the sandbox, the gofer and
// the platform's first stub live as long as the sandbox, and later stubs join that
// stub's session (which noting it covers) — so the slower ticks still see it.
func (r *Runtime) watchDescendants(pid int, forks *forkevents.Watch) (stop func()) {
	if forks != nil {
		var mu sync.Mutex
		var found []int
		forks.Follow(pid, func(p int) {
			r.own.note(p)
			mu.Lock()
			found = append(found, p)
			mu.Unlock()
		}, r.noteDescendants)
		return func() {
			forks.Stop()
			// A process is noted at its fork, before it can call setsid: note again
			// those that have since, so that their sessions (and the platform stubs
			// that later join them) are the runtime's.
			mu.Lock()
			defer mu.Unlock()
			for _, p := range found {
				r.own.note(p)
			}
		}
	}
	if !reaping() {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		known := []int{pid}
		seen := map[int]bool{pid: true}
		tick := 2 * time.Millisecond
		t := time.NewTimer(tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			tick = min(2*tick, watchMaxTick)
			t.Reset(tick)
			live := known[:0]
			for _, p := range known {
				kids, ok := procfs.Children(p)
				if !ok {
					continue
				}
				live = append(live, p)
				for _, c := range kids {
					if !seen[c] {
						r.own.note(c)
						seen[c] = true
						live = append(live, c)
					}
				}
			}
			known = live
		}
	}()
	return func() { close(done); <-finished }
}

// watchMaxTick is the slowest tick of watchDescendants. A workload that fails at once
// (a missing binary) takes its sandbox and the platform's first stub with it within
// tens of milliseconds; 50ms ticks could miss that stub, which then stayed a zombie.
const watchMaxTick = 20 * time.Millisecond

// noteDescendants notes as the runtime's (r.own) every process whose parent or
// session is already the runtime's: the sandbox's children (ptrace stubs, helpers)
// while they live.
func (r *Runtime) noteDescendants() { r.noteDescendantsIn(procfs.All()) }

// noteDescendantsIn is noteDescendants on a snapshot of every process (procfs.All).
func (r *Runtime) noteDescendantsIn(all map[int]procfs.Stat) {
	for changed := true; changed; {
		changed = false
		for pid, st := range all {
			if r.own.has(pid, st) {
				if st.Session == pid && !r.own.inSession(pid) {
					r.own.add(pid, st) // noted before it called setsid
					changed = true
				}
				continue
			}
			if r.own.inSession(st.Session) || (st.PPid > 0 && r.own.has(st.PPid, all[st.PPid])) {
				r.own.add(pid, st)
				changed = true
			}
		}
	}
}

// reapStrays reaps zombie children that are proven to be the runtime's (r.own):
// helpers, platform stubs and sandboxes that runsc left to us as subreaper and that
// died before a reaper was started for them. Anything else — an embedding program's
// own children, whatever their names, and other runtimes' processes — is left for its
// owner to wait for.
func (r *Runtime) reapStrays() {
	if reaping() {
		r.reapStraysIn(procfs.All())
	}
}

// reapStraysIn is reapStrays on a snapshot of every process (procfs.All); it drops
// the processes it reaps from all.
func (r *Runtime) reapStraysIn(all map[int]procfs.Stat) {
	if !reaping() {
		return
	}
	for _, pid := range procfs.Zombies(all, os.Getpid()) {
		if !r.own.claims(pid, all[pid]) {
			continue
		}
		pidMu.Lock()
		if inFlight[pid] {
			pidMu.Unlock()
			continue // os/exec waits for it
		}
		if _, adopted := adoptedPids.Load(pid); adopted {
			pidMu.Unlock()
			continue // its reaper (this runtime's or another's) reports it
		}
		var ws syscall.WaitStatus
		wpid, _ := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		pidMu.Unlock()
		if wpid == pid {
			delete(all, pid)
		}
	}
	r.own.prune(all)
}

// ownLeft lists the runtime's processes (r.own, its sessions included) that still
// exist, alive or zombie, whoever their parent is now: a platform stub whose sandbox
// died is reparented to us only when its own parent has gone, a moment later.
func (r *Runtime) ownLeft() []int {
	var left []int
	for pid, st := range procfs.All() {
		if r.own.claims(pid, st) && !isInFlight(pid) {
			left = append(left, pid)
		}
	}
	slices.Sort(left)
	return left
}

// adoptPid starts reaping pid, a runsc sandbox or gofer, if it is our child (zombie or not).
func (r *Runtime) adoptPid(pid int) {
	if pid <= 0 || ppidOf(pid) != os.Getpid() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	pidMu.Lock()
	defer pidMu.Unlock()
	if inFlight[pid] {
		return // a runsc command of ours: os/exec waits for it
	}
	if _, loaded := adoptedPids.LoadOrStore(pid, r); loaded {
		return
	}
	r.reaped[pid] = true
	r.wg.Add(1)
	go r.reap(pid)
}

// reap waits for one adopted process and, if it was a container's sandbox, reports the
// exit status. pid stays marked as being reaped until the report is made, so the
// `runsc wait` waiter knows to leave the report to it.
func (r *Runtime) reap(pid int) {
	defer r.wg.Done()
	defer func() {
		r.mu.Lock()
		delete(r.reaped, pid)
		r.mu.Unlock()
		adoptedPids.Delete(pid)
		r.own.forget(pid)
	}()
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return
		}
		break
	}
	r.mu.Lock()
	c := r.byPid[pid]
	delete(r.byPid, pid)
	r.mu.Unlock()
	if c == nil {
		return
	}
	if ws.Signaled() {
		// Killed from outside (or by a force-delete): the workload's status is lost.
		c.sandboxGone(r, fmt.Sprintf("sandbox pid %d killed by signal %d", pid, ws.Signal()))
		return
	}
	c.exited(r, ws.ExitStatus(), fmt.Sprintf("sandbox pid %d exit status (reaped)", pid))
}

// Close force-deletes every container the runtime still owns, stops its waiters, removes
// its private state directory and releases the binary. Afterwards `runsc list` on its
// root is empty and none of its runsc processes remain.
func (r *Runtime) Close(ctx context.Context) error {
	r.life.Lock()
	if _, _, err := r.m.Fire(ctx, fsm.EventClose); err != nil {
		st := r.m.Current()
		r.tr.add(Step{Op: string(fsm.EventClose), From: string(st), To: string(st), Result: ResultRefused, Exit: -1, Error: err.Error()})
		r.life.Unlock()
		if st == fsm.Closed || st == fsm.Closing {
			return ErrClosed
		}
		return err
	}
	r.tr.add(Step{Op: string(fsm.EventClose), From: string(fsm.Available), To: string(fsm.Closing), Result: ResultOK, Exit: -1})
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
	r.adoptOrphans(r.root)
	if o, err := r.execRunsc(ctx, call{sub: "list", args: []string{"--format", "json"}}); err == nil && o.exit == 0 {
		var left []ContainerState
		if json.Unmarshal(o.stdout, &left) == nil {
			for _, s := range left {
				r.execRunsc(ctx, call{sub: "delete", id: s.ID, args: []string{"--force", s.ID}})
			}
		}
	}
	r.adoptOrphans(r.root)
	r.cancel()
	for _, pid := range processesUsingRoot(r.root) {
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			waitDead(pid)
		}
	}
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("close %s: waiting for runsc processes: %w", r.work, ctx.Err()))
	}
	// Platform stubs die with their sandbox, a moment after it, and reach us only once
	// their parents have gone: wait until every process of the runtime's sandboxes is
	// gone and reaped, noting the descendants of those still there as we go.
	deadline := time.Now().Add(closeReapTimeout)
	for {
		r.noteDescendants()
		r.reapStrays()
		left := r.ownLeft()
		if len(left) == 0 {
			break
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			errs = append(errs, fmt.Errorf("close %s: processes of its sandboxes not gone: %v", r.work, left))
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := os.RemoveAll(r.work); err != nil {
		errs = append(errs, err)
	}
	r.bin.Close()
	r.runtimeStep(ctx, fsm.EventCloseDone, -1, errors.Join(errs...), "")
	return errors.Join(errs...)
}
