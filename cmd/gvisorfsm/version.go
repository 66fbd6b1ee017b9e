package main

import (
	"context"
	"fmt"
	goruntime "runtime"
	"runtime/debug"
	"time"

	"github.com/gvisorfsm/gvisorfsm/runtime"
)

const versionSynopsis = "version"

const versionAbout = "Prints the versions of gvisorfsm and of the runsc it would use."

// version is the version command.
func (c *cli) version(args []string) int {
	fs := newFlagSet("version")
	err := parseFlags(fs, args)
	if err == nil && fs.NArg() > 0 {
		err = usagef("version takes no arguments")
	}
	if status, ok := c.finishParse(err, versionSynopsis, versionAbout, fs); !ok {
		return status
	}
	fmt.Fprintf(c.stdout, "gvisorfsm %s\n", toolVersion())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := runtime.New(ctx, runtime.WithoutSandboxProbe())
	if err != nil {
		fmt.Fprintf(c.stdout, "runsc: %v\n", err)
		return exitOK
	}
	defer rt.Close(ctx)
	v, err := rt.Version(ctx)
	if err != nil {
		fmt.Fprintf(c.stdout, "runsc: %v\n", err)
		return exitOK
	}
	fmt.Fprintf(c.stdout, "runsc %s, OCI runtime spec %s (%s)\n", v.Release, v.Spec, rt.Binary().Path())
	return exitOK
}

// toolVersion describes this build from its build information: the module version
// (a pseudo-version when built from a git checkout), the commit, and the toolchain.
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(no build information) " + goruntime.Version()
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	out := v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		out += ", commit " + rev
		if dirty {
			out += " (modified)"
		}
		if when != "" {
			out += " of " + when
		}
	}
	return out + ", " + bi.GoVersion + " " + goruntime.GOOS + "/" + goruntime.GOARCH
}
