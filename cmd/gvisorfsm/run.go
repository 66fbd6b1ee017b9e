package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/runtime"
)

const runSynopsis = "run [flags] -- CMD [ARG...]"

const runAbout = `Runs CMD in a gVisor sandbox and exits with its exit status. Without --rootfs the
sandbox sees the host's / read-only, with a private tmpfs on /tmp.`

// runOptions are run's parsed flags and arguments.
type runOptions struct {
	platform string
	network  runtime.Network
	rootfs   string
	trace    string
	id       string
	verbose  bool
	args     []string // CMD and its arguments
}

// runFlags declares run's flags into fs, filling o.
func runFlags(fs *flag.FlagSet, o *runOptions) *string {
	fs.StringVar(&o.platform, "platform", "", "gVisor `platform` (systrap, kvm, ptrace); default: one that works here")
	network := fs.String("network", string(runtime.NetworkNone), "sandbox `network`: none, sandbox or host")
	fs.StringVar(&o.rootfs, "rootfs", "", "root filesystem `dir`ectory, mounted read-only (default the host's /)")
	fs.StringVar(&o.trace, "trace", "", "write the step trace (NDJSON) to `file`")
	fs.StringVar(&o.id, "id", "", "container `id` (default gvisorfsm-<pid>-<random>)")
	fs.BoolVar(&o.verbose, "verbose", false, "log every step to stderr")
	fs.BoolVar(&o.verbose, "v", false, "short for --verbose")
	return network
}

// parseRun parses run's command line.
func parseRun(args []string) (*runOptions, *flag.FlagSet, error) {
	o := &runOptions{}
	fs := newFlagSet("run")
	network := runFlags(fs, o)
	if err := parseFlags(fs, args); err != nil {
		return nil, fs, err
	}
	switch n := runtime.Network(*network); n {
	case runtime.NetworkNone, runtime.NetworkSandbox, runtime.NetworkHost:
		o.network = n
	default:
		return nil, fs, usagef("--network: %q is not one of none, sandbox, host", *network)
	}
	if o.id != "" {
		if err := runtime.ValidateID(o.id); err != nil {
			return nil, fs, usagef("--id: %v", err)
		}
	}
	if given(fs, "platform") && o.platform == "" {
		return nil, fs, usagef("--platform: empty")
	}
	if given(fs, "rootfs") && o.rootfs == "" {
		return nil, fs, usagef("--rootfs: empty")
	}
	o.args = fs.Args()
	if len(o.args) == 0 {
		return nil, fs, usagef("no command given")
	}
	if o.args[0] == "" {
		return nil, fs, usagef("empty command")
	}
	return o, fs, nil
}

// given reports whether flag name was on the command line.
func given(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// run is the run command.
func (c *cli) run(args []string) int {
	o, fs, err := parseRun(args)
	if status, ok := c.finishParse(err, runSynopsis, runAbout, fs); !ok {
		return status
	}
	log := orDiscard(c.logger(o.verbose))

	// The first SIGINT, SIGTERM or SIGHUP cancels the run; the runtime then
	// force-deletes the sandbox. Later ones are caught too, so that cleanup is not cut
	// short.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var caught atomic.Int32
	sigc := make(chan os.Signal, 4)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigc)
	go func() {
		for sig := range sigc {
			if caught.CompareAndSwap(0, int32(sig.(syscall.Signal))) {
				log.Info("signal: stopping the sandbox", "signal", sig.String())
				cancel()
			} else {
				log.Info("signal: still cleaning up", "signal", sig.String())
			}
		}
	}()

	// Output whose reader has gone away ends the run like SIGPIPE would.
	brokenPipe := func(err error) {
		if caught.CompareAndSwap(0, int32(syscall.SIGPIPE)) {
			log.Info("output: reader gone, stopping the sandbox", "err", err)
			cancel()
		}
	}
	code, err := c.runWorkload(ctx, o, log, brokenPipe)
	if err == nil {
		return code // the workload finished, even if a signal came in meanwhile
	}
	sig, ours := interruption(err, syscall.Signal(caught.Load()))
	switch {
	case sig != 0 && ours:
		// Whoever sent the signal asked for the stop: no message, as from a shell.
		log.Info("run interrupted", "signal", sig.String(), "err", err)
		return 128 + int(sig)
	case sig != 0:
		fmt.Fprintf(c.stderr, "gvisorfsm: runsc was killed by signal %d (%v); the workload's status is unknown\n", int(sig), sig)
		return 128 + int(sig)
	}
	if ke := (*runtime.SandboxKilledError)(nil); errors.As(err, &ke) {
		// Like a killed runsc: the workload's status is unknown, and the run ends as
		// if the workload had died of the signal that ended its sandbox.
		fmt.Fprintf(c.stderr, "gvisorfsm: %v\n", err)
		if ke.Signal != 0 {
			return 128 + int(ke.Signal)
		}
		return exitTool
	}
	// Run's own failure, not one wrapped by New's sandbox check (whose runsc had
	// stdio of its own).
	if re, ok := err.(*runtime.RunscError); ok && saidByRunsc(re) {
		// runsc wrote its error on its stderr, which is the workload's, which is ours:
		// say that it failed without saying its error a second time.
		fmt.Fprintf(c.stderr, "gvisorfsm: runsc %s %q failed with exit status %d (its error is above)\n", re.Op, re.ID, re.ExitCode)
	} else {
		fmt.Fprintf(c.stderr, "gvisorfsm: %v\n", err)
	}
	return failureStatus(err)
}

// saidByRunsc reports whether runsc itself printed re's message where gvisorfsm's
// stderr goes: a `runsc run` that exited (was not killed) after logging an error,
// which runsc also writes on its stderr, the workload's.
func saidByRunsc(re *runtime.RunscError) bool {
	return re.Op == "run" && re.ExitCode > 0 && re.Signal == 0 && re.Err == nil && re.Msg != ""
}

// interruption tells whether a failed run was interrupted by a signal, and which: like
// a shell, gvisorfsm then exits 128+n. caught is the signal gvisorfsm itself caught (0
// if none), which wins: the runtime then killed runsc on purpose. Otherwise a runsc
// that died by a signal from outside (a Ctrl-C to the process group that reached runsc
// first, a kill aimed at runsc) is an interruption too, not a runsc failure; ours is
// false then.
func interruption(err error, caught syscall.Signal) (sig syscall.Signal, ours bool) {
	if caught != 0 {
		return caught, true
	}
	var re *runtime.RunscError
	if errors.As(err, &re) && re.Signal != 0 && re.Err == nil {
		return re.Signal, false
	}
	return 0, false
}

// failureStatus is the exit status for a run that failed before the workload's status
// was known: like a shell, 127 when the command does not exist and 126 when it cannot
// be executed, else 125.
func failureStatus(err error) int {
	var re *runtime.RunscError
	// runsc says "failed to load PATH" for a path, "error finding executable NAME in
	// PATH [...]" for a name looked up in PATH.
	if errors.As(err, &re) && re.Op == "run" && (strings.Contains(re.Msg, "failed to load") || strings.Contains(re.Msg, "error finding executable")) {
		switch {
		case strings.HasSuffix(re.Msg, "no such file or directory"):
			return 127
		case strings.HasSuffix(re.Msg, "permission denied"):
			return 126
		}
	}
	return exitTool
}

// runWorkload opens a runtime, builds the bundle and runs the workload to completion.
// Everything it makes (sandbox, runtime state, bundle) is gone when it returns.
func (c *cli) runWorkload(ctx context.Context, o *runOptions, log *slog.Logger, broken func(error)) (int, error) {
	id := o.id
	if id == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		id = "gvisorfsm-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
	}
	rootfs := "/"
	if o.rootfs != "" {
		abs, err := filepath.Abs(o.rootfs)
		if err != nil {
			return -1, err
		}
		if fi, err := os.Stat(abs); err != nil {
			return -1, fmt.Errorf("--rootfs %q: %w", abs, pathCause(err))
		} else if !fi.IsDir() {
			return -1, fmt.Errorf("--rootfs: %q is not a directory", abs)
		}
		rootfs = abs
	}

	opts := []runtime.Option{runtime.WithNetwork(o.network)}
	if o.trace != "" {
		f, err := openTraceFile(o.trace)
		if err != nil {
			return -1, err
		}
		defer f.Close()
		opts = append(opts, runtime.WithTrace(f))
	}
	if o.verbose {
		opts = append(opts, runtime.WithLogger(log))
	}

	if o.platform != "" {
		opts = append(opts, runtime.WithPlatform(o.platform))
	}
	// Without --platform the library picks the first that starts a sandbox here.
	rt, err := runtime.New(ctx, opts...)
	if err != nil {
		return -1, err
	}
	log.Debug("runtime available", "platform", rt.Platform(), "runsc", rt.Binary().Path())
	defer func() {
		// The run's context may be cancelled already; closing must still finish.
		cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
		defer ccancel()
		if err := rt.Close(cctx); err != nil {
			log.Warn("closing the runtime", "err", err)
		}
	}()

	// Inside the runtime's state directory: Close removes it once the sandbox is gone,
	// and so does the next runtime if this process is killed first.
	dir, err := os.MkdirTemp(rt.StateDir(), "bundle-")
	if err != nil {
		return -1, err
	}
	if _, err := runtime.BuildBundle(dir, workloadSpec(o.args, rootfs, id)); err != nil {
		return -1, err
	}
	log.Debug("bundle", "dir", dir, "rootfs", rootfs, "id", id)

	sio := openStdio(c.stdin, c.stdout, c.stderr, broken)
	code, err := rt.Run(ctx, id, dir, &runtime.RunOpts{Stdin: sio.stdin, Stdout: sio.stdout, Stderr: sio.stderr})
	if err != nil {
		return -1, err
	}
	if code < 0 {
		// Run reports a killed runsc as an error; never pass -1 off as a status.
		return -1, fmt.Errorf("runsc run %q: %w", id, runtime.ErrExitUnknown)
	}
	return code, nil
}
