package runtime

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// TrustedLocations are the paths ResolvePath tries, in order.
var TrustedLocations = []string{"/usr/local/bin/runsc", "/usr/bin/runsc", "/opt/gvisor/runsc"}

// safeEnv is the whole environment runsc is started with: nothing from the caller leaks
// into the sandbox's supervisor.
var safeEnv = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}

// maxSymlinks bounds symlink chains, like the kernel's ELOOP limit.
const maxSymlinks = 40

// ResolvePath finds a trustworthy runsc: the first of TrustedLocations that exists, and
// PATH only when the caller is not root (root must not be steered by its environment).
// The first candidate that exists decides: an untrusted one is an error (*TrustError),
// not a reason to try the next. It returns the symlink-free path of the binary to run
// (a `#!` wrapper is unwrapped to the binary it execs).
func ResolvePath() (string, error) {
	b, err := resolve(TrustedLocations, os.Geteuid() != 0)
	if err != nil {
		return "", err
	}
	defer b.Close()
	return b.Path(), nil
}

func resolve(candidates []string, usePATH bool) (*Binary, error) {
	for _, c := range candidates {
		if _, err := os.Lstat(c); err != nil {
			continue
		}
		return OpenBinary(c)
	}
	if usePATH {
		if p, err := exec.LookPath("runsc"); err == nil {
			abs, err := filepath.Abs(p)
			if err != nil {
				return nil, err
			}
			return OpenBinary(abs)
		}
	}
	tried := make([]string, len(candidates))
	for i, c := range candidates {
		tried[i] = strconv.Quote(c)
	}
	return nil, fmt.Errorf("%w (tried %s%s)", ErrNotFound, strings.Join(tried, ", "),
		map[bool]string{true: " and PATH", false: "; PATH is not searched as root"}[usePATH])
}

// Binary is a validated runsc executable, held open: every command runs the file that
// was checked, through its descriptor, whatever the path names later.
// Close it when done.
type Binary struct {
	path    string // symlink-free path of the validated binary
	wrapper string // the `#!` script it was unwrapped from, if any
	f       *os.File
}

// Path is the symlink-free path that was validated.
func (b *Binary) Path() string { return b.path }

// Wrapper is the wrapper script the binary was found through, or "".
func (b *Binary) Wrapper() string { return b.wrapper }

// execPath names the held descriptor; exec resolves it before close-on-exec takes effect.
func (b *Binary) execPath() string { return "/proc/self/fd/" + strconv.Itoa(int(b.f.Fd())) }

// aboveStdio returns f itself, or, if its descriptor is 0, 1 or 2 (a host process
// started with stdio closed), a duplicate above them (f is closed then): a host that
// later points its stdio somewhere (as daemons do, at /dev/null) would replace the
// held binary. (Commands do not depend on it: start executes a copy of its own.)
func aboveStdio(f *os.File) (*os.File, error) {
	if f.Fd() > 2 {
		return f, nil
	}
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, os.NewSyscallError("fcntl", err)
	}
	dup := os.NewFile(uintptr(fd), f.Name())
	f.Close()
	return dup, nil
}

// Close releases the descriptor.
func (b *Binary) Close() error { return b.f.Close() }

// command prepares runsc with the given arguments and a sanitized environment. argv[0]
// is "runsc"; start executes the held descriptor.
func (b *Binary) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.execPath(), args...)
	cmd.Args[0] = "runsc"
	cmd.Env = append([]string(nil), safeEnv...)
	return cmd
}

// start starts cmd, made by command, whose stdin, stdout and stderr must be files.
//
// Between fork and exec the child moves descriptors: it duplicates its error pipe and
// any stdio file numbered below its target onto the numbers just above the highest
// stdio descriptor, then its stdio onto 0-2. Had the held descriptor one of those
// numbers, /proc/self/fd/N would name a pipe or a stdio file by the time the child
// executes it (EACCES). So the command executes a duplicate placed above all of them,
// closed once the child has executed it.
func (b *Binary) start(cmd *exec.Cmd) error {
	top := 2
	for _, s := range []any{cmd.Stdin, cmd.Stdout, cmd.Stderr} {
		f, ok := s.(*os.File)
		if !ok {
			return fmt.Errorf("runsc command: stdio must be files, not %T", s)
		}
		top = max(top, int(f.Fd()))
	}
	for _, f := range cmd.ExtraFiles {
		if f != nil {
			top = max(top, int(f.Fd()))
		}
	}
	// The child's moves land on top+1 .. top+2+len(stdio and extra files) at most.
	fd, err := unix.FcntlInt(b.f.Fd(), unix.F_DUPFD_CLOEXEC, top+len(cmd.ExtraFiles)+8)
	if err != nil {
		return os.NewSyscallError("fcntl", err)
	}
	defer unix.Close(fd)
	cmd.Path = "/proc/self/fd/" + strconv.Itoa(fd)
	return cmd.Start()
}

// OpenBinary validates path as a runsc binary and holds it open. The checks: absolute
// path; every directory on the way (for the path itself, each symlink in its chain and
// the final target) owned by root or the caller and not group/world-writable unless
// sticky; the file itself regular, executable, owned by root or the caller, not
// group/world-writable; an ELF file, or a `#!` wrapper whose only command is
// `exec /abs/path "$@"` naming a binary that passes the same checks.
func OpenBinary(path string) (*Binary, error) {
	return openBinary(path, true)
}

func openBinary(path string, allowWrapper bool) (*Binary, error) {
	if !filepath.IsAbs(path) {
		return nil, &TrustError{Path: path, Reason: "not an absolute path"}
	}
	real, err := followLinks(filepath.Clean(path))
	if err != nil {
		return nil, err
	}
	// O_NOFOLLOW: if the final component turned into a symlink since it was checked,
	// fail rather than follow it.
	// O_NONBLOCK: a FIFO swapped in must not hang the open; it fails the checks below.
	f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, &TrustError{Path: real, Reason: "became a symlink during validation"}
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %q", ErrNotFound, real)
		}
		return nil, &TrustError{Path: real, Reason: quoteErr(err).Error()}
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
		}
	}()
	fi, err := f.Stat() // checks apply to what is held, not to what the path names now
	if err != nil {
		return nil, err
	}
	if err := checkFile(real, fi); err != nil {
		return nil, err
	}
	head := make([]byte, 4096) // a wrapper must fit: it is read whole, not streamed
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		held, err := aboveStdio(f)
		if err != nil {
			return nil, err
		}
		ok = true
		return &Binary{path: real, f: held}, nil
	case bytes.HasPrefix(head, []byte("#!")):
		if n == cap(head) {
			return nil, &TrustError{Path: real, Reason: "wrapper script longer than 4 KiB"}
		}
		if !allowWrapper {
			return nil, &TrustError{Path: real, Reason: "wrapper script points at another wrapper script"}
		}
		target, err := wrapperTarget(real, head)
		if err != nil {
			return nil, err
		}
		b, err := openBinary(target, false)
		if err != nil {
			return nil, fmt.Errorf("wrapper %q: %w", real, err)
		}
		b.wrapper = real
		return b, nil
	default:
		return nil, &TrustError{Path: real, Reason: "neither an ELF executable nor a #! wrapper"}
	}
}

// followLinks resolves path to a symlink-free path, checking the directories of the path
// and of every link on the way, directory links in the middle of a path included.
func followLinks(p string) (string, error) {
	links := 0
	return follow(p, &links)
}

// follow is followLinks, counting the links taken in *links.
func follow(p string, links *int) (string, error) {
	for {
		if p == "/" {
			return p, nil
		}
		// The directory part, resolved the same way: a link in it is only as safe as the
		// directory holding it, which EvalSymlinks would not check.
		dir, err := follow(filepath.Dir(p), links)
		if err != nil {
			return "", err
		}
		if err := checkDirs(dir); err != nil {
			return "", err
		}
		p = filepath.Join(dir, filepath.Base(p))
		fi, err := os.Lstat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("%w: %q", ErrNotFound, p)
			}
			return "", &TrustError{Path: p, Reason: quoteErr(err).Error()}
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		if *links++; *links > maxSymlinks {
			return "", &TrustError{Path: p, Reason: "too many levels of symlinks"}
		}
		// A link is only as trustworthy as whoever may rewrite it.
		if err := checkOwner(p, fi); err != nil {
			return "", err
		}
		t, err := os.Readlink(p)
		if err != nil {
			return "", &TrustError{Path: p, Reason: quoteErr(err).Error()}
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(dir, t)
		}
		p = filepath.Clean(t)
	}
}

// checkDirs checks dir and all its ancestors (dir is symlink-free).
func checkDirs(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Lstat(d)
		if err != nil {
			return &TrustError{Path: d, Reason: quoteErr(err).Error()}
		}
		if !fi.IsDir() {
			return &TrustError{Path: d, Reason: "not a directory"}
		}
		if err := checkOwner(d, fi); err != nil {
			return &TrustError{Path: d, Reason: "directory " + err.(*TrustError).Reason}
		}
		// A sticky directory (like /tmp) lets others add entries but not replace ours.
		if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
			return &TrustError{Path: d, Reason: fmt.Sprintf("directory is group/world-writable (mode %04o)", fi.Mode().Perm())}
		}
		if d == "/" {
			return nil
		}
	}
}

func checkOwner(p string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return &TrustError{Path: p, Reason: "cannot read owner"}
	}
	if st.Uid != 0 && int(st.Uid) != os.Geteuid() {
		return &TrustError{Path: p, Reason: fmt.Sprintf("owned by uid %d, neither root nor the caller", st.Uid)}
	}
	return nil
}

func checkFile(p string, fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		return &TrustError{Path: p, Reason: "is a directory"}
	case !fi.Mode().IsRegular():
		return &TrustError{Path: p, Reason: "not a regular file (" + fi.Mode().Type().String() + ")"}
	case fi.Mode().Perm()&0o022 != 0:
		return &TrustError{Path: p, Reason: fmt.Sprintf("group/world-writable (mode %04o)", fi.Mode().Perm())}
	case fi.Mode().Perm()&0o111 == 0:
		return &TrustError{Path: p, Reason: "not executable"}
	}
	return checkOwner(p, fi)
}

// wrapperTarget accepts exactly the wrapper shape packagers write:
//
//	#!/bin/sh
//	# comments, blank lines, `set -e` / `set -eu`
//	exec /abs/path/to/runsc "$@"
//
// Anything else (extra arguments, variables, several commands) could change what runs,
// so it is refused rather than interpreted.
func wrapperTarget(script string, head []byte) (string, error) {
	refuse := func(why string) (string, error) {
		return "", &TrustError{Path: script, Reason: "wrapper script: " + why}
	}
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Scan() // the #! line
	target := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case line == "set -e" || line == "set -eu" || line == "set -u":
			continue
		case target != "":
			return refuse("commands after exec")
		}
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "exec" || (f[2] != `"$@"` && f[2] != `"${@}"`) {
			return refuse(fmt.Sprintf("unsupported line %q (only `exec /abs/path \"$@\"`)", line))
		}
		if !filepath.IsAbs(f[1]) || strings.ContainsAny(f[1], "$`\"'\\*?[") {
			return refuse(fmt.Sprintf("exec target %q is not a plain absolute path", f[1]))
		}
		target = f[1]
	}
	if target == "" {
		return refuse("no exec line")
	}
	return target, nil
}
