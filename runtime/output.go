package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrOutputLimit is the error of a Write that would take a LimitedBuffer past its limit;
// an *OutputError caused by it (Output's, for instance) matches it too.
var ErrOutputLimit = errors.New("output limit exceeded")

// OutputError reports that a workload's output did not all reach the Writer given for
// it: the Writer failed with Err, and from then on the stream was no longer relayed
// (the workload's further writes to it failed with EPIPE; see CreateOpts). The workload
// itself finished: Run and Wait return its exit status along with this error.
type OutputError struct {
	ID     string // the container
	Stream string // "stdout", "stderr", or "stdout and stderr" when they are one Writer
	Err    error  // the Writer's error (EPIPE when a pipe's reader went away)
}

// Error implements error.
func (e *OutputError) Error() string {
	return fmt.Sprintf("container %q: %s not delivered: %v", e.ID, e.Stream, e.Err)
}

// Unwrap returns Err.
func (e *OutputError) Unwrap() error { return e.Err }

// LimitedBuffer is an io.Writer that keeps the first n bytes written to it, for
// capturing a workload's output (RunOpts.Stdout, ...) in bounded memory. A Write that
// does not fit keeps the bytes that do and fails with ErrOutputLimit, and so does every
// Write after it: as a workload's stdout or stderr, that stream then fails as any
// failing Writer does (CreateOpts). It is safe for concurrent use.
type LimitedBuffer struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	limit    int
	exceeded bool
}

// NewLimitedBuffer returns an empty LimitedBuffer that keeps at most n bytes.
func NewLimitedBuffer(n int) *LimitedBuffer { return &LimitedBuffer{limit: max(n, 0)} }

// Write appends p, or as much of it as fits; it fails with ErrOutputLimit if not all of
// p fits, or if an earlier Write did not.
func (b *LimitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.exceeded {
		return 0, ErrOutputLimit
	}
	room := b.limit - b.buf.Len()
	if len(p) <= room {
		return b.buf.Write(p)
	}
	b.buf.Write(p[:room])
	b.exceeded = true
	return room, ErrOutputLimit
}

// Bytes returns a copy of what the buffer holds.
func (b *LimitedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// String returns what the buffer holds.
func (b *LimitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Exceeded reports whether something written to the buffer did not fit.
func (b *LimitedBuffer) Exceeded() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.exceeded
}

// Captured is what Output returns: a workload's exit status and output.
type Captured struct {
	Status int    // the workload's exit status; -1 when it is unknown (Output's error says why)
	Stdout []byte // the first bytes it wrote to stdout, at most Output's limit
	Stderr []byte // the same for stderr
}

// Output runs container id from bundle to completion as Run does, with an empty stdin,
// and returns its exit status and what it wrote to stdout and to stderr, each captured
// up to limit bytes (in a LimitedBuffer). A workload that writes more than limit bytes
// to either stream is stopped there, as if ctx had ended: Output then returns the first
// limit bytes of each stream, Status -1, and an *OutputError naming the stream that
// matches ErrOutputLimit. Any other error is Run's (with Status -1, or with the status
// for an *OutputError).
func (r *Runtime) Output(ctx context.Context, id, bundle string, limit int) (Captured, error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	stdout, stderr := NewLimitedBuffer(limit), NewLimitedBuffer(limit)
	code, err := r.Run(ctx, id, bundle, &RunOpts{Stdout: cutOff{stdout, stop}, Stderr: cutOff{stderr, stop}})
	c := Captured{Status: code, Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	for _, s := range []struct {
		name string
		b    *LimitedBuffer
	}{{"stdout", stdout}, {"stderr", stderr}} {
		if s.b.Exceeded() {
			c.Status = -1
			return c, &OutputError{ID: id, Stream: s.name, Err: ErrOutputLimit}
		}
	}
	return c, err
}

// cutOff is a LimitedBuffer that calls stop once a Write does not fit.
type cutOff struct {
	*LimitedBuffer
	stop func()
}

func (c cutOff) Write(p []byte) (int, error) {
	n, err := c.LimitedBuffer.Write(p)
	if err != nil {
		c.stop()
	}
	return n, err
}
