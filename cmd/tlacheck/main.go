// Command tlacheck model-checks a TLA+ specification the way TLC does, without a JVM.
//
// Usage:
//
//	tlacheck [-config FILE] [-deadlock] [-continue] [-simulate [num=N] [-depth N] [-seed N]] [-workers N] [-exact] [-fp N] [-coverage N] [-checkpoint N] [-metadir DIR] [-recover DIR] [-dump dot[,actionlabels] FILE] Spec.tla
//	tlacheck [-config FILE] -trace FILE [-trace-ignore-unknown] Spec.tla
//
// Output lines and exit codes follow TLC 2.20, so scripts written for TLC keep working,
// and so do TLC's command lines: the flags that only steer TLC's own files (-noTE,
// -noGenerateSpecTE, -nowarning, -terse, -cleanup) are accepted and do nothing. -h or
// -help prints the flags.
//
// -checkpoint N writes a checkpoint of the search every N minutes (0, the default:
// none) to -metadir DIR, or to states/<time> beside the spec, as TLC does; -recover
// DIR goes on from the checkpoint in DIR. Both need fingerprint mode (see
// tla.Options.Checkpoint).
//
// -workers N computes successors on N goroutines (auto: one per CPU). Unlike TLC's,
// the results do not depend on it: counts, verdict, counterexample and state graph
// are those of one worker.
//
// States are stored as 64-bit fingerprints, as TLC stores them; -exact stores them in
// full, so that no two distinct states can be confused, at the cost of memory (see
// tla.Options.Exact). -fp N picks the fingerprint function, as TLC's -fp does.
//
// With -trace, no model checking is done: the NDJSON trace in FILE is validated
// against the spec (see tla.ValidateTrace). Exit 0: the trace is a behaviour of the
// spec; 2: a step cannot be matched (reported on stdout); TLC's exit codes when the
// spec does not load; 1 for usage and I/O errors.
//
// -simulate [num=N] checks random behaviours of -depth N states (default 100) instead
// of the whole state space, as TLC's -simulate does; -seed N makes them repeatable.
//
// -dumpTrace json FILE and -dumpTrace tla FILE write a counterexample in the forms TLC
// writes: JSON, or a TLA+ module named after FILE that defines CounterExample (see
// tla.Result.WriteTraceTLA). Both can be given.
//
// -coverage N prints, every N minutes and at the end, the action lines of TLC's
// coverage report: per action, the distinct states it found first and the states it
// generated (TLC's expression and variable lines are not printed). It runs on one
// worker.
//
// -cpuprofile FILE and -memprofile FILE write Go profiles of the run for go tool pprof.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/gvisorfsm/gvisorfsm/tla"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

const usageText = `usage: tlacheck [-config FILE] [-deadlock] [-continue] [-workers N] [-exact] [-fp N] [-checkpoint N] [-recover DIR] [-dump dot[,actionlabels] FILE] Spec.tla
       tlacheck [-config FILE] -trace FILE [-trace-ignore-unknown] Spec.tla
`

const helpText = `
  -config FILE          the model's configuration (default: Spec.cfg beside the spec)
  -deadlock             do not report deadlocks (as TLC's -deadlock)
  -workers N|auto       compute successors on N goroutines; the results are one worker's
  -continue             report invariant violations and keep searching (as TLC's -continue)
  -simulate [num=N]     check N random behaviours (default: until interrupted) instead of all states
  -depth N              states per random behaviour (default 100)
  -seed N               seed of the random behaviours (default: a new one per run)
  -exact                store states in full instead of as 64-bit fingerprints
  -fp N                 pick the fingerprint function (as TLC's -fp)
  -coverage N           print, every N minutes and at the end, how many distinct states
                        each action found and how many it generated (as TLC's -coverage)
  -checkpoint N         write a checkpoint every N minutes (default 0: none), as TLC's
  -metadir DIR          where checkpoints go (default: states/<time> beside the spec)
  -recover DIR          go on from the checkpoint in DIR instead of the initial states
  -dump dot[,actionlabels] FILE
                        write the state graph in Graphviz format
  -dumpTrace json|tla FILE
                        write a counterexample to FILE as TLC's -dumpTrace does
  -trace FILE           validate the NDJSON trace in FILE instead of model checking
  -trace-ignore-unknown ignore trace fields that are not variables of the spec
  -cpuprofile FILE, -memprofile FILE
                        write Go CPU and heap profiles of the run
  -noTE, -noGenerateSpecTE, -nowarning, -terse, -cleanup
                        accepted for TLC's command lines; they change nothing here
  -h, -help             print this help
`

func usage() int {
	fmt.Fprint(os.Stderr, usageText)
	return 1
}

// run parses TLC-style flags (single dash, as TLC spells them) and checks the spec.
func run(args []string) int {
	var opts tla.Options
	var spec, dotPath, tracePath string
	var actionLabels bool
	var traceOpts tla.TraceOptions
	var cpuProfile, memProfile string
	var traceJSONPath, traceTLAPath string
	var depth int
	var seed int64
	var seedSet bool
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "-config":
			if i+1 >= len(args) {
				return usage()
			}
			i++
			opts.Config = args[i]
		case "-deadlock":
			opts.NoDeadlock = true
		case "-exact":
			opts.Exact = true
		case "-continue":
			opts.Continue = true
		case "-simulate":
			if opts.Simulation == nil {
				opts.Simulation = &tla.Simulation{}
			}
			if i+1 < len(args) && strings.HasPrefix(args[i+1], "num=") {
				i++
				n, err := strconv.Atoi(strings.TrimPrefix(args[i], "num="))
				if err != nil || n < 1 {
					fmt.Fprintf(os.Stderr, "tlacheck: -simulate num=N needs a number of behaviours (at least 1), not %q\n", args[i])
					return usage()
				}
				opts.Simulation.Traces = n
			}
		case "-depth", "-seed":
			if i+1 >= len(args) {
				return usage()
			}
			i++
			n, err := strconv.ParseInt(args[i], 10, 64)
			if err != nil || a == "-depth" && n < 1 {
				fmt.Fprintf(os.Stderr, "tlacheck: %s needs a number, not %q\n", a, args[i])
				return usage()
			}
			if a == "-depth" {
				depth = int(n)
			} else {
				seed, seedSet = n, true
			}
		case "-fp", "-coverage", "-checkpoint":
			if i+1 >= len(args) {
				return usage()
			}
			i++
			least, what := 0, "a number (0 or more)"
			switch a {
			case "-coverage":
				least, what = 1, "a number of minutes (at least 1)"
			case "-checkpoint":
				what = "a number of minutes (0 or more)"
			}
			n, err := strconv.Atoi(args[i])
			if err != nil || n < least {
				fmt.Fprintf(os.Stderr, "tlacheck: %s needs %s, not %q\n", a, what, args[i])
				return usage()
			}
			switch a {
			case "-fp":
				opts.FP = n
			case "-coverage":
				opts.Coverage = time.Duration(n) * time.Minute
			default:
				opts.Checkpoint = time.Duration(n) * time.Minute
			}
		case "-workers":
			if i+1 >= len(args) {
				return usage()
			}
			i++
			if args[i] == "auto" {
				opts.Workers = tla.WorkersAuto
				continue
			}
			n, err := strconv.Atoi(args[i])
			if err != nil || n < 1 {
				fmt.Fprintf(os.Stderr, "tlacheck: -workers needs a number of workers (at least 1) or auto, not %q\n", args[i])
				return usage()
			}
			opts.Workers = n
		case "-dumpTrace":
			if i+2 >= len(args) {
				return usage()
			}
			switch args[i+1] {
			case "json":
				traceJSONPath = args[i+2]
			case "tla":
				traceTLAPath = args[i+2]
			default:
				fmt.Fprintf(os.Stderr, "tlacheck: -dumpTrace writes json or tla, not %q\n", args[i+1])
				return usage()
			}
			i += 2
		case "-dump":
			if i+2 >= len(args) || args[i+1] != "dot" && args[i+1] != "dot,actionlabels" {
				return usage()
			}
			actionLabels = args[i+1] == "dot,actionlabels"
			dotPath = args[i+2]
			i += 2
		case "-trace":
			if i+1 >= len(args) {
				return usage()
			}
			i++
			tracePath = args[i]
		case "-cpuprofile", "-memprofile":
			if i+1 >= len(args) {
				return usage()
			}
			i++
			if a == "-cpuprofile" {
				cpuProfile = args[i]
			} else {
				memProfile = args[i]
			}
		case "-trace-ignore-unknown":
			traceOpts.IgnoreUnknown = true
		case "-h", "-help", "--help":
			fmt.Print(usageText, helpText)
			return 0
		case "-noTE", "-noGenerateSpecTE", "-cleanup", "-nowarning", "-terse":
			// accepted for compatibility with TLC command lines; nothing to do
		case "-metadir", "-recover":
			if i+1 >= len(args) {
				return usage()
			}
			i++
			if a == "-metadir" {
				opts.CheckpointDir = args[i] // where TLC writes its checkpoints too
			} else {
				opts.Recover = args[i]
			}
		default:
			if strings.HasPrefix(a, "-") {
				fmt.Fprintf(os.Stderr, "tlacheck: unknown flag %s\n", a)
				return usage()
			}
			if spec != "" {
				return usage()
			}
			spec = a
		}
	}
	if spec == "" {
		return usage()
	}
	if !strings.HasSuffix(spec, ".tla") {
		spec += ".tla"
	}
	defer paceGC(opts.Workers)()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts.Out = os.Stdout
	if opts.Simulation != nil {
		opts.Simulation.Depth = depth
		opts.Simulation.Seed = seed
		if !seedSet {
			opts.Simulation.Seed = time.Now().UnixNano() // TLC picks a new seed per run too
		}
	}
	if cpuProfile != "" || memProfile != "" {
		stopProfiles, err := startProfiles(cpuProfile, memProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tlacheck:", err)
			return 1
		}
		defer stopProfiles()
	}
	if tracePath != "" {
		return validateTrace(ctx, spec, opts.Config, tracePath, traceOpts)
	}
	if actionLabels {
		return dumpLabelled(ctx, spec, dotPath, opts)
	}
	if traceJSONPath != "" {
		// written only when there is a counterexample, as TLC does
		tj := &lazyFile{path: traceJSONPath}
		defer func() {
			if err := tj.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "tlacheck:", err)
			}
		}()
		opts.TraceJSON = tj
	}
	if dotPath != "" {
		f, err := os.Create(dotPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tlacheck:", err)
			return 1
		}
		defer f.Close()
		opts.DumpDot = f
	}
	res, err := tla.CheckFile(ctx, spec, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlacheck:", err)
		return 1
	}
	if traceTLAPath != "" && len(res.Trace) > 0 {
		// TLC names the module after the file; a module's name has no directory
		module := strings.TrimSuffix(filepath.Base(traceTLAPath), ".tla")
		write := func(w io.Writer) error { return res.WriteTraceTLA(w, module) }
		if err := writeAndClose(&lazyFile{path: traceTLAPath}, write); err != nil {
			fmt.Fprintln(os.Stderr, "tlacheck:", err)
			return 1
		}
	}
	return res.ExitCode
}

// validateTrace checks a logged trace against the spec instead of model checking it.
func validateTrace(ctx context.Context, spec, cfg, path string, opts tla.TraceOptions) int {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlacheck:", err)
		return 1
	}
	defer f.Close()
	opts.Out = os.Stdout
	res, err := tla.ValidateTrace(ctx, spec, cfg, f, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlacheck:", err)
		return 1
	}
	if res.Check != nil {
		fmt.Printf("Error: the spec did not load: %s\n", res.Check.Message)
		return res.Check.ExitCode
	}
	if !res.OK {
		return 2
	}
	fmt.Printf("The trace is a behaviour of the spec: %d steps matched, %d candidate states at the end.\n", res.Steps, res.Candidates)
	return 0
}

// dumpLabelled checks the spec and writes its state graph with action-labelled edges,
// as TLC's -dump dot,actionlabels does (only when the check succeeds).
func dumpLabelled(ctx context.Context, spec, path string, opts tla.Options) int {
	g, res, err := tla.StateGraph(ctx, spec, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlacheck:", err)
		return 1
	}
	if g != nil {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tlacheck:", err)
			return 1
		}
		if err := writeAndClose(f, g.WriteDot); err != nil {
			fmt.Fprintln(os.Stderr, "tlacheck:", err)
			return 1
		}
	}
	return res.ExitCode
}

// startProfiles writes a CPU profile of the run to cpu and a heap profile at its end
// to mem (either may be ""), for go tool pprof.
func startProfiles(cpu, mem string) (stop func(), err error) {
	var cf *os.File
	if cpu != "" {
		if cf, err = os.Create(cpu); err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(cf); err != nil {
			cf.Close()
			return nil, err
		}
	}
	return func() {
		if cf != nil {
			pprof.StopCPUProfile()
			cf.Close()
		}
		if mem != "" {
			f, err := os.Create(mem)
			if err == nil {
				err = pprof.Lookup("heap").WriteTo(f, 0)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "tlacheck:", err)
			}
		}
	}, nil
}

// writeAndClose writes to w with write and closes w; the error is the write's, else
// the close's.
func writeAndClose(w io.WriteCloser, write func(io.Writer) error) error {
	err := write(w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// lazyFile creates its file on the first write.
type lazyFile struct {
	path string
	f    *os.File
}

func (l *lazyFile) Write(b []byte) (int, error) {
	if l.f == nil {
		f, err := os.Create(l.path)
		if err != nil {
			return 0, err
		}
		l.f = f
	}
	return l.f.Write(b)
}

func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}
