package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gvisorfsm/gvisorfsm/runtime"
)

const doctorSynopsis = "doctor [flags]"

const doctorAbout = `Checks that this host can run gVisor sandboxes: runsc found at a trusted path, its
version, which platforms start a sandbox, root, cgroups. Exits 1 when nothing can run.`

// Row statuses of the doctor's table.
const (
	statusOK   = "ok"
	statusNo   = "no"   // a platform that does not work here; fine if another does
	statusWarn = "warn" // may stop sandboxes from running, or needs a flag
	statusFail = "FAIL"
	statusSkip = "-" // not checked: an earlier check failed
)

// check is one row of the doctor's table.
type check struct{ name, status, detail string }

// doctor is the doctor command.
func (c *cli) doctor(args []string) int {
	fs := newFlagSet("doctor")
	timeout := fs.Duration("probe-timeout", 5*time.Second, "how long each platform gets to start a sandbox (kvm hangs where nested virtualization is off)")
	verbose := fs.Bool("verbose", false, "log every step to stderr")
	fs.BoolVar(verbose, "v", false, "short for --verbose")
	err := parseFlags(fs, args)
	if err == nil && fs.NArg() > 0 {
		err = usagef("doctor takes no arguments")
	}
	if err == nil && *timeout <= 0 {
		err = usagef("--probe-timeout must be positive")
	}
	if status, ok := c.finishParse(err, doctorSynopsis, doctorAbout, fs); !ok {
		return status
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := []runtime.Option{runtime.WithoutSandboxProbe(), runtime.WithProbeTimeout(*timeout)}
	if l := c.logger(*verbose); l != nil {
		opts = append(opts, runtime.WithLogger(l))
	}
	checks, canRun := diagnose(ctx, opts)
	writeTable(c.stdout, checks)
	if !canRun {
		return exitFail
	}
	return exitOK
}

// diagnose runs every check in order. canRun is true when some platform starts a
// sandbox.
func diagnose(ctx context.Context, opts []runtime.Option) (checks []check, canRun bool) {
	add := func(name, status, detail string) { checks = append(checks, check{name, status, detail}) }
	working := runscChecks(ctx, opts, add)
	euid := os.Geteuid()
	if euid == 0 {
		add("root", statusOK, "running as uid 0")
	} else {
		add("root", statusWarn, fmt.Sprintf("running as uid %d: runsc needs root unless run rootless", euid))
	}
	cs, cd := cgroups()
	add("cgroups", cs, cd)
	if len(working) > 0 {
		add("verdict", statusOK, "sandboxes can run here (platforms: "+strings.Join(working, ", ")+")")
		return checks, true
	}
	why := "no sandbox can run here"
	if euid != 0 {
		why += "; try as root"
	}
	add("verdict", statusFail, why)
	return checks, false
}

// runscChecks adds the rows about runsc (found, trusted, version, one per platform) and
// returns the platforms that start a sandbox. A failed check skips the ones after it.
func runscChecks(ctx context.Context, opts []runtime.Option, add func(name, status, detail string)) []string {
	skip := func(names ...string) {
		for _, n := range names {
			add(n, statusSkip, "")
		}
	}
	path, err := runtime.ResolvePath()
	var te *runtime.TrustError
	switch {
	case errors.As(err, &te):
		add("runsc", statusOK, "found: "+candidate())
		add("trusted", statusFail, te.Error())
		skip("version", "platforms")
		return nil
	case err != nil:
		add("runsc", statusFail, err.Error())
		skip("trusted", "version", "platforms")
		return nil
	}
	add("runsc", statusOK, path)
	// NewWithPath validates the binary again and runs `runsc --version`.
	rt, err := runtime.NewWithPath(ctx, path, opts...)
	if err != nil {
		if errors.Is(err, runtime.ErrUntrusted) {
			add("trusted", statusFail, err.Error())
			skip("version", "platforms")
		} else {
			add("trusted", statusOK, trustDetail(path))
			name := "version"
			if !errors.Is(err, runtime.ErrBadVersion) && !errors.Is(err, runtime.ErrRunsc) {
				name = "runtime" // e.g. no private state directory under TMPDIR
			}
			add(name, statusFail, err.Error())
			skip("platforms")
		}
		return nil
	}
	defer rt.Close(context.WithoutCancel(ctx))
	add("trusted", statusOK, trustDetail(rt.Binary().Path())+wrapped(rt.Binary()))
	v, err := rt.Version(ctx)
	if err != nil {
		add("version", statusFail, err.Error())
		skip("platforms")
		return nil
	}
	add("version", statusOK, fmt.Sprintf("%s (OCI runtime spec %s)", v.Release, v.Spec))
	behaviourRows(rt.Behaviour(), add)
	ps, err := rt.ProbePlatforms(ctx)
	var working []string
	for _, p := range ps {
		if p.Works {
			working = append(working, p.Platform)
			add("platform "+p.Platform, statusOK, "starts a sandbox")
		} else {
			add("platform "+p.Platform, statusNo, platformDetail(p.Err))
		}
	}
	if err != nil {
		add("platforms", statusFail, err.Error())
	}
	return working
}

// behaviourRows adds a row for the runsc line and one for each behaviour the runtime
// applies to it (runtime.Behaviour), each "ok": they are facts, not problems.
func behaviourRows(b runtime.Behaviour, add func(name, status, detail string)) {
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		name, detail, _ := strings.Cut(line, ": ")
		if name != "line" {
			name = "  " + name
		}
		add(name, statusOK, detail)
	}
}

// candidate names the runsc that ResolvePath looked at first (for an untrusted one).
func candidate() string {
	for _, p := range runtime.TrustedLocations {
		if _, err := os.Lstat(p); err == nil {
			return p
		}
	}
	return "on PATH"
}

// trustDetail describes the validated binary's ownership and mode.
func trustDetail(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return path
	}
	uid := -1
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		uid = int(st.Uid)
	}
	return fmt.Sprintf("regular file, owner uid %d, mode %04o; run through a held descriptor", uid, fi.Mode().Perm())
}

func wrapped(b *runtime.Binary) string {
	if w := b.Wrapper(); w != "" {
		return " (found through wrapper " + w + ")"
	}
	return ""
}

// platformDetail says briefly why a platform does not work: the probe's reason and,
// when runsc ran, what runsc said.
func platformDetail(err error) string {
	if err == nil {
		return "does not start a sandbox"
	}
	var pe *runtime.PlatformError
	var re *runtime.RunscError
	d := err.Error()
	if errors.As(err, &pe) {
		d = pe.Reason
		if errors.As(err, &re) && re.Msg != "" {
			d += ": " + re.Msg
		}
	}
	d, _, _ = strings.Cut(d, "\n")
	return d
}

// cgroups reports which cgroup hierarchies are mounted (/proc/self/mountinfo).
func cgroups() (status, detail string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return statusWarn, err.Error()
	}
	defer f.Close()
	return parseCgroups(f)
}

// parseCgroups reads mountinfo lines: v1 hierarchies (fstype cgroup), v2 (cgroup2).
func parseCgroups(r io.Reader) (status, detail string) {
	var v1, v2 []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		pf, qf := strings.Fields(pre), strings.Fields(post)
		if !ok || len(pf) < 5 || len(qf) < 1 {
			continue
		}
		switch qf[0] {
		case "cgroup":
			v1 = append(v1, pf[4])
		case "cgroup2":
			v2 = append(v2, pf[4])
		}
	}
	sort.Strings(v1)
	v1s := ""
	if len(v1) > 0 {
		v1s = fmt.Sprintf("v1 (%d hierarchies under %s)", len(v1), commonDir(v1))
	}
	switch {
	case len(v1) > 0 && len(v2) > 0:
		return statusOK, "hybrid: " + v1s + " and v2 at " + strings.Join(v2, ", ")
	case len(v2) > 0:
		return statusOK, "v2 at " + strings.Join(v2, ", ")
	case len(v1) > 0:
		return statusOK, v1s
	}
	return statusWarn, "no cgroup hierarchy mounted: runsc needs --ignore-cgroups"
}

// commonDir is the longest directory that holds every path.
func commonDir(paths []string) string {
	d := filepath.Dir(paths[0])
	for _, p := range paths[1:] {
		for d != "/" && !strings.HasPrefix(p, d+"/") {
			d = filepath.Dir(d)
		}
	}
	return d
}

// writeTable prints the checks as aligned columns.
func writeTable(w io.Writer, checks []check) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSTATUS\tDETAIL")
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.name, c.status, c.detail)
	}
	tw.Flush()
}
