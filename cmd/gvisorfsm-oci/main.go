package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// version is the front-end's own version, printed by --version.
const version = "0.1.0"

// ociVersion is the runtime-spec version of the state JSON and features.
const ociVersion = "1.0.2"

// globals are runc's global flags, as clients pass them, and the front-end's own.
type globals struct {
	root          string
	log           string
	logFormat     string
	debug         bool
	systemdCgroup bool
	rootless      string
	config        string
	runsc         string
	platform      string
	network       string
	version       bool
}

// usageError is a command line the front-end cannot parse.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitError ends the process with a given status and no message (run's workload status).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// parseGlobals parses the flags before the verb; it returns the verb and its arguments.
func parseGlobals(args []string, stderr io.Writer) (*globals, string, []string, error) {
	g := &globals{}
	fs := flag.NewFlagSet("gvisorfsm-oci", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&g.root, "root", "/run/gvisorfsm-oci", "state directory (containers, runsc's root)")
	fs.StringVar(&g.log, "log", "", "log file (errors and warnings)")
	fs.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&g.debug, "debug", false, "log debug messages too")
	fs.BoolVar(&g.systemdCgroup, "systemd-cgroup", false, "ignored: runsc manages the sandbox's cgroup itself")
	fs.StringVar(&g.rootless, "rootless", "auto", "ignored unless true: refused (the front-end runs as root)")
	fs.StringVar(new(string), "criu", "", "ignored: runsc has no checkpoint through this front-end")
	fs.StringVar(&g.config, "config", "", "configuration file (default $GVISORFSM_OCI_CONFIG, else "+DefaultConfig+")")
	fs.StringVar(&g.runsc, "runsc", "", "runsc binary (default: the config's, else runtime.ResolvePath's)")
	fs.StringVar(&g.platform, "platform", "", "gVisor platform (default: the config's, else probed once per root)")
	fs.StringVar(&g.network, "network", "", "runsc network: none (default), sandbox or host")
	fs.BoolVar(&g.version, "version", false, "print the version")
	fs.BoolVar(&g.version, "v", false, "print the version")
	if err := fs.Parse(args); err != nil {
		return nil, "", nil, &usageError{err.Error()}
	}
	if g.logFormat != "text" && g.logFormat != "json" {
		return nil, "", nil, &usageError{fmt.Sprintf("--log-format %q: want text or json", g.logFormat)}
	}
	if g.rootless == "true" {
		return nil, "", nil, &usageError{"--rootless=true is not supported: the front-end and runsc run as root"}
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return g, "", nil, nil
	}
	return g, rest[0], rest[1:], nil
}

// logger writes runc-style log lines to --log: logrus's JSON ({"level","msg","time"})
// or text, which podman and containerd read back to show why a step failed.
type logger struct {
	w    io.Writer
	json bool
}

func (l *logger) log(level, msg string) {
	if l == nil || l.w == nil {
		return
	}
	now := time.Now().Format(time.RFC3339Nano)
	if l.json {
		b, _ := json.Marshal(map[string]string{"level": level, "msg": msg, "time": now})
		l.w.Write(append(b, '\n'))
		return
	}
	fmt.Fprintf(l.w, "time=%q level=%s msg=%q\n", now, level, msg)
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command: it returns the exit status (runc's: 0, or 1 for any failure;
// `run` exits with the workload's status).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g, verb, rest, err := parseGlobals(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "gvisorfsm-oci:", err)
		return 1
	}
	var lg *logger
	if g.log != "" {
		f, err := os.OpenFile(g.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintln(stderr, "gvisorfsm-oci:", err)
			return 1
		}
		defer f.Close()
		lg = &logger{w: f, json: g.logFormat == "json"}
	}
	if g.version || verb == "--version" || verb == "version" {
		fmt.Fprintf(stdout, "gvisorfsm-oci version %s\nspec: %s\n", version, ociVersion)
		return 0
	}
	if verb == "" {
		fmt.Fprintln(stderr, "gvisorfsm-oci: no command (create, start, state, kill, delete, run, pause, resume, list, ps, exec, features)")
		return 1
	}
	err = dispatch(ctx, g, verb, rest, stdout, stderr)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		msg := err.Error()
		lg.log("error", msg)
		fmt.Fprintln(stderr, strings.TrimSpace(msg))
		return 1
	}
	return 0
}
