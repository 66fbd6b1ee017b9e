package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
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

	// elf puts a copy of the test binary at name in dir, with mode; script writes an
	// executable text file there; openDir makes a directory anyone may write to.
	elf := func(t *testing.T, name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		elfCopy(t, p, mode)
		return p
	}
	script := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o755)
		return p
	}
	openDir := func(name string) string {
		wd := filepath.Join(dir, name)
		os.Mkdir(wd, 0o755)
		os.Chmod(wd, 0o777)
		return wd
	}
	// Each refusal: setup returns the path to open and the path the refusal names.
	for _, c := range []struct {
		name   string
		setup  func(t *testing.T) (open, refused string)
		reason string
	}{
		{"relative", func(*testing.T) (string, string) { return "runsc", "runsc" }, "absolute"},
		{"world-writable", func(t *testing.T) (string, string) { p := elf(t, "ww", 0o757); return p, p }, "group/world-writable"},
		{"group-writable", func(t *testing.T) (string, string) { p := elf(t, "gw", 0o775); return p, p }, "group/world-writable"},
		{"not-executable", func(t *testing.T) (string, string) { p := elf(t, "nx", 0o644); return p, p }, "not executable"},
		{"directory", func(*testing.T) (string, string) {
			p := filepath.Join(dir, "adir")
			os.Mkdir(p, 0o755)
			return p, p
		}, "directory"},
		{"fifo", func(t *testing.T) (string, string) {
			p := filepath.Join(dir, "fifo")
			if err := syscall.Mkfifo(p, 0o755); err != nil {
				t.Fatal(err)
			}
			return p, p
		}, "not a regular file"},
		{"not-elf", func(*testing.T) (string, string) { p := script("text", "hello\n"); return p, p }, "neither an ELF"},
		{"writable-directory", func(t *testing.T) (string, string) {
			wd := openDir("open")
			p := filepath.Join(wd, "runsc")
			elfCopy(t, p, 0o755)
			return p, wd
		}, "group/world-writable"},
		{"symlink-into-untrusted", func(t *testing.T) (string, string) {
			wd := openDir("open2")
			target := filepath.Join(wd, "runsc")
			elfCopy(t, target, 0o755)
			link := filepath.Join(dir, "link-untrusted")
			os.Symlink(target, link)
			return link, wd
		}, "group/world-writable"},
		{"wrapper-extra-args", func(*testing.T) (string, string) {
			w := script("wrapper-args", "#!/bin/sh\nexec "+good+" --platform=kvm \"$@\"\n")
			return w, w
		}, "unsupported line"},
		{"wrapper-to-untrusted", func(t *testing.T) (string, string) {
			bad := elf(t, "ww2", 0o777)
			return script("wrapper-bad", "#!/bin/sh\nexec "+bad+" \"$@\"\n"), bad
		}, "group/world-writable"},
		{"wrapper-to-wrapper", func(*testing.T) (string, string) {
			w1 := script("w1", "#!/bin/sh\nexec "+good+" \"$@\"\n")
			return script("w2", "#!/bin/sh\nexec "+w1+" \"$@\"\n"), w1
		}, "another wrapper"},
		{"foreign-owner", func(t *testing.T) (string, string) {
			if os.Geteuid() != 0 {
				t.Skip("SKIPPING: chown to another uid needs root")
			}
			p := elf(t, "foreign", 0o755)
			if err := os.Chown(p, 4242, 4242); err != nil {
				t.Fatal(err)
			}
			return p, p
		}, "owned by uid 4242"},
	} {
		t.Run(c.name, func(t *testing.T) {
			open, refused := c.setup(t)
			_, err := OpenBinary(open)
			wantTrust(t, err, refused, c.reason)
		})
	}
	t.Run("missing", func(t *testing.T) {
		_, err := OpenBinary(filepath.Join(dir, "nope"))
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("want ErrNotFound, got %v", err)
		}
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
		w := script("wrapper", "#!/bin/sh\n# packaged wrapper\nset -e\nexec "+good+" \"$@\"\n")
		b, err := OpenBinary(w)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if b.Path() != good || b.Wrapper() != w {
			t.Fatalf("Path/Wrapper = %q/%q", b.Path(), b.Wrapper())
		}
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
	cmd := b.command(context.Background())
	std := stdioFiles(t, -1)
	defer closeAll(std)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = std[0], std[1], std[2]
	if err := b.start(cmd); err != nil {
		t.Fatalf("starting the held binary: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("running the held binary: %v", err)
	}
}

// stdioFiles returns three files for a command's stdio: on the descriptors just below
// top, or wherever they open if top < 0. The caller closes them.
func stdioFiles(t *testing.T, top int) []*os.File {
	t.Helper()
	var fs []*os.File
	for i := 3; i > 0; i-- {
		f, err := os.CreateTemp(t.TempDir(), "stdio")
		if err != nil {
			t.Fatal(err)
		}
		if top >= 0 {
			if err := unix.Dup3(int(f.Fd()), top-i, unix.O_CLOEXEC); err != nil {
				t.Fatal(err)
			}
			f.Close()
			f = os.NewFile(uintptr(top-i), f.Name())
		}
		fs = append(fs, f)
	}
	return fs
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

// Whatever number the held descriptor has, a command's child executes runsc: between
// fork and exec the child moves its error pipe and stdio onto the numbers just above
// its highest stdio descriptor, which are the held one's when that follows them.
func TestBinaryStartWhereChildMovesDescriptors(t *testing.T) {
	b, err := OpenBinary("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, held := range []int{400, 404, 410} {
		if _, err := unix.FcntlInt(uintptr(held), unix.F_GETFD, 0); err == nil {
			t.Fatalf("descriptor %d is in use", held)
		}
		if err := unix.Dup3(int(b.f.Fd()), held, unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		old := b.f
		b.f = os.NewFile(uintptr(held), old.Name())
		old.Close()
		cmd := b.command(context.Background())
		// The stdio right below the held descriptor, or a few numbers lower.
		std := stdioFiles(t, 400)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = std[0], std[1], std[2]
		err := b.start(cmd)
		if err == nil {
			err = cmd.Wait()
		}
		closeAll(std)
		if err != nil {
			t.Fatalf("held on %d, stdio on 397-399: %v", held, err)
		}
	}
}
