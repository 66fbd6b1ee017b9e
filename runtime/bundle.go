package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"
)

// Bundle is an OCI bundle that passed validation. The package only ever reads a
// caller's bundle: it never writes, moves or deletes anything in it.
type Bundle struct {
	Dir  string      // absolute, symlink-free bundle directory
	Spec *specs.Spec // its config.json
	Root string      // absolute, symlink-free root filesystem

	// parsed is the cache entry Spec came from (specCache), shared with every other
	// Bundle loaded from the same config.json contents; nil for LoadBundle's.
	parsed *parsedSpec
}

// LoadBundle reads dir/config.json into a specs.Spec and validates what runsc relies
// on. Errors are *BundleError naming the config.json field at fault. A root.path must
// stay inside the bundle (after symlinks); a root outside it is accepted only when
// root.readonly is true (e.g. the host's / mounted read-only).
func LoadBundle(dir string) (*Bundle, error) { return loadBundle(dir, false) }

// loadBundle is LoadBundle; a client's bundle (ClientCreate) may also ask for a terminal
// and keep a writable root outside the bundle, as runc clients' bundles do.
func loadBundle(dir string, client bool) (*Bundle, error) {
	real, data, err := readBundle(dir)
	if err != nil {
		return nil, err
	}
	return parseBundle(dir, real, data, client)
}

// readBundle resolves the bundle directory dir and reads its config.json.
func readBundle(dir string) (real string, data []byte, err error) {
	berr := func(reason string, err error) error {
		return &BundleError{Bundle: dir, Reason: reason, Err: err}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, berr(err.Error(), err)
	}
	if real, err = filepath.EvalSymlinks(abs); err != nil {
		return "", nil, berr("cannot resolve bundle directory", err)
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return "", nil, berr("not a directory", err)
	}
	if data, err = os.ReadFile(filepath.Join(real, "config.json")); err != nil {
		return "", nil, berr("cannot read config.json", err)
	}
	return real, data, nil
}

// parseBundle validates data as the config.json of the bundle dir (resolved: real).
func parseBundle(dir, real string, data []byte, client bool) (*Bundle, error) {
	s, err := parseSpec(dir, data, client)
	if err != nil {
		return nil, err
	}
	return checkRoot(dir, real, s, client)
}

// parseSpec parses and validates data as the config.json of the bundle dir, all but
// its root filesystem (checkRoot): the result depends on data and client alone.
func parseSpec(dir string, data []byte, client bool) (*specs.Spec, error) {
	berr := func(field, reason string, err error) error {
		return &BundleError{Bundle: dir, Field: field, Reason: reason, Err: err}
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, berr(te.Field, "wrong JSON type: "+err.Error(), err)
		}
		return nil, berr("", "config.json is not valid JSON: "+err.Error(), err)
	}
	if s.Version == "" {
		return nil, berr("ociVersion", "missing", nil)
	}
	if s.Process == nil {
		return nil, berr("process", "missing", nil)
	}
	if len(s.Process.Args) == 0 || s.Process.Args[0] == "" {
		return nil, berr("process.args", "empty: nothing to run", nil)
	}
	if !filepath.IsAbs(s.Process.Cwd) {
		return nil, berr("process.cwd", fmt.Sprintf("%q is not absolute", s.Process.Cwd), nil)
	}
	if s.Process.Terminal && !client {
		// A terminal needs a console socket, which this package does not drive.
		return nil, berr("process.terminal", "true is not supported (no console socket)", nil)
	}
	for i, m := range s.Mounts {
		if !filepath.IsAbs(m.Destination) {
			return nil, berr(fmt.Sprintf("mounts[%d].destination", i), fmt.Sprintf("%q is not absolute", m.Destination), nil)
		}
	}
	if s.Root == nil || s.Root.Path == "" {
		return nil, berr("root.path", "missing", nil)
	}
	return &s, nil
}

// checkRoot checks the root filesystem of s, the parsed config.json of the bundle dir
// (resolved: real), and returns the bundle.
func checkRoot(dir, real string, s *specs.Spec, client bool) (*Bundle, error) {
	berr := func(field, reason string, err error) error {
		return &BundleError{Bundle: dir, Field: field, Reason: reason, Err: err}
	}
	rootPath := s.Root.Path
	if !filepath.IsAbs(rootPath) {
		rootPath = filepath.Join(real, rootPath)
	}
	rootReal, err := filepath.EvalSymlinks(rootPath)
	if err != nil {
		return nil, berr("root.path", fmt.Sprintf("%q cannot be resolved", s.Root.Path), err)
	}
	if fi, err := os.Stat(rootReal); err != nil || !fi.IsDir() {
		return nil, berr("root.path", fmt.Sprintf("%q is not a directory", s.Root.Path), err)
	}
	if !within(real, rootReal) && !s.Root.Readonly && !client {
		return nil, berr("root.path", fmt.Sprintf("%q escapes the bundle (resolves to %q) and is not read-only", s.Root.Path, rootReal), nil)
	}
	return &Bundle{Dir: real, Spec: s, Root: rootReal}, nil
}

// hostnamed returns the bundle directory to give runsc for container id: b's own when
// its config.json names a hostname; else a copy of its config.json in an empty
// directory under dir (from dirs), naming id as hostname, with the root filesystem and
// relative bind sources made absolute so that they stay b's. drop removes the copy.
func (b *Bundle) hostnamed(dirs *copyDirs, dir, id string) (bundleDir string, drop func(), err error) {
	if b.Spec.Hostname != "" {
		return b.Dir, func() {}, nil
	}
	p := b.parsed
	if p == nil { // not loaded through a runtime's specCache
		p = &parsedSpec{spec: b.Spec}
	}
	hostless, err := p.hostless(b)
	if err != nil {
		return "", nil, err
	}
	d, err := dirs.get(dir)
	if err != nil {
		return "", nil, err
	}
	drop = func() { dirs.put(d) }
	if err := os.WriteFile(filepath.Join(d, "config.json"), withHostname(hostless, id), 0o600); err != nil {
		drop()
		return "", nil, err
	}
	return d, drop, nil
}

// hostlessConfig is the config.json of b's copy (hostnamed) without its hostname: b's
// spec, which names none, with the root filesystem and relative bind sources made
// absolute.
func hostlessConfig(b *Bundle) ([]byte, error) {
	s := *b.Spec
	root := *s.Root
	root.Path = b.Root
	s.Root = &root
	s.Mounts = slices.Clone(s.Mounts)
	for i, m := range s.Mounts {
		if !filepath.IsAbs(m.Source) && (m.Type == "bind" || slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind")) {
			s.Mounts[i].Source = filepath.Join(b.Dir, m.Source)
		}
	}
	return json.Marshal(&s)
}

// withHostname adds "hostname": host to hostless, a JSON object without that member
// (hostlessConfig), as its first member: the order of members means nothing to runsc's
// JSON decoder, and so one encoding of the spec serves every container.
func withHostname(hostless []byte, host string) []byte {
	h, _ := json.Marshal(host) // a string always encodes
	out := make([]byte, 0, len(hostless)+len(h)+len(`"hostname":,`))
	out = append(out, `{"hostname":`...)
	out = append(out, h...)
	if rest := hostless[1:]; len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, hostless[1:]...)
}

// within reports whether p is dir or below it (both clean, absolute).
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// BundleSpec describes a bundle for BuildBundle. The zero value of every field but Args
// means runtime-tools' Linux default.
type BundleSpec struct {
	Args []string // process.args; required
	// Rootfs is root.path: relative paths are inside the bundle (default "rootfs"); an
	// absolute path may name an existing directory anywhere, such as the host's "/",
	// which LoadBundle (and so Create and Run) accepts only with Readonly set.
	Rootfs   string
	Readonly bool     // root.readonly
	Cwd      string   // process.cwd; default "/"
	Env      []string // process.env ("KEY=value"); default PATH only
	Hostname string   // hostname; default none: Create and Run then give the container its ID
	// Tmpfs lists destinations (absolute) that each get a private, empty tmpfs
	// (nosuid, nodev, mode 1777), e.g. "/tmp" for scratch space on a read-only root.
	Tmpfs []string
	// Mounts are added after the default mounts (/proc, /dev, /sys, ...) and Tmpfs,
	// in order; see BindMount for a host directory.
	Mounts []specs.Mount
}

// BindMount returns a mount of the host path source at destination inside the
// container, read-only if readonly, for BundleSpec.Mounts.
func BindMount(source, destination string, readonly bool) specs.Mount {
	opts := []string{"rbind", "nosuid", "nodev"}
	if readonly {
		opts = append(opts, "ro")
	} else {
		opts = append(opts, "rw")
	}
	return specs.Mount{Destination: destination, Type: "bind", Source: source, Options: opts}
}

// BuildBundle writes dir/config.json for bs, generated by runtime-tools from its Linux
// defaults, with a terminal-less process, and returns it loaded (LoadBundle). A field of
// bs at fault is named in the *BundleError ("tmpfs[0]", "mounts[1].source"). dir must exist and must not already hold a
// config.json (a caller's bundle is never overwritten).
func BuildBundle(dir string, bs BundleSpec) (*Bundle, error) {
	if len(bs.Args) == 0 {
		return nil, &BundleError{Bundle: dir, Field: "process.args", Reason: "empty: nothing to run"}
	}
	g, err := generate.New("linux")
	if err != nil {
		return nil, &BundleError{Bundle: dir, Reason: "generating the default spec", Err: err}
	}
	rootfs := bs.Rootfs
	if rootfs == "" {
		rootfs = "rootfs"
	}
	g.SetRootPath(rootfs)
	g.SetRootReadonly(bs.Readonly)
	g.SetProcessArgs(bs.Args)
	g.SetProcessTerminal(false)
	if bs.Cwd != "" {
		g.SetProcessCwd(bs.Cwd)
	}
	if bs.Env != nil {
		g.ClearProcessEnv()
		for _, kv := range bs.Env {
			k, v, _ := strings.Cut(kv, "=")
			g.AddProcessEnv(k, v)
		}
	}
	// Not runtime-tools' fixed default: without a hostname, Create and Run use the ID.
	g.SetHostname(bs.Hostname)
	for i, d := range bs.Tmpfs {
		if !filepath.IsAbs(d) {
			return nil, &BundleError{Bundle: dir, Field: fmt.Sprintf("tmpfs[%d]", i), Reason: fmt.Sprintf("destination %q is not absolute", d)}
		}
		g.AddMount(specs.Mount{Destination: d, Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777"}})
	}
	for i, m := range bs.Mounts {
		if !filepath.IsAbs(m.Destination) {
			return nil, &BundleError{Bundle: dir, Field: fmt.Sprintf("mounts[%d].destination", i), Reason: fmt.Sprintf("%q is not absolute", m.Destination)}
		}
		if m.Type == "bind" && !filepath.IsAbs(m.Source) {
			return nil, &BundleError{Bundle: dir, Field: fmt.Sprintf("mounts[%d].source", i), Reason: fmt.Sprintf("bind source %q is not absolute", m.Source)}
		}
		g.AddMount(m)
	}
	// Validated before it is written: a refused spec leaves no config.json behind to
	// refuse the corrected retry.
	var cfg bytes.Buffer
	if err := g.Save(&cfg, generate.ExportOptions{}); err != nil {
		return nil, &BundleError{Bundle: dir, Reason: "cannot encode config.json", Err: err}
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		if _, err := parseBundle(dir, real, cfg.Bytes(), false); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, "config.json"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, &BundleError{Bundle: dir, Reason: "config.json already exists; not overwriting", Err: err}
		}
		return nil, &BundleError{Bundle: dir, Reason: "cannot write config.json", Err: err}
	}
	if _, err := f.Write(cfg.Bytes()); err != nil {
		f.Close()
		return nil, &BundleError{Bundle: dir, Reason: "cannot write config.json", Err: err}
	}
	if err := f.Close(); err != nil {
		return nil, &BundleError{Bundle: dir, Reason: "cannot write config.json", Err: err}
	}
	return LoadBundle(dir)
}
