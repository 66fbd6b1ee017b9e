package runtime

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func writeConfig(t *testing.T, dir string, mutate func(m map[string]any)) {
	t.Helper()
	cfg := map[string]any{
		"ociVersion": "1.0.2",
		"process":    map[string]any{"args": []string{"/bin/true"}, "cwd": "/"},
		"root":       map[string]any{"path": "rootfs"},
	}
	if mutate != nil {
		mutate(cfg)
	}
	data, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadBundleFields(t *testing.T) {
	outside := t.TempDir()
	for _, c := range []struct {
		name, field string
		mutate      func(m map[string]any)
		raw         string
	}{
		{"no-version", "ociVersion", func(m map[string]any) { delete(m, "ociVersion") }, ""},
		{"no-process", "process", func(m map[string]any) { delete(m, "process") }, ""},
		{"empty-args", "process.args", func(m map[string]any) { m["process"] = map[string]any{"args": []string{}, "cwd": "/"} }, ""},
		{"relative-cwd", "process.cwd", func(m map[string]any) { m["process"] = map[string]any{"args": []string{"x"}, "cwd": "tmp"} }, ""},
		{"terminal", "process.terminal", func(m map[string]any) {
			m["process"] = map[string]any{"args": []string{"x"}, "cwd": "/", "terminal": true}
		}, ""},
		{"no-root", "root.path", func(m map[string]any) { delete(m, "root") }, ""},
		{"dotdot-root", "root.path", func(m map[string]any) { m["root"] = map[string]any{"path": "../" + filepath.Base(outside)} }, ""},
		{"absolute-writable-root", "root.path", func(m map[string]any) { m["root"] = map[string]any{"path": outside} }, ""},
		{"symlink-escape", "root.path", func(m map[string]any) { m["root"] = map[string]any{"path": "escape"} }, ""},
		{"missing-root", "root.path", func(m map[string]any) { m["root"] = map[string]any{"path": "nope"} }, ""},
		{"relative-mount", "mounts[0].destination", func(m map[string]any) {
			m["mounts"] = []map[string]any{{"destination": "proc", "type": "proc", "source": "proc"}}
		}, ""},
		{"wrong-type", "process.args", nil, `{"ociVersion":"1.0.2","process":{"args":"notalist","cwd":"/"},"root":{"path":"rootfs"}}`},
		{"not-json", "", nil, `{`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(outside, c.name)
			os.MkdirAll(filepath.Join(dir, "rootfs"), 0o755)
			os.Symlink(outside, filepath.Join(dir, "escape"))
			if c.raw != "" {
				os.WriteFile(filepath.Join(dir, "config.json"), []byte(c.raw), 0o644)
			} else {
				writeConfig(t, dir, c.mutate)
			}
			_, err := LoadBundle(dir)
			var be *BundleError
			if !errors.As(err, &be) || !errors.Is(err, ErrInvalidBundle) {
				t.Fatalf("want *BundleError, got %v", err)
			}
			if be.Field != c.field {
				t.Fatalf("field = %q, want %q (%v)", be.Field, c.field, err)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		dir := filepath.Join(outside, "valid")
		os.MkdirAll(filepath.Join(dir, "rootfs"), 0o755)
		writeConfig(t, dir, nil)
		b, err := LoadBundle(dir)
		if err != nil || b.Root != filepath.Join(dir, "rootfs") || b.Spec.Process.Args[0] != "/bin/true" {
			t.Fatalf("LoadBundle = %+v, %v", b, err)
		}
	})
	t.Run("readonly-host-root", func(t *testing.T) {
		dir := filepath.Join(outside, "host")
		os.MkdirAll(dir, 0o755)
		writeConfig(t, dir, func(m map[string]any) { m["root"] = map[string]any{"path": "/", "readonly": true} })
		if _, err := LoadBundle(dir); err != nil {
			t.Fatalf("read-only external root refused: %v", err)
		}
	})
	t.Run("missing-dir", func(t *testing.T) {
		if _, err := LoadBundle(filepath.Join(outside, "absent")); !errors.Is(err, ErrInvalidBundle) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestBuildBundleNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "rootfs"), 0o755)
	b, err := BuildBundle(dir, BundleSpec{Args: []string{"/bin/echo", "hi"}, Env: []string{"PATH=/bin", "A=b"}, Hostname: "h", Cwd: "/tmp"})
	if err != nil {
		t.Fatal(err)
	}
	p := b.Spec.Process
	if p.Terminal || p.Cwd != "/tmp" || len(p.Env) != 2 || b.Spec.Hostname != "h" || p.Args[1] != "hi" {
		t.Fatalf("generated spec: %+v", p)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	_, err = BuildBundle(dir, BundleSpec{Args: []string{"/bin/false"}})
	after, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if !errors.Is(err, ErrInvalidBundle) || string(before) != string(after) {
		t.Fatalf("second BuildBundle: %v; config changed: %v", err, string(before) != string(after))
	}
	if _, err := BuildBundle(t.TempDir(), BundleSpec{}); !errors.Is(err, ErrInvalidBundle) {
		t.Fatalf("empty args: %v", err)
	}
}

func TestValidateID(t *testing.T) {
	for _, ok := range []string{"a", "A_b-c.d+e", "x1", strings.Repeat("x", MaxIDLen)} {
		if err := ValidateID(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "a b", "a\nb", "ü", string(make([]byte, 121)), strings.Repeat("x", MaxIDLen+1)} {
		if err := ValidateID(bad); !errors.Is(err, ErrInvalidID) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// What a caller running a command on an existing tree needs: an absolute read-only
// root outside the bundle, scratch tmpfs, and extra mounts.
func TestBuildBundleMountsAndExternalRoot(t *testing.T) {
	rootfs, data := t.TempDir(), t.TempDir()
	dir := t.TempDir()
	b, err := BuildBundle(dir, BundleSpec{Args: []string{"true"}, Rootfs: rootfs, Readonly: true,
		Tmpfs: []string{"/tmp"}, Mounts: []specs.Mount{BindMount(data, "/data", true)}, Hostname: "h1"})
	if err != nil {
		t.Fatal(err)
	}
	if b.Root != rootfs || !b.Spec.Root.Readonly || b.Spec.Hostname != "h1" {
		t.Fatalf("root %q readonly %v hostname %q", b.Root, b.Spec.Root.Readonly, b.Spec.Hostname)
	}
	n := len(b.Spec.Mounts)
	if n < 2 {
		t.Fatalf("mounts %+v", b.Spec.Mounts)
	}
	tmp, bind := b.Spec.Mounts[n-2], b.Spec.Mounts[n-1]
	if tmp.Destination != "/tmp" || tmp.Type != "tmpfs" || !slices.Contains(tmp.Options, "mode=1777") {
		t.Errorf("tmpfs mount %+v", tmp)
	}
	if bind.Destination != "/data" || bind.Source != data || bind.Type != "bind" || !slices.Contains(bind.Options, "ro") {
		t.Errorf("bind mount %+v", bind)
	}
	for field, bs := range map[string]BundleSpec{
		"tmpfs[0]":              {Args: []string{"true"}, Tmpfs: []string{"tmp"}},
		"mounts[0].destination": {Args: []string{"true"}, Mounts: []specs.Mount{{Destination: "data", Type: "tmpfs"}}},
		"mounts[0].source":      {Args: []string{"true"}, Mounts: []specs.Mount{BindMount("rel", "/data", false)}},
	} {
		_, err := BuildBundle(t.TempDir(), bs)
		var be *BundleError
		if !errors.As(err, &be) || be.Field != field {
			t.Errorf("%s: want a *BundleError naming it, got %v", field, err)
		}
	}
	// A writable root outside the bundle is refused when loaded.
	if _, err := BuildBundle(t.TempDir(), BundleSpec{Args: []string{"true"}, Rootfs: rootfs}); !errors.Is(err, ErrInvalidBundle) {
		t.Errorf("writable external root: %v", err)
	}
}

// TestBuildBundleRefusedWritesNothing: a spec BuildBundle refuses leaves no config.json,
// so the corrected retry in the same directory succeeds.
func TestBuildBundleRefusedWritesNothing(t *testing.T) {
	host := t.TempDir()
	for name, bad := range map[string]BundleSpec{
		"writable root outside the bundle": {Args: []string{"/bin/ls"}, Rootfs: host},
		"relative cwd":                     {Args: []string{"/bin/ls"}, Rootfs: host, Readonly: true, Cwd: "work"},
		"missing root":                     {Args: []string{"/bin/ls"}, Rootfs: filepath.Join(host, "nowhere"), Readonly: true},
	} {
		dir := t.TempDir()
		if _, err := BuildBundle(dir, bad); err == nil {
			t.Errorf("%s: BuildBundle accepted it", name)
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, "config.json")); err == nil {
			t.Errorf("%s: a refused spec was written", name)
		}
		good := bad
		good.Rootfs, good.Readonly, good.Cwd = host, true, "/"
		if _, err := BuildBundle(dir, good); err != nil {
			t.Errorf("%s: the corrected retry: %v", name, err)
		}
	}
}
