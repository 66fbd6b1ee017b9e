package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// elfCopy puts a copy of the test binary (an ELF executable) at path.
func elfCopy(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is masked by umask
		t.Fatal(err)
	}
}

func wantTrust(t *testing.T, err error, path, reason string) {
	t.Helper()
	var te *TrustError
	if !errors.As(err, &te) || !errors.Is(err, ErrUntrusted) {
		t.Fatalf("want *TrustError for %s (%s), got %v", path, reason, err)
	}
	if te.Path != path || !strings.Contains(te.Reason, reason) {
		t.Fatalf("want refusal of %s for %q, got %v", path, reason, err)
	}
}

func TestOpenBinaryChecks(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "runsc")
	elfCopy(t, good, 0o755)

	b, err := OpenBinary(good)
	if err != nil {
		t.Fatalf("trusted binary refused: %v", err)
	}
	if b.Path() != good || b.Wrapper() != "" {
		t.Fatalf("Path/Wrapper = %q/%q", b.Path(), b.Wrapper())
	}
	b.Close()

	t.Run("relative", func(t *testing.T) {
		_, err := OpenBinary("runsc")
		wantTrust(t, err, "runsc", "absolute")
	})
	t.Run("missing", func(t *testing.T) {
		_, err := OpenBinary(filepath.Join(dir, "nope"))
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("want ErrNotFound, got %v", err)
		}
	})
	t.Run("world-writable", func(t *testing.T) {
		p := filepath.Join(dir, "ww")
		elfCopy(t, p, 0o757)
		_, err := OpenBinary(p)
		wantTrust(t, err, p, "group/world-writable")
	})
	t.Run("group-writable", func(t *testing.T) {
		p := filepath.Join(dir, "gw")
		elfCopy(t, p, 0o775)
		_, err := OpenBinary(p)
		wantTrust(t, err, p, "group/world-writable")
	})
	t.Run("not-executable", func(t *testing.T) {
		p := filepath.Join(dir, "nx")
		elfCopy(t, p, 0o644)
		_, err := OpenBinary(p)
		wantTrust(t, err, p, "not executable")
	})
	t.Run("directory", func(t *testing.T) {
		p := filepath.Join(dir, "adir")
		os.Mkdir(p, 0o755)
		_, err := OpenBinary(p)
		wantTrust(t, err, p, "directory")
	})
	t.Run("fifo", func(t *testing.T) {
		p := filepath.Join(dir, "fifo")
		if err := syscall.Mkfifo(p, 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := OpenBinary(p)
		wantTrust(t, err, p, "not a regular file")
	})
	t.Run("not-elf", func(t *testing.T) {
		p := filepath.Join(dir, "text")
		os.WriteFile(p, []byte("hello\n"), 0o755)
		_, err := OpenBinary(p)
		wantTrust(t, err, p, "neither an ELF")
	})
	t.Run("writable-directory", func(t *testing.T) {
		wd := filepath.Join(dir, "open")
		os.Mkdir(wd, 0o755)
		os.Chmod(wd, 0o777)
		p := filepath.Join(wd, "runsc")
		elfCopy(t, p, 0o755)
		_, err := OpenBinary(p)
		wantTrust(t, err, wd, "group/world-writable")
	})
	t.Run("symlink-into-untrusted", func(t *testing.T) {
		wd := filepath.Join(dir, "open2")
		os.Mkdir(wd, 0o755)
		os.Chmod(wd, 0o777)
		target := filepath.Join(wd, "runsc")
		elfCopy(t, target, 0o755)
		link := filepath.Join(dir, "link-untrusted")
		os.Symlink(target, link)
		_, err := OpenBinary(link)
		wantTrust(t, err, wd, "group/world-writable")
	})
	t.Run("symlink-trusted", func(t *testing.T) {
		link := filepath.Join(dir, "link-good")
		os.Symlink("runsc", link) // relative link
		b, err := OpenBinary(link)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if b.Path() != good {
			t.Fatalf("Path = %q, want the link target %q", b.Path(), good)
		}
	})
	t.Run("wrapper", func(t *testing.T) {
		w := filepath.Join(dir, "wrapper")
		os.WriteFile(w, []byte("#!/bin/sh\n# packaged wrapper\nset -e\nexec "+good+" \"$@\"\n"), 0o755)
		b, err := OpenBinary(w)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if b.Path() != good || b.Wrapper() != w {
			t.Fatalf("Path/Wrapper = %q/%q", b.Path(), b.Wrapper())
		}
	})
	t.Run("wrapper-extra-args", func(t *testing.T) {
		w := filepath.Join(dir, "wrapper-args")
		os.WriteFile(w, []byte("#!/bin/sh\nexec "+good+" --platform=kvm \"$@\"\n"), 0o755)
		_, err := OpenBinary(w)
		wantTrust(t, err, w, "unsupported line")
	})
	t.Run("wrapper-to-untrusted", func(t *testing.T) {
		bad := filepath.Join(dir, "ww2")
		elfCopy(t, bad, 0o777)
		w := filepath.Join(dir, "wrapper-bad")
		os.WriteFile(w, []byte("#!/bin/sh\nexec "+bad+" \"$@\"\n"), 0o755)
		_, err := OpenBinary(w)
		wantTrust(t, err, bad, "group/world-writable")
	})
	t.Run("wrapper-to-wrapper", func(t *testing.T) {
		w1 := filepath.Join(dir, "w1")
		os.WriteFile(w1, []byte("#!/bin/sh\nexec "+good+" \"$@\"\n"), 0o755)
		w2 := filepath.Join(dir, "w2")
		os.WriteFile(w2, []byte("#!/bin/sh\nexec "+w1+" \"$@\"\n"), 0o755)
		_, err := OpenBinary(w2)
		wantTrust(t, err, w1, "another wrapper")
	})
	t.Run("foreign-owner", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("SKIPPING: chown to another uid needs root")
		}
		p := filepath.Join(dir, "foreign")
		elfCopy(t, p, 0o755)
		if err := os.Chown(p, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		_, err := OpenBinary(p)
		wantTrust(t, err, p, "owned by uid 4242")
	})
}

func TestResolveOrder(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	elfCopy(t, good, 0o755)
	bad := filepath.Join(dir, "bad")
	elfCopy(t, bad, 0o777)
	missing := filepath.Join(dir, "missing")

	b, err := resolve([]string{missing, good}, false)
	if err != nil || b.Path() != good {
		t.Fatalf("resolve skipped to %v, %v", b, err)
	}
	b.Close()
	// The first existing candidate decides: an untrusted one is not skipped over.
	if _, err := resolve([]string{bad, good}, false); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("untrusted first candidate: got %v", err)
	}
	// PATH is consulted only when asked (non-root).
	pathDir := filepath.Join(dir, "bin")
	os.Mkdir(pathDir, 0o755)
	elfCopy(t, filepath.Join(pathDir, "runsc"), 0o755)
	t.Setenv("PATH", pathDir)
	if _, err := resolve([]string{missing}, false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("PATH searched although not allowed: %v", err)
	}
	b, err = resolve([]string{missing}, true)
	if err != nil || b.Path() != filepath.Join(pathDir, "runsc") {
		t.Fatalf("PATH not searched: %v %v", b, err)
	}
	b.Close()
}

func TestParseVersion(t *testing.T) {
	for _, c := range []struct{ out, rel, spec string }{
		{"runsc version 0.0~20221219.0\nspec: 1.0.2-dev\n", "0.0~20221219.0", "1.0.2-dev"},
		{"runsc version VERSION_MISSING\nspec: 1.1.0\n", "VERSION_MISSING", "1.1.0"},
		{"runsc version release-20260905.0\nspec: 1.2.1\n", "release-20260905.0", "1.2.1"},
		{"runsc version release-20230605.1\nspec: 1.1.0-rc.1\n", "release-20230605.1", "1.1.0-rc.1"},
		{"runsc version 0.0~20221219.0-1+b2\nspec: 1.0.2-dev\n", "0.0~20221219.0-1+b2", "1.0.2-dev"},
	} {
		v, err := ParseVersion(c.out)
		if err != nil || v.Release != c.rel || v.Spec != c.spec {
			t.Errorf("ParseVersion(%q) = %+v, %v", c.out, v, err)
		}
	}
	if v, _ := ParseVersion("runsc version VERSION_MISSING\nspec: 1.1.0"); !v.Unstamped() {
		t.Error("VERSION_MISSING not reported as unstamped")
	}
	for _, garbage := range []string{"", "hello", "\x00\x01", "runsc version 1.0\n", "spec: 1.0.2\n", "runsc version \nspec: x",
		"runsc version 1.0\nspec: 1.0.2\n", "runsc version release-2026\nspec: 1.2.1\n", "runsc version release-20261399.0\nspec: 1.2.1\n",
		"runsc version 0.0~20221219.0; rm -rf /\nspec: 1.0.2\n", "runsc version VERSION_MISSING_X\nspec: 1.2.1\n"} {
		_, err := ParseVersion(garbage)
		var ve *VersionError
		if !errors.As(err, &ve) || !errors.Is(err, ErrBadVersion) || ve.Output != garbage {
			t.Errorf("ParseVersion(%q): want *VersionError, got %v", garbage, err)
		}
	}
}

func TestOpenBinaryLongWrapper(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "runsc")
	elfCopy(t, good, 0o755)
	w := filepath.Join(dir, "long")
	os.WriteFile(w, []byte("#!/bin/sh\n"+strings.Repeat("# padding\n", 500)+"exec "+good+" \"$@\"\n"), 0o755)
	_, err := OpenBinary(w)
	wantTrust(t, err, w, "longer than 4 KiB")
}

// TestOpenBinaryDirectoryLinksChecked: a directory symlink in the middle of the path is
// only as safe as the directory that holds it, like a link to the binary itself.
func TestOpenBinaryDirectoryLinksChecked(t *testing.T) {
	needRunsc(t)
	base := t.TempDir()
	open := filepath.Join(base, "open") // anyone may replace its entries
	safe := filepath.Join(base, "safe")
	for _, d := range []string{open, safe} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	bindir := filepath.Dir(realRunsc)
	for _, l := range [][2]string{
		{filepath.Join(open, "dirlink"), bindir},
		{filepath.Join(safe, "dirlink"), bindir},
		{filepath.Join(safe, "via-open"), filepath.Join(open, "dirlink")},
		{filepath.Join(safe, "rel"), "dirlink"},
	} {
		if err := os.Symlink(l[1], l[0]); err != nil {
			t.Fatal(err)
		}
	}
	name := filepath.Base(realRunsc)
	for _, bad := range []string{
		filepath.Join(open, "dirlink", name),
		filepath.Join(safe, "via-open", name),
		filepath.Join(open, "dirlink", ".", name),
	} {
		b, err := OpenBinary(bad)
		var te *TrustError
		if !errors.As(err, &te) {
			t.Errorf("OpenBinary(%s) = %v, %v; want a *TrustError", bad, b, err)
		}
		if b != nil {
			b.Close()
		}
	}
	for _, good := range []string{filepath.Join(safe, "dirlink", name), filepath.Join(safe, "rel", name)} {
		b, err := OpenBinary(good)
		if err != nil {
			t.Errorf("OpenBinary(%s): %v", good, err)
			continue
		}
		if b.Path() != realRunsc {
			t.Errorf("OpenBinary(%s) resolved to %s", good, b.Path())
		}
		b.Close()
	}
}

// TestBinaryHeldAboveStdio: in a process started with stdin closed, the validated
// binary's descriptor could be 0; a command's child makes its own stdin fd 0 before it
// executes /proc/self/fd/N, so the binary is held above 0-2 and still runs.
func TestBinaryHeldAboveStdio(t *testing.T) {
	saved, err := syscall.Dup(0)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Close(0)
	b, err := OpenBinary("/bin/true")
	if e := syscall.Dup2(saved, 0); e != nil {
		t.Fatalf("restoring stdin: %v", e)
	}
	syscall.Close(saved)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if fd := b.f.Fd(); fd <= 2 {
		t.Fatalf("the binary is held on descriptor %d, which a child's stdio replaces", fd)
	}
	if out, err := b.command(context.Background()).CombinedOutput(); err != nil {
		t.Fatalf("running the held binary: %v %s", err, out)
	}
}
