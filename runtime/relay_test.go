package runtime

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
	if err := r.Create(ctx, "piped", b2, &CreateOpts{Stdin: inR, Stdout: outW, Stderr: outW}); err != nil {
		t.Fatalf("Create with pipes: %v", err)
	}
	if err := r.Start(ctx, "piped", nil); err != nil {
		t.Fatal(err)
	}
	inW.WriteString("hello\n")
	code, err = r.Wait(ctx, "piped")
	if err != nil || code != 7 {
		t.Fatalf("Wait: %d, %v", code, err)
	}
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
	rel, err := newRelay(pr, &out, nil)
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
