// Command tlacheck model-checks a TLA+ specification the way TLC does, without a JVM.
//
// Usage:
//
//	tlacheck [-config FILE] [-deadlock] [-workers N] [-dump dot FILE] Spec.tla
//
// Output lines and exit codes follow TLC 2.20, so scripts written for TLC keep working.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/gvisorfsm/gvisorfsm/tla"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func usage() int {
	fmt.Fprintln(os.Stderr, "usage: tlacheck [-config FILE] [-deadlock] [-workers N] [-dump dot FILE] Spec.tla")
	return 1
}

// run parses TLC-style flags (single dash, as TLC spells them) and checks the spec.
func run(args []string) int {
	var opts tla.Options
	var spec, dotPath string
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
		case "-workers":
			if i+1 >= len(args) {
				return usage()
			}
			i++
			if args[i] == "auto" {
				opts.Workers = 1
				continue
			}
			n, err := strconv.Atoi(args[i])
			if err != nil || n < 1 {
				return usage()
			}
			opts.Workers = n
		case "-dump":
			if i+2 >= len(args) || args[i+1] != "dot" {
				return usage()
			}
			dotPath = args[i+2]
			i += 2
		case "-noGenerateSpecTE", "-cleanup", "-nowarning", "-terse":
			// accepted for compatibility with TLC command lines; nothing to do
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts.Out = os.Stdout
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
	return res.ExitCode
}
