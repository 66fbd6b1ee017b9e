package main

import (
	"errors"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// stdio is what the workload gets as stdin, stdout and stderr: gvisorfsm's own, which
// the library relays (runsc never gets them). stdout and stderr report, through broken,
// that their reader has gone, so that the run ends as a process writing to that pipe
// would by SIGPIPE: gVisor gives the workload EPIPE for it, never the signal, and a
// workload that ignores the error would write on forever.
type stdio struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// openStdio wraps out and errf (nil: discarded). When they are one file (2>&1) the
// workload gets them as one stream, in the order it wrote.
func openStdio(in io.Reader, out, errf io.Writer, broken func(error)) stdio {
	s := stdio{stdin: in}
	if out != nil {
		s.stdout = &readerGone{w: out, broken: broken}
	}
	switch {
	case errf == nil:
	case out != nil && sameFile(out, errf):
		s.stderr = s.stdout
	default:
		s.stderr = &readerGone{w: errf, broken: broken}
	}
	if s.stdout != nil || s.stderr != nil {
		// A reader that goes away must not kill gvisorfsm with SIGPIPE (Go's default for
		// a write to fd 1 or 2) before it has cleaned up; the write fails with EPIPE
		// instead. Handlers, unlike an ignored signal, are not inherited by runsc.
		signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	}
	return s
}

// readerGone is a Writer that calls broken, once, when a write finds its reader gone.
type readerGone struct {
	w      io.Writer
	broken func(error)
	once   sync.Once
}

func (r *readerGone) Write(p []byte) (int, error) {
	n, err := r.w.Write(p)
	if err != nil && errors.Is(err, syscall.EPIPE) && r.broken != nil {
		r.once.Do(func() { r.broken(err) })
	}
	return n, err
}

// sameFile reports whether a and b are files open on the same file (for instance 2>&1).
func sameFile(a, b io.Writer) bool {
	fa, oka := a.(*os.File)
	fb, okb := b.(*os.File)
	if !oka || !okb {
		return false
	}
	ai, aerr := fa.Stat()
	bi, berr := fb.Stat()
	return aerr == nil && berr == nil && os.SameFile(ai, bi)
}
