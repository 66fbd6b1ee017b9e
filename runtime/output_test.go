package runtime

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLimitedBuffer(t *testing.T) {
	b := NewLimitedBuffer(10)
	if n, err := b.Write([]byte("hello ")); n != 6 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if n, err := b.Write([]byte("world!")); n != 4 || !errors.Is(err, ErrOutputLimit) {
		t.Errorf("a Write past the limit = %d, %v; want 4, ErrOutputLimit", n, err)
	}
	if n, err := b.Write([]byte("")); n != 0 || !errors.Is(err, ErrOutputLimit) {
		t.Errorf("a Write after the limit was exceeded = %d, %v; want 0, ErrOutputLimit", n, err)
	}
	if b.String() != "hello worl" || !bytes.Equal(b.Bytes(), []byte("hello worl")) || !b.Exceeded() {
		t.Errorf("holds %q (exceeded %v)", b.String(), b.Exceeded())
	}
	// Exactly full is not exceeded.
	e := NewLimitedBuffer(3)
	if _, err := e.Write([]byte("abc")); err != nil || e.Exceeded() {
		t.Errorf("a Write that fills the buffer: %v, exceeded %v", err, e.Exceeded())
	}
	if z := NewLimitedBuffer(-1); func() error { _, err := z.Write([]byte("x")); return err }() == nil {
		t.Error("a buffer of negative size took a byte")
	}
}

// TestLimitedBufferConcurrent: concurrent writers never take it past its limit.
func TestLimitedBufferConcurrent(t *testing.T) {
	b := NewLimitedBuffer(1000)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				b.Write([]byte("0123456789abc"))
				_ = b.Exceeded()
			}
		}()
	}
	wg.Wait()
	if n := len(b.Bytes()); n != 1000 || !b.Exceeded() {
		t.Errorf("holds %d bytes (exceeded %v), want 1000 and exceeded", n, b.Exceeded())
	}
}

// TestRealOutput: Output returns the status and both streams; a workload that writes
// more than the limit (here one that ignores its write errors and would never stop) is
// stopped, with the first bytes kept and ErrOutputLimit.
func TestRealOutput(t *testing.T) {
	r, _ := newReal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	got, err := r.Output(ctx, NewID(), busyboxBundle(t, "sh", "-c", "echo out; echo err >&2; exit 4"), 100)
	if err != nil || got.Status != 4 || string(got.Stdout) != "out\n" || string(got.Stderr) != "err\n" {
		t.Errorf("Output = %+v, %v; want status 4, \"out\\n\", \"err\\n\"", got, err)
	}
	for _, stream := range []string{"stdout", "stderr"} {
		redir := map[string]string{"stdout": "", "stderr": " >&2"}[stream]
		start := time.Now()
		got, err = r.Output(ctx, NewID(), busyboxBundle(t, "sh", "-c", "while :; do echo yes"+redir+"; done"), 1001)
		var oe *OutputError
		if !errors.As(err, &oe) || oe.Stream != stream || !errors.Is(err, ErrOutputLimit) || got.Status != -1 {
			t.Errorf("%s past the limit: Output = status %d, %v; want -1 and an *OutputError for %s matching ErrOutputLimit", stream, got.Status, err, stream)
		}
		full, other := got.Stdout, got.Stderr
		if stream == "stderr" {
			full, other = other, full
		}
		if want := strings.Repeat("yes\n", 250) + "y"; string(full) != want {
			t.Errorf("%s past the limit: kept %d bytes (%q...), want the first 1001", stream, len(full), full[:min(len(full), 8)])
		}
		// On the other stream at most the workload's complaints about its failing writes
		// (the stream is closed once the limit is passed: EPIPE).
		if complaints := strings.Repeat("sh: write error: Broken pipe\n", 100); !strings.HasPrefix(complaints, string(other)) {
			t.Errorf("%s past the limit: the other stream holds %q", stream, other)
		}
		if d := time.Since(start); d > time.Minute {
			t.Errorf("stopping took %v", d)
		}
	}
}
