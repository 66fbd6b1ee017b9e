package runtime

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// relay gives a workload stdio that the runtime owns — one end of a Unix socket pair
// per stream — and copies between the other ends and the caller's readers and writers.
// runsc is never handed a caller's file: it makes the sandbox's stdio its own (fchown
// to the sandbox's user, nobody), which would hand the caller's files, devices and
// terminal to that user. Sockets rather than pipes because runsc refuses nothing and
// inherits either; a socket also lets a stopped relay refuse the workload's further
// output (EPIPE) the way a closed pipe would.
//
// Its surface: newRelay, the sandbox's ends (stdin, stdout, stderr) for runsc,
// handedOver once runsc has them, finish once the sandbox is gone.
type relay struct {
	id                    string   // the container's, for errors
	stdin, stdout, stderr *os.File // the sandbox's ends, for runsc

	inOurs *os.File // our end of stdin's socket (nil when stdin is empty)
	// stop is an eventfd that finish signals once: it ends what polls a caller's file
	// (the stdin copy from a file, the watches of pipes and sockets). -1 until needed.
	stop    int
	polls   sync.WaitGroup // the goroutines that poll on stop
	outs    []*outStream
	outWait sync.WaitGroup

	mu   sync.Mutex
	err  error // the first failure to deliver output, an *OutputError
	once sync.Once
	ferr error
}

// outStream is our end of one output socket.
type outStream struct {
	name string // "stdout", "stderr", or both when they share one socket
	ours *os.File
	shut sync.Once
}

// close closes our end: the workload's next write to the stream fails with EPIPE.
func (s *outStream) close() { s.shut.Do(func() { s.ours.Close() }) }

// relayGrace bounds how long finish waits for the output the sandbox wrote before it
// went: its end closes with it, so the rest is already in the socket.
const relayGrace = 5 * time.Second

// newRelay sets up the sockets and starts copying: from in (nil: empty) to the
// workload's stdin, from its stdout and stderr to out and errw (nil: discarded). When
// out and errw are the same writer the workload gets one socket for both, so their
// order is kept. A Reader that is an *os.File is read only while it has data, so the
// copy stops without consuming input meant for someone else; another Reader may be
// left blocked in one Read after finish (as with os/exec). A Writer that is an
// *os.File on a pipe or socket is watched: once its reader has gone, the workload's
// output stream is closed before it writes again, as the pipe itself would be.
func newRelay(id string, in io.Reader, out, errw io.Writer) (_ *relay, err error) {
	r := &relay{id: id, stop: -1}
	defer func() {
		if err != nil {
			r.handedOver()
			r.finish(0)
		}
	}()
	var ours *os.File
	if r.stdin, ours, err = socketPair("stdin"); err != nil {
		return r, err
	}
	if in == nil {
		ours.Close() // the workload reads EOF at once
	} else {
		r.inOurs = ours
		if err := r.copyIn(in); err != nil {
			return r, err
		}
	}
	// Two discarded streams need no second socket either.
	shared := sameWriter(out, errw) || (out == nil && errw == nil)
	if r.stdout, ours, err = socketPair("stdout"); err != nil {
		return r, err
	}
	name := "stdout"
	if shared && out != nil {
		name = "stdout and stderr"
	}
	if err := r.copyOut(name, ours, out); err != nil {
		return r, err
	}
	if shared {
		r.stderr = r.stdout
		return r, nil
	}
	if r.stderr, ours, err = socketPair("stderr"); err != nil {
		return r, err
	}
	return r, r.copyOut("stderr", ours, errw)
}

// socketPair returns the sandbox's end (blocking, as a process expects its stdio) and
// ours (non-blocking, so that reads and writes on it can be interrupted).
func socketPair(name string) (theirs, ours *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	if err := unix.SetNonblock(fds[1], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, os.NewSyscallError("fcntl", err)
	}
	return os.NewFile(uintptr(fds[0]), name), os.NewFile(uintptr(fds[1]), name+" relay"), nil
}

// stopFd returns the eventfd that finish signals, made on first use.
func (r *relay) stopFd() (int, error) {
	if r.stop < 0 {
		efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
		if err != nil {
			return -1, os.NewSyscallError("eventfd", err)
		}
		r.stop = efd
	}
	return r.stop, nil
}

// dupFd duplicates f's descriptor for polling it in the background: the duplicate
// stays valid whatever the caller does with f, and taking it (unlike f.Fd) leaves f's
// blocking mode alone.
func dupFd(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return -1, err
	}
	dup := -1
	cerr := rc.Control(func(fd uintptr) {
		dup, err = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	})
	if cerr != nil {
		return -1, cerr
	}
	if err != nil {
		return -1, os.NewSyscallError("fcntl", err)
	}
	return dup, nil
}

// waitReady polls fd for events until it has some (returned) or stop is signalled
// (false).
func waitReady(fd, stop int, events int16) (int16, bool) {
	for {
		p := []unix.PollFd{{Fd: int32(fd), Events: events}, {Fd: int32(stop), Events: unix.POLLIN}}
		if _, err := unix.Poll(p, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return 0, false
		}
		if p[1].Revents != 0 {
			return 0, false
		}
		return p[0].Revents, true
	}
}

func (r *relay) copyIn(in io.Reader) error {
	f, ok := in.(*os.File)
	if !ok {
		go func() {
			io.Copy(r.inOurs, in)
			r.inOurs.Close()
		}()
		return nil
	}
	return r.pollFile(f, func(fd, stop int) {
		defer r.inOurs.Close()
		buf := make([]byte, 32<<10)
		for {
			// Read only what is there: a terminal's next line may be for the caller.
			if _, ok := waitReady(fd, stop, unix.POLLIN); !ok {
				return
			}
			n, err := unix.Read(fd, buf)
			if err == unix.EINTR || err == unix.EAGAIN {
				continue
			}
			if n > 0 {
				if _, werr := r.inOurs.Write(buf[:n]); werr != nil {
					return // the workload closed its stdin, or the relay stopped
				}
			}
			if n <= 0 || err != nil {
				return
			}
		}
	})
}

// pollFile runs fn on a goroutine of its own with a duplicate of f's descriptor and the
// eventfd that finish signals; finish waits for it to return.
func (r *relay) pollFile(f *os.File, fn func(fd, stop int)) error {
	stop, err := r.stopFd()
	if err != nil {
		return err
	}
	fd, err := dupFd(f)
	if err != nil {
		return err
	}
	r.polls.Add(1)
	go func() {
		defer r.polls.Done()
		defer unix.Close(fd)
		fn(fd, stop)
	}()
	return nil
}

func (r *relay) copyOut(name string, ours *os.File, dst io.Writer) error {
	if dst == nil {
		dst = io.Discard
	}
	s := &outStream{name: name, ours: ours}
	r.outs = append(r.outs, s)
	r.outWait.Add(1)
	go func() {
		defer r.outWait.Done()
		// 32 KiB, as io.Copy's: a larger buffer is a fresh large allocation per stream
		// and run, which costs more than the extra reads of a rare chatty workload.
		buf := make([]byte, 32<<10)
		for {
			n, err := ours.Read(buf)
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					// Nobody takes the output any more: the workload's next write fails
					// (EPIPE), as a write to a pipe without a reader would.
					r.fail(name, werr)
					s.close()
					return
				}
			}
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, os.ErrClosed) {
					r.fail(name, err)
				}
				return
			}
		}
	}()
	if f, ok := dst.(*os.File); ok && pipeOrSocket(f) {
		return r.watch(s, f)
	}
	return nil
}

// pipeOrSocket reports whether f is a pipe or a socket: a file whose reader can go away.
func pipeOrSocket(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) != 0
}

// watch closes s as soon as f, the destination of its output, reports that its reader
// has gone (a pipe's POLLERR, a socket's POLLHUP), before anything else is written:
// the workload's next write fails as it would on the pipe itself, even when the relay
// has nothing to copy at that moment.
func (r *relay) watch(s *outStream, f *os.File) error {
	return r.pollFile(f, func(fd, stop int) {
		// No events asked for: poll reports only errors and hang-ups.
		ev, ok := waitReady(fd, stop, 0)
		if ok && ev&(unix.POLLERR|unix.POLLHUP) != 0 {
			r.fail(s.name, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.EPIPE})
			s.close()
		}
	})
}

func (r *relay) fail(stream string, err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = &OutputError{ID: r.id, Stream: stream, Err: err}
	}
	r.mu.Unlock()
}

// handedOver closes the sandbox's ends in this process, once runsc has been started
// with them: from then on only the sandbox holds them, and their EOF means it has gone.
func (r *relay) handedOver() {
	for _, f := range []*os.File{r.stdin, r.stdout, r.stderr} {
		if f != nil {
			f.Close()
		}
	}
}

// finish waits up to grace for the workload's output to arrive (call it once the
// sandbox is gone), stops the copies and releases the sockets. Nothing is written to the
// caller's writers after it returns. It returns the first failure to deliver output
// (an *OutputError). Safe to call more than once and on a nil relay.
func (r *relay) finish(grace time.Duration) error {
	if r == nil {
		return nil
	}
	r.once.Do(func() {
		r.handedOver()
		done := make(chan struct{})
		go func() { r.outWait.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(grace):
			for _, s := range r.outs {
				s.ours.SetReadDeadline(time.Now())
			}
			<-done
		}
		for _, s := range r.outs {
			s.close()
		}
		if r.stop >= 0 {
			unix.Write(r.stop, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		}
		if r.inOurs != nil {
			r.inOurs.Close()
		}
		r.polls.Wait()
		if r.stop >= 0 {
			unix.Close(r.stop)
		}
		r.mu.Lock()
		r.ferr = r.err
		r.mu.Unlock()
	})
	return r.ferr
}

// sameWriter reports whether a and b are one destination: the same value, or *os.Files
// open on the same file (2>&1).
func sameWriter(a, b io.Writer) (same bool) {
	if a == nil || b == nil {
		return false
	}
	fa, oka := a.(*os.File)
	fb, okb := b.(*os.File)
	if oka && okb {
		ia, erra := fa.Stat()
		ib, errb := fb.Stat()
		return erra == nil && errb == nil && os.SameFile(ia, ib)
	}
	defer func() {
		if recover() != nil {
			same = false // values of an uncomparable type
		}
	}()
	return a == b
}
