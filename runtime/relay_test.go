package runtime

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// owned is a caller's object and the owner and mode it must keep.
type owned struct {
	name     string
	f        *os.File
	uid, gid uint32
	mode     uint32
}

func ownerOf(t *testing.T, f *os.File) (uid, gid, mode uint32) {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	return st.Uid, st.Gid, st.Mode
}

// own gives f an owner and mode other than ours and runsc's, and remembers them.
func own(t *testing.T, name string, f *os.File, uid, gid int, mode os.FileMode) owned {
	t.Helper()
	if err := f.Chown(uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := f.Chmod(mode); err != nil {
		t.Fatal(err)
	}
	u, g, m := ownerOf(t, f)
	return owned{name, f, u, g, m}
}

func (o owned) check(t *testing.T) {
	t.Helper()
	u, g, m := ownerOf(t, o.f)
	if u != o.uid || g != o.gid || m != o.mode {
		t.Errorf("%s: owner %d:%d mode %o after the run, was %d:%d mode %o", o.name, u, g, m, o.uid, o.gid, o.mode)
	}
}

// TestRealStdioKeepsOwners: whatever the caller gives as stdio — a private regular file,
// an append-only file, a character device, a pipe — keeps its owner and mode, and the
// data still flows (runsc makes the sandbox's stdio the sandbox user's).
func TestRealStdioKeepsOwners(t *testing.T) {
	r, _ := newReal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dir := t.TempDir()
	in, err := os.Create(filepath.Join(dir, "secret-in"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	in.WriteString("line one\nline two\n")
	in.Seek(0, io.SeekStart)
	out, err := os.OpenFile(filepath.Join(dir, "log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	out.WriteString("before\n")
	dev := filepath.Join(dir, "sink")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o600, int(1<<8|3)); err != nil { // a null device of the caller's
		t.Fatal(err)
	}
	errf, err := os.OpenFile(dev, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	objs := []owned{
		own(t, "stdin file", in, 1234, 4321, 0o600),
		own(t, "append-only stdout", out, 2345, 5432, 0o640),
		own(t, "device as stderr", errf, 3456, 6543, 0o620),
	}
	b := busyboxBundle(t, "sh", "-c", "cat; echo to-stderr >&2")
	code, err := r.Run(ctx, "owners", b, &RunOpts{Stdin: in, Stdout: out, Stderr: errf})
	if err != nil || code != 0 {
		t.Fatalf("Run: %d, %v", code, err)
	}
	for _, o := range objs {
		o.check(t)
	}
	if got, _ := os.ReadFile(out.Name()); string(got) != "before\nline one\nline two\n" {
		t.Errorf("append-only stdout holds %q", got)
	}

	// Created and started: a pipe as stdout and stdin, stderr shared with stdout.
	inR, inW, _ := os.Pipe()
	outR, outW, _ := os.Pipe()
	defer inR.Close()
	defer outR.Close()
	pipes := []owned{own(t, "stdin pipe", inR, 4567, 7654, syscall.S_IFIFO|0o600), own(t, "stdout pipe", outW, 5678, 8765, syscall.S_IFIFO|0o600)}
	b2 := busyboxBundle(t, "sh", "-c", "read x; echo got-$x; echo err-$x >&2; exit 7")
	mustStart(t, ctx, r, "piped", b2, &CreateOpts{Stdin: inR, Stdout: outW, Stderr: outW})
	inW.WriteString("hello\n")
	mustWait(t, ctx, r, "piped", 7)
	for _, o := range pipes {
		o.check(t)
	}
	inW.Close()
	outW.Close() // all output has been written when Wait returns
	got, _ := io.ReadAll(outR)
	if string(got) != "got-hello\nerr-hello\n" {
		t.Errorf("stdout pipe holds %q", got)
	}
	if err := r.Delete(ctx, "piped", nil); err != nil {
		t.Fatal(err)
	}
}

// TestRelayStopsReadingStdin: once the workload has gone, input that arrives later is
// left for the caller.
func TestRelayStopsReadingStdin(t *testing.T) {
	pr, pw, _ := os.Pipe()
	defer pr.Close()
	defer pw.Close()
	var out bytes.Buffer
	rel, err := newRelay("c1", pr, &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	pw.WriteString("first\n")
	buf := make([]byte, 6)
	if _, err := io.ReadFull(rel.stdin, buf); err != nil || string(buf) != "first\n" {
		t.Fatalf("workload read %q, %v", buf, err)
	}
	rel.stdout.WriteString("out\n")
	rel.handedOver()
	if err := rel.finish(time.Second); err != nil {
		t.Fatal(err)
	}
	if out.String() != "out\n" {
		t.Errorf("output %q", out.String())
	}
	pw.WriteString("for the caller\n")
	pw.Close()
	rest, _ := io.ReadAll(pr)
	if !strings.HasPrefix(string(rest), "for the caller") {
		t.Errorf("the relay consumed input after finish: caller reads %q", rest)
	}
}

// failingWriter takes n bytes, then fails every Write with err.
type failingWriter struct {
	mu  sync.Mutex
	n   int
	err error
	got bytes.Buffer
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	room := w.n - w.got.Len()
	if len(p) <= room {
		return w.got.Write(p)
	}
	w.got.Write(p[:max(room, 0)])
	return max(room, 0), w.err
}

func (w *failingWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.got.String()
}

// writeUntilEPIPE writes to f until a write fails, and returns that failure; it gives
// up after 5 seconds.
func writeUntilEPIPE(t *testing.T, f *os.File) error {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := f.WriteString("more\n"); err != nil {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// TestRelayWriterFails: once the caller's Writer of one stream fails, the workload's
// writes to that stream fail with EPIPE, the other stream still flows, and finish
// reports an *OutputError naming the stream and wrapping the Writer's error.
func TestRelayWriterFails(t *testing.T) {
	for _, stream := range []string{"stdout", "stderr"} {
		t.Run(stream, func(t *testing.T) {
			bad := &failingWriter{n: 3, err: errors.New("disk full")}
			good := &syncBuffer{}
			out, errw := io.Writer(bad), io.Writer(good)
			if stream == "stderr" {
				out, errw = good, bad
			}
			rel, err := newRelay("c1", nil, out, errw)
			if err != nil {
				t.Fatal(err)
			}
			broken, fine := rel.stdout, rel.stderr
			if stream == "stderr" {
				broken, fine = rel.stderr, rel.stdout
			}
			broken.WriteString("hello\n")
			if err := writeUntilEPIPE(t, broken); !errors.Is(err, syscall.EPIPE) {
				t.Errorf("the workload's writes after the failure: %v, want EPIPE", err)
			}
			if _, err := fine.WriteString("still flows\n"); err != nil {
				t.Errorf("the other stream: %v", err)
			}
			err = rel.finish(time.Second)
			var oe *OutputError
			if !errors.As(err, &oe) || oe.Stream != stream || oe.ID != "c1" || !errors.Is(err, bad.err) {
				t.Errorf("finish() = %v, want an *OutputError for %s of c1 wrapping %v", err, stream, bad.err)
			}
			if bad.String() != "hel" || good.String() != "still flows\n" {
				t.Errorf("delivered %q and %q", bad.String(), good.String())
			}
		})
	}
}

// TestRelayWatchesReaders: a pipe or socket whose reader has gone closes the workload's
// stream before the workload writes again, as the pipe itself would; a file with a
// reader, or one that is not a pipe, does not.
func TestRelayWatchesReaders(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sock := os.NewFile(uintptr(fds[0]), "sock")
	defer sock.Close()
	rel, err := newRelay("c2", nil, pw, sock)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing is written; the readers go.
	pr.Close()
	hungUp := func(f *os.File) bool {
		p := []unix.PollFd{{Fd: int32(f.Fd()), Events: 0}}
		unix.Poll(p, 5000)
		return p[0].Revents&unix.POLLHUP != 0
	}
	if !hungUp(rel.stdout) {
		t.Error("stdout's reader went, but the workload's stdout is still open")
	}
	if hungUp2 := func() bool {
		p := []unix.PollFd{{Fd: int32(rel.stderr.Fd()), Events: 0}}
		unix.Poll(p, 200)
		return p[0].Revents&unix.POLLHUP != 0
	}(); hungUp2 {
		t.Error("stderr's reader is still there, but the workload's stderr was closed")
	}
	syscall.Close(fds[1])
	if !hungUp(rel.stderr) {
		t.Error("stderr's reader went, but the workload's stderr is still open")
	}
	if _, err := rel.stdout.WriteString("late\n"); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("a late write: %v, want EPIPE", err)
	}
	err = rel.finish(time.Second)
	var oe *OutputError
	if !errors.As(err, &oe) || !errors.Is(err, syscall.EPIPE) {
		t.Errorf("finish() = %v, want an *OutputError wrapping EPIPE", err)
	}
}

// TestRealOutputWriterFails: a Writer that fails, for stdout or for stderr, is felt by
// the workload as a pipe whose reader has gone: its next write to the stream fails
// (gVisor raises no SIGPIPE for it). Run returns the workload's status and an
// *OutputError naming the stream.
func TestRealOutputWriterFails(t *testing.T) {
	r, _ := newReal(t)
	for _, stream := range []string{"stdout", "stderr"} {
		t.Run(stream, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			redir := map[string]string{"stdout": "", "stderr": " >&2"}[stream]
			script := "echo first" + redir + "; sleep 1; echo second" + redir + " || exit 9; exit 0"
			bad := &failingWriter{n: 2, err: errors.New("quota exceeded")}
			other := &syncBuffer{}
			opts := &RunOpts{Stdout: bad, Stderr: other}
			if stream == "stderr" {
				opts = &RunOpts{Stdout: other, Stderr: bad}
			}
			code, err := r.Run(ctx, NewID(), busyboxBundle(t, "sh", "-c", script), opts)
			var oe *OutputError
			if code != 9 || !errors.As(err, &oe) || oe.Stream != stream || !errors.Is(err, bad.err) {
				t.Errorf("Run = %d, %v; want 9 (the second write failed) and an *OutputError for %s", code, err, stream)
			}
			if got := bad.String(); got != "fi" {
				t.Errorf("the failing writer took %q", got)
			}
		})
	}
}

// TestRealOutputAfterReaderWent: output written after the reader of a pipe or socket
// has gone, with nothing written since, fails as on the pipe itself
// (`sh -c 'sleep 1; echo late' | true`), and the status comes with an *OutputError.
func TestRealOutputAfterReaderWent(t *testing.T) {
	r, _ := newReal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	pr.Close()
	code, err := r.Run(ctx, NewID(), busyboxBundle(t, "sh", "-c", "sleep 1; echo late || exit 9"), &RunOpts{Stdout: pw})
	var oe *OutputError
	if code != 9 || !errors.As(err, &oe) || oe.Stream != "stdout" || !errors.Is(err, syscall.EPIPE) {
		t.Errorf("stdout to a pipe without reader: Run = %d, %v; want 9 and an *OutputError (EPIPE)", code, err)
	}

	// stderr on a socket whose peer closes while the workload runs (Create, Start, Wait).
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sock := os.NewFile(uintptr(fds[0]), "sock")
	defer sock.Close()
	peer := os.NewFile(uintptr(fds[1]), "peer")
	id := NewID()
	b := busyboxBundle(t, "sh", "-c", "echo early >&2; sleep 2; echo late >&2 || exit 9; exit 0")
	mustStart(t, ctx, r, id, b, &CreateOpts{Stderr: sock})
	line := make([]byte, 6)
	if _, err := io.ReadFull(peer, line); err != nil || string(line) != "early\n" {
		t.Errorf("the socket's reader got %q, %v", line, err)
	}
	peer.Close()
	code, err = r.Wait(ctx, id)
	if code != 9 || !errors.As(err, &oe) || oe.Stream != "stderr" || !errors.Is(err, syscall.EPIPE) {
		t.Errorf("stderr to a socket whose reader went: Wait = %d, %v; want 9 and an *OutputError (EPIPE)", code, err)
	}
	if err := r.Delete(ctx, id, nil); err != nil {
		t.Error(err)
	}
}

// TestRealStdioAnyReaderWriter: stdio need not be files: any Reader and Writers, here
// through Create, Start and Wait.
func TestRealStdioAnyReaderWriter(t *testing.T) {
	r, _ := newReal(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	errw := &syncBuffer{}
	id := NewID()
	b := busyboxBundle(t, "sh", "-c", "cat; echo to-stderr >&2; exit 2")
	in := io.MultiReader(strings.NewReader("one\n"), strings.NewReader("two\n"))
	mustStart(t, ctx, r, id, b, &CreateOpts{Stdin: in, Stdout: &out, Stderr: errw})
	code, err := r.Wait(ctx, id)
	if code != 2 || err != nil {
		t.Errorf("Wait = %d, %v; want 2, nil", code, err)
	}
	// All output has been delivered when Wait returns.
	if out.String() != "one\ntwo\n" || errw.String() != "to-stderr\n" {
		t.Errorf("stdout %q, stderr %q", out.String(), errw.String())
	}
	if err := r.Delete(ctx, id, nil); err != nil {
		t.Error(err)
	}
}
