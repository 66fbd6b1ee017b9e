package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gvisorfsm/gvisorfsm/runtime"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"
)

// writeBundle writes dir/config.json: args run as root in /, on rootfs mounted read-only
// (it is usually the host's own /), with a private tmpfs on /tmp so that programs that
// need scratch space still work, and the container ID as host name. The result is
// checked with runtime.LoadBundle, as Run will.
func writeBundle(dir string, args []string, rootfs, id string) error {
	g, err := generate.New("linux")
	if err != nil {
		return err
	}
	g.SetRootPath(rootfs)
	g.SetRootReadonly(true)
	g.SetProcessArgs(args)
	g.SetProcessTerminal(false)
	g.SetProcessCwd("/")
	g.SetHostname(id)
	g.ClearProcessEnv()
	g.AddProcessEnv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	g.AddProcessEnv("HOME", "/root")
	if term := os.Getenv("TERM"); term != "" {
		g.AddProcessEnv("TERM", term)
	}
	g.AddMount(specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs",
		Options: []string{"nosuid", "nodev", "mode=1777"}})
	f, err := os.OpenFile(filepath.Join(dir, "config.json"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &runtime.BundleError{Bundle: dir, Reason: "config.json already exists; not overwriting", Err: err}
		}
		return err
	}
	if err := g.Save(f, generate.ExportOptions{}); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	_, err = runtime.LoadBundle(dir)
	return err
}
