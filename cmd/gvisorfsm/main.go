package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// Exit statuses of gvisorfsm itself; run otherwise exits with the workload's status.
const (
	exitOK    = 0
	exitFail  = 1   // doctor: nothing can run here
	exitUsage = 2   // bad flags or arguments
	exitTool  = 125 // gvisorfsm or runsc failed before the workload's status was known
)

const usageText = `Usage: gvisorfsm <command> [flags] [arguments]

Runs commands in gVisor (runsc) sandboxes.

Commands:
  run [flags] -- CMD [ARG...]   run CMD in a sandbox and exit with its status
  doctor [flags]                check that this host can run sandboxes
  version                       print the versions of gvisorfsm and runsc

Run 'gvisorfsm <command> -h' for a command's flags.
`

// cli is one invocation: its standard files, which run hands to the sandbox.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func main() {
	c := &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	os.Exit(c.main(os.Args[1:]))
}

// main dispatches to a command and returns the process's exit status.
func (c *cli) main(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usageText)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		return c.run(rest)
	case "doctor":
		return c.doctor(rest)
	case "version":
		return c.version(rest)
	case "-h", "-help", "--help", "help":
		if len(rest) > 0 && cmd == "help" {
			// `help run` is `run -h`.
			return c.main([]string{rest[0], "-h"})
		}
		fmt.Fprint(c.stdout, usageText)
		return exitOK
	default:
		fmt.Fprintf(c.stderr, "gvisorfsm: unknown command %q\n\n%s", cmd, usageText)
		return exitUsage
	}
}

// usageError is a malformed invocation: it is printed with the command's usage and
// gvisorfsm exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// newFlagSet makes a command's flag set. Parse errors are reported by parseFlags, not by
// package flag, so that -h goes to stdout and errors to stderr.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("gvisorfsm "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args into fs. It returns flag.ErrHelp for -h and a *usageError for
// anything else that is wrong.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	return nil
}

// commandUsage writes a command's synopsis and flag defaults.
func commandUsage(w io.Writer, synopsis, about string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: gvisorfsm %s\n\n%s\n", synopsis, about)
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	if b.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", b.String())
	}
}

// finishParse turns a parse result into an exit status: -h prints usage to stdout
// (exit 0), a usage error prints the error and usage to stderr (exit 2). ok is true
// when the command should go on.
func (c *cli) finishParse(err error, synopsis, about string, fs *flag.FlagSet) (status int, ok bool) {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK, true
	case errors.Is(err, flag.ErrHelp):
		commandUsage(c.stdout, synopsis, about, fs)
		return exitOK, false
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "gvisorfsm: %s\n\n", ue.msg)
		commandUsage(c.stderr, synopsis, about, fs)
		return exitUsage, false
	default:
		fmt.Fprintf(c.stderr, "gvisorfsm: %v\n", err)
		return exitTool, false
	}
}

// logger returns a stderr logger for --verbose, or nil (the runtime then logs nothing).
func (c *cli) logger(verbose bool) *slog.Logger {
	if !verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// orDiscard returns l, or a logger that drops everything if l is nil, so that
// callers need no nil checks.
func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
