package main

import (
	"os"

	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// workloadSpec describes run's bundle: args run as root in /, on rootfs mounted
// read-only (it is usually the host's own /), with a private tmpfs on /tmp so that
// programs that need scratch space still work, and the container ID as host name. The
// environment is a fixed PATH and HOME, plus the caller's TERM: nothing else of the
// host's environment leaks in.
func workloadSpec(args []string, rootfs, id string) runtime.BundleSpec {
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"}
	if term := os.Getenv("TERM"); term != "" {
		env = append(env, "TERM="+term)
	}
	return runtime.BundleSpec{
		Args:     args,
		Rootfs:   rootfs,
		Readonly: true,
		Cwd:      "/",
		Hostname: id,
		Env:      env,
		Tmpfs:    []string{"/tmp"},
	}
}
