package runtime

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A config.json is parsed again whenever its bytes change, and only then; the root
// filesystem is checked on every load, cached or not.
func TestSpecCacheParsesOnlyNewContents(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "rootfs"), 0o755)
	writeConfig(t, dir, nil)
	var sc specCache
	b1, err := sc.load(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := sc.load(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if b2.Spec != b1.Spec || b2.parsed != b1.parsed {
		t.Error("the same config.json was parsed twice")
	}
	if c, err := sc.load(dir, true); err != nil || c.Spec == b1.Spec {
		t.Errorf("a client's load shares the entry of a plain one (%v)", err)
	}
	if l, _ := LoadBundle(dir); l.Spec == b1.Spec || l.parsed != nil {
		t.Error("LoadBundle returned the cache's spec, which its caller may change")
	}

	writeConfig(t, dir, func(m map[string]any) { m["hostname"] = "changed" })
	b3, err := sc.load(dir, false)
	if err != nil || b3.Spec == b1.Spec || b3.Spec.Hostname != "changed" {
		t.Fatalf("changed config.json: %v, hostname %q", err, b3.Spec.Hostname)
	}
	writeConfig(t, dir, func(m map[string]any) { delete(m, "process") })
	var be *BundleError
	if _, err := sc.load(dir, false); !errors.As(err, &be) || be.Field != "process" {
		t.Errorf("invalid config.json after valid ones: want its *BundleError, got %v", err)
	}
	writeConfig(t, dir, nil)
	if b4, err := sc.load(dir, false); err != nil || b4.Spec != b1.Spec {
		t.Errorf("the first contents again: %v, parsed again %v", err, b4 == nil || b4.Spec != b1.Spec)
	}
	os.Remove(filepath.Join(dir, "rootfs"))
	if _, err := sc.load(dir, false); !errors.As(err, &be) || be.Field != "root.path" {
		t.Errorf("root filesystem gone, config.json cached: want a root.path error, got %v", err)
	}
}

// The cache holds specCacheSize contents, dropping the least recently used.
func TestSpecCacheBounded(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "rootfs"), 0o755)
	var sc specCache
	load := func(i int) *specs.Spec {
		t.Helper()
		writeConfig(t, dir, func(m map[string]any) { m["hostname"] = "h" + strconv.Itoa(i) })
		b, err := sc.load(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		return b.Spec
	}
	first := load(0)
	for i := 1; i < specCacheSize; i++ {
		load(i)
	}
	if load(0) != first { // now the most recent: 1 is the least
		t.Fatal("entry 0 was dropped while the cache had room")
	}
	second := load(1)
	load(specCacheSize) // drops 2, the least recently used
	if len(sc.entries) != specCacheSize {
		t.Fatalf("%d entries, want %d", len(sc.entries), specCacheSize)
	}
	if load(0) != first || load(1) != second {
		t.Error("a recently used entry was dropped")
	}
	hits := 0
	for i := 2; i <= specCacheSize; i++ {
		writeConfig(t, dir, func(m map[string]any) { m["hostname"] = "h" + strconv.Itoa(i) })
		data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
		if sc.lookup(data, false) != nil {
			hits++
		}
	}
	if want := specCacheSize - 2; hits != want { // all of 2..specCacheSize but 2
		t.Errorf("%d of the other entries kept, want %d", hits, want)
	}
}

// The copy runsc gets names the ID as hostname and is otherwise the bundle's spec with
// its root and relative bind sources made absolute, from the cache or not.
func TestHostnamedCopy(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "rootfs"), 0o755)
	writeConfig(t, dir, func(m map[string]any) {
		m["mounts"] = []map[string]any{
			{"destination": "/data", "type": "bind", "source": "data", "options": []string{"rbind", "ro"}},
			{"destination": "/abs", "type": "bind", "source": "/srv", "options": []string{"rbind"}},
			{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"},
		}
		m["annotations"] = map[string]string{"hostname": `"hostname":"x"`}
	})
	var sc specCache
	var dirs copyDirs
	work := t.TempDir()
	cached, err := sc.load(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := LoadBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range []*Bundle{cached, cached, plain} {
		id := "c-" + strconv.Itoa(i)
		bdir, drop, err := b.hostnamed(&dirs, work, id)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(bdir, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(data, &members); err != nil {
			t.Fatalf("copy for %s is not JSON: %v\n%s", id, err, data)
		}
		var got specs.Spec
		json.Unmarshal(data, &got)
		want := *plain.Spec
		want.Hostname = id
		want.Root = &specs.Root{Path: filepath.Join(plain.Dir, "rootfs")}
		want.Mounts = append([]specs.Mount(nil), want.Mounts...)
		want.Mounts[0].Source = filepath.Join(plain.Dir, "data")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("copy for %s:\n got %+v\nwant %+v", id, got, want)
		}
		drop()
		if _, err := os.Stat(filepath.Join(bdir, "config.json")); !os.IsNotExist(err) {
			t.Errorf("drop left the copy for %s: %v", id, err)
		}
	}
	if plain.Spec.Hostname != "" || cached.Spec.Mounts[0].Source != "data" {
		t.Error("hostnamed changed the bundle's own spec")
	}
	// A second bundle with the same config.json shares the parse, not the paths.
	other := t.TempDir()
	os.Mkdir(filepath.Join(other, "rootfs"), 0o755)
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	os.WriteFile(filepath.Join(other, "config.json"), data, 0o644)
	for _, d := range []string{other, dir} {
		b, err := sc.load(d, false)
		if err != nil || b.Spec != cached.Spec {
			t.Fatalf("same config.json in %s: %v, parsed again %v", d, err, err == nil && b.Spec != cached.Spec)
		}
		bdir, drop, err := b.hostnamed(&dirs, work, "c")
		if err != nil {
			t.Fatal(err)
		}
		var got specs.Spec
		data, _ := os.ReadFile(filepath.Join(bdir, "config.json"))
		json.Unmarshal(data, &got)
		drop()
		if got.Root.Path != filepath.Join(b.Dir, "rootfs") || got.Mounts[0].Source != filepath.Join(b.Dir, "data") {
			t.Errorf("copy of the bundle in %s names root %q and bind source %q", d, got.Root.Path, got.Mounts[0].Source)
		}
	}
}

func TestWithHostname(t *testing.T) {
	for hostless, members := range map[string]int{`{}`: 1, `{"ociVersion":"1.0.2"}`: 2} {
		out := withHostname([]byte(hostless), `a"b`)
		var m map[string]string
		if err := json.Unmarshal(out, &m); err != nil || m["hostname"] != `a"b` || len(m) != members {
			t.Errorf("withHostname(%s) = %s (%v)", hostless, out, err)
		}
	}
}

// Emptied copy directories are reused, up to copyDirsKept; the rest are removed.
func TestCopyDirsReused(t *testing.T) {
	parent := t.TempDir()
	var cd copyDirs
	var got []string
	for range copyDirsKept + 3 {
		d, err := cd.get(parent)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "config.json"), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
		got = append(got, d)
	}
	for _, d := range got {
		cd.put(d)
	}
	ents, _ := os.ReadDir(parent)
	if len(ents) != copyDirsKept {
		t.Fatalf("%d directories left, want the %d kept", len(ents), copyDirsKept)
	}
	d, err := cd.get(parent)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(d) != parent {
		t.Fatalf("directory %q is not under %q", d, parent)
	}
	if inner, _ := os.ReadDir(d); len(inner) != 0 {
		t.Errorf("reused directory holds %d entries", len(inner))
	}
	if ents, _ := os.ReadDir(parent); len(ents) != copyDirsKept {
		t.Errorf("get made a directory while %d were kept", copyDirsKept)
	}
}

// A config.json over specCacheMaxBytes is parsed on every load and never kept; loads
// of one contents at once share one entry.
func TestSpecCacheKeepsNoLargeConfig(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "rootfs"), 0o755)
	writeConfig(t, dir, func(m map[string]any) {
		m["annotations"] = map[string]string{"pad": strings.Repeat("x", specCacheMaxBytes)}
	})
	var sc specCache
	b1, err := sc.load(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := sc.load(dir, false)
	if len(sc.entries) != 0 || b1.Spec == b2.Spec {
		t.Errorf("a config.json of %d bytes was kept", specCacheMaxBytes+100)
	}
	writeConfig(t, dir, nil)
	var wg sync.WaitGroup
	got := make([]*specs.Spec, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b, err := sc.load(dir, false); err == nil {
				got[i] = b.Spec
			}
		}()
	}
	wg.Wait()
	if len(sc.entries) != 1 {
		t.Errorf("%d entries for one contents loaded at once", len(sc.entries))
	}
	if b, _ := sc.load(dir, false); b.Spec != sc.entries[0].spec {
		t.Error("a later load does not share the entry")
	}
}
