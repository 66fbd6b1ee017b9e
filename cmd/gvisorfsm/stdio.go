package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// stdio is what the workload gets as stdin, stdout and stderr, and the relays that copy
// its output where a file could not be handed over.
type stdio struct {
	stdin, stdout, stderr *os.File
	relays                []*relay
}

// openStdio decides, for stdout and stderr, whether the sandbox may write to them
// directly. Terminals, devices and append-only files may be handed over. A pipe or
// socket may not: the sandbox would inherit it, and whoever reads the other end would
// wait for the sandbox too. Nor may a regular file opened without O_APPEND: gVisor
// writes at an offset of its own, so the file's shared offset does not move, the next
// writer (the shell, or stderr when it is the same file) overwrites the workload's
// output. Those get a relay: an append-only temporary file in dir, unlinked at once,
// whose contents are copied to the real destination as they grow.
//
// broken is called when a relay's destination stops taking output (its reader went
// away): the caller ends the run, as SIGPIPE would end a process writing to the pipe.
func openStdio(in, out, errf *os.File, dir string, log *slog.Logger, broken func(error)) (*stdio, error) {
	s := &stdio{stdin: in, stdout: out, stderr: errf}
	shared := sameFile(out, errf)
	if needsRelay(out) {
		r, err := newRelay(out, dir, "stdout", broken)
		if err != nil {
			return nil, err
		}
		s.relays = append(s.relays, r)
		s.stdout = r.sink
		if shared {
			s.stderr = r.sink
		}
		log.Debug("relaying stdout through a file", "shared_with_stderr", shared)
	}
	if !shared && needsRelay(errf) {
		r, err := newRelay(errf, dir, "stderr", broken)
		if err != nil {
			s.finish()
			return nil, err
		}
		s.relays = append(s.relays, r)
		s.stderr = r.sink
		log.Debug("relaying stderr through a file")
	}
	if len(s.relays) > 0 {
		// A reader that goes away must not kill gvisorfsm with SIGPIPE before it has
		// cleaned up; the relay reports it instead. Handlers, unlike an ignored signal,
		// are not inherited by runsc.
		signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	}
	return s, nil
}

// finish copies what is left of the workload's output and releases the relays. Call it
// once the sandbox is gone.
func (s *stdio) finish() error {
	var errs []error
	for _, r := range s.relays {
		errs = append(errs, r.finish())
	}
	return errors.Join(errs...)
}

// needsRelay reports whether f cannot be handed to the sandbox as is.
func needsRelay(f *os.File) bool {
	if f == nil {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return true
	}
	switch m := fi.Mode(); {
	case m&(os.ModeNamedPipe|os.ModeSocket) != 0:
		return true
	case m.IsRegular():
		fl, _, errno := syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), syscall.F_GETFL, 0)
		return errno != 0 || fl&syscall.O_APPEND == 0
	}
	return false
}

// sameFile reports whether a and b are the same open file (for instance 2>&1).
func sameFile(a, b *os.File) bool {
	if a == nil || b == nil {
		return false
	}
	ai, aerr := a.Stat()
	bi, berr := b.Stat()
	return aerr == nil && berr == nil && os.SameFile(ai, bi)
}

// relay copies an append-only temporary file to dst as the sandbox writes to it.
type relay struct {
	sink   *os.File    // the sandbox's end: O_APPEND, so concurrent writers never overwrite
	src    *os.File    // our reading end, with its own offset
	dst    *os.File    // where the output is meant to go
	broken func(error) // called once when dst no longer takes output
	stop   chan struct{}
	done   chan struct{}
	err    error
}

func newRelay(dst *os.File, dir, name string, broken func(error)) (*relay, error) {
	p := filepath.Join(dir, "."+name)
	sink, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s relay: %w", name, err)
	}
	src, err := os.Open(p)
	os.Remove(p)
	if err != nil {
		sink.Close()
		return nil, fmt.Errorf("%s relay: %w", name, err)
	}
	r := &relay{sink: sink, src: src, dst: dst, broken: broken, stop: make(chan struct{}), done: make(chan struct{})}
	go r.loop()
	return r, nil
}

const (
	// relayPoll is how often a relay looks for new output once it has caught up.
	relayPoll = 20 * time.Millisecond
	// punchEvery is how much copied output a relay lets accumulate before it gives the
	// space back: the file only ever grows, and a chatty workload could fill the disk.
	punchEvery = 4 << 20
	// fallocate(2) mode bits (not in package syscall).
	fallocKeepSize  = 0x01
	fallocPunchHole = 0x02
)

func (r *relay) loop() {
	defer close(r.done)
	buf := make([]byte, 64<<10)
	var copied, punched int64
	stopping := false
	for {
		n, err := r.src.Read(buf)
		if n > 0 {
			if _, werr := r.dst.Write(buf[:n]); werr != nil {
				// Like a pipe's writer, the workload's run ends when its reader is gone.
				r.err = werr
				if r.broken != nil {
					r.broken(werr)
				}
				<-r.stop
				return
			}
			copied += int64(n)
			if copied-punched >= punchEvery &&
				syscall.Fallocate(int(r.sink.Fd()), fallocPunchHole|fallocKeepSize, 0, copied) == nil {
				punched = copied
			}
		}
		switch {
		case err == nil:
			continue
		case err != io.EOF:
			r.err = err
			<-r.stop
			return
		case stopping:
			return
		}
		select {
		case <-r.stop:
			stopping = true // one more pass: read to EOF, then done
		case <-time.After(relayPoll):
		}
	}
}

func (r *relay) finish() error {
	close(r.stop)
	<-r.done
	r.sink.Close()
	r.src.Close()
	return r.err
}
