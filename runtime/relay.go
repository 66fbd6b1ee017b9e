package runtime

import (
	"errors"
	"io"
	"os"
	"sync"
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
	stdin, stdout, stderr *os.File // the sandbox's ends, for runsc

	inOurs  *os.File       // our end of stdin's socket (nil when stdin is empty)
	stopIn  int            // eventfd that stops a file-to-socket stdin copy
	inWait  sync.WaitGroup // a stdin copy that stops when asked (from an *os.File)
	outs    []*os.File     // our ends of the output sockets
	outWait sync.WaitGroup

	mu   sync.Mutex
	err  error // the first failure to deliver output
	once sync.Once
	ferr error
}

// relayGrace bounds how long finish waits for the output the sandbox wrote before it
// went: its end closes with it, so the rest is already in the socket.
const relayGrace = 5 * time.Second

// newRelay sets up the sockets and starts copying: from in (nil: empty) to the
// workload's stdin, from its stdout and stderr to out and errw (nil: discarded). When
// out and errw are the same writer the workload gets one socket for both, so their
// order is kept. A Reader that is an *os.File is read only while it has data, so the
// copy stops without consuming input meant for someone else; another Reader may be
// left blocked in one Read after finish (as with os/exec).
func newRelay(in io.Reader, out, errw io.Writer) (_ *relay, err error) {
	r := &relay{stopIn: -1}
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
	if r.stdout, ours, err = socketPair("stdout"); err != nil {
		return r, err
	}
	r.copyOut(ours, out)
	if sameWriter(out, errw) {
		r.stderr = r.stdout
		return r, nil
	}
	if r.stderr, ours, err = socketPair("stderr"); err != nil {
		return r, err
	}
	r.copyOut(ours, errw)
	return r, nil
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

func (r *relay) copyIn(in io.Reader) error {
	f, ok := in.(*os.File)
	if !ok {
		go func() {
			io.Copy(r.inOurs, in)
			r.inOurs.Close()
		}()
		return nil
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("eventfd", err)
	}
	r.stopIn = efd
	r.inWait.Add(1)
	go func() {
		defer r.inWait.Done()
		defer r.inOurs.Close()
		buf := make([]byte, 32<<10)
		for {
			// Read only what is there: a terminal's next line may be for the caller.
			p := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}, {Fd: int32(efd), Events: unix.POLLIN}}
			if _, err := unix.Poll(p, -1); err != nil {
				if err == unix.EINTR {
					continue
				}
				return
			}
			if p[1].Revents != 0 {
				return
			}
			n, err := f.Read(buf)
			if n > 0 {
				if _, werr := r.inOurs.Write(buf[:n]); werr != nil {
					return // the workload closed its stdin, or the relay stopped
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return nil
}

func (r *relay) copyOut(ours *os.File, dst io.Writer) {
	if dst == nil {
		dst = io.Discard
	}
	r.outs = append(r.outs, ours)
	r.outWait.Add(1)
	go func() {
		defer r.outWait.Done()
		buf := make([]byte, 64<<10)
		for {
			n, err := ours.Read(buf)
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					// Nobody takes the output any more: the workload's next write fails
					// (EPIPE), as a write to a pipe without a reader would.
					r.fail(werr)
					ours.Close()
					return
				}
			}
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, os.ErrClosed) {
					r.fail(err)
				}
				return
			}
		}
	}()
}

func (r *relay) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
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
// caller's writers after it returns. It returns the first failure to deliver output.
// Safe to call more than once and on a nil relay.
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
			for _, f := range r.outs {
				f.SetReadDeadline(time.Now())
			}
			<-done
		}
		for _, f := range r.outs {
			f.Close()
		}
		if r.stopIn >= 0 {
			unix.Write(r.stopIn, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		}
		if r.inOurs != nil {
			r.inOurs.Close()
		}
		r.inWait.Wait()
		if r.stopIn >= 0 {
			unix.Close(r.stopIn)
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
