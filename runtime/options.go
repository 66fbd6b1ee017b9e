package runtime

import (
	"io"
	"log/slog"
	"time"
)

// Network is runsc's --network mode.
type Network string

// Network modes. The zero value means NetworkNone.
const (
	NetworkNone    Network = "none"    // no network inside the sandbox (the default)
	NetworkSandbox Network = "sandbox" // gVisor's netstack; needs a network namespace
	NetworkHost    Network = "host"    // the host's network stack, passed through
)

// Platforms are the gVisor platforms ProbePlatforms tries, and New chooses from when
// no platform is named, in order of preference.
var Platforms = []string{"systrap", "kvm", "ptrace"}

type config struct {
	path          string
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
	sharedRoot    string // WithRoot
	subreaper     bool
}

// Option configures New and NewWithPath.
type Option func(*config)

// WithPlatform selects the gVisor platform (--platform). A platform requested this way
// that cannot start a sandbox makes New fail; it is never silently replaced. Without
// it, New uses the first of Platforms that starts a sandbox here (runsc's own default
// with WithoutSandboxProbe).
func WithPlatform(p string) Option { return func(c *config) { c.platform = p } }

// WithPath makes New use the runsc at path instead of ResolvePath's choice. It is
// validated as OpenBinary does.
func WithPath(path string) Option { return func(c *config) { c.path = path } }

// WithNetwork selects --network (default NetworkNone).
func WithNetwork(n Network) Option { return func(c *config) { c.network = n } }

// WithRootless passes --rootless.
func WithRootless() Option { return func(c *config) { c.rootless = true } }

// WithIgnoreCgroups passes --ignore-cgroups.
func WithIgnoreCgroups() Option { return func(c *config) { c.ignoreCgroups = true } }

// WithDebugLog passes --debug and --debug-log dir/ (runsc writes one file per command).
func WithDebugLog(dir string) Option { return func(c *config) { c.debugLogDir = dir } }

// WithStateDir makes dir the runtime's private state directory (StateDir: runsc's
// --root, logs, stdio files). New creates it (0700; its parent must exist), or takes it
// over, made 0700, if it is an empty directory of the caller's; Close removes it.
// Default: a fresh directory under os.TempDir(). Every directory above it must be safe
// as runsc's are (owned by root or the caller, not group/world-writable unless sticky),
// or New fails with a *TrustError. New also collects, beside it, what runtimes killed
// before their Close left behind.
func WithStateDir(dir string) Option { return func(c *config) { c.stateDir = dir } }

// WithRoot makes dir runsc's --root instead of StateDir()/root: a root that outlives
// the runtime and that other runtimes, in this process or others, share. It is what a
// front-end needs that runs one process per step (runc's command line): each process
// opens a runtime on the same root, Attaches the containers earlier processes
// created, and ends with Release, which leaves them to the next. New creates dir 0700
// if it is missing; it must be a 0700 directory of the caller's. Close then
// force-deletes only the containers this runtime holds, never the others under dir,
// and leaves dir in place.
func WithRoot(dir string) Option { return func(c *config) { c.sharedRoot = dir } }

// WithTrace writes every step to w as one line of NDJSON (package steptrace's format).
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
