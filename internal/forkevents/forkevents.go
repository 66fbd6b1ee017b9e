package forkevents

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The connector's constants (linux/connector.h, linux/cn_proc.h).
const (
	cnIdxProc         = 1          // CN_IDX_PROC
	cnValProc         = 1          // CN_VAL_PROC
	procCnMcastListen = 1          // PROC_CN_MCAST_LISTEN
	procCnMcastIgnore = 2          // PROC_CN_MCAST_IGNORE
	procEventFork     = 1          // PROC_EVENT_FORK
	procEventExit     = 0x80000000 // PROC_EVENT_EXIT

	nlmsgHdrLen = 16 // struct nlmsghdr
	cnMsgLen    = 20 // struct cn_msg, before its data
	// A fork event: struct proc_event's what, cpu and timestamp, then
	// parent_pid, parent_tgid, child_pid, child_tgid. An exit event has, at the
	// same place, process_pid, process_tgid, exit_code (the wait status) and
	// exit_signal.
	evOff       = nlmsgHdrLen + cnMsgLen
	forkDataOff = evOff + 16
	forkMsgLen  = forkDataOff + 16

	// rcvBuf is the receive buffer asked for: every fork and thread creation on the
	// host is queued until read, and an overrun loses events (Watch.Follow's lost).
	rcvBuf = 8 << 20
)

// ErrUnsupported is returned by Listen when the kernel has no process events
// connector or the caller may not subscribe to it (no CAP_NET_ADMIN).
var ErrUnsupported = errors.New("forkevents: process events connector unavailable")

// Watch is a subscription to the kernel's fork events. Listen makes one; Follow
// then names the process whose descendants it reports, and Stop ends it.
type Watch struct {
	fd       int
	f        *os.File      // the poller's handle on fd, so that waiting holds no thread
	done     chan struct{} // closed when the goroutine Follow started has ended
	followed bool
	stopOnce sync.Once
	exited   func(pid, parent int, ws syscall.WaitStatus) // OnExit's, may be nil
}

// OnExit has Follow also report the end of each process it follows (pid itself
// and every process found), with its parent (0 for pid) and its wait status as the
// kernel recorded it at the exit: whether it was killed by a signal or exited, which
// its parent alone could otherwise learn. exited runs on Follow's goroutine. Call it
// before Follow.
func (w *Watch) OnExit(exited func(pid, parent int, ws syscall.WaitStatus)) {
	w.exited = exited
}

// Listen subscribes to fork events. Call it before starting the process to
// follow: forks that happen before Listen returns are not seen.
func Listen() (*Watch, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, syscall.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("%w: socket: %v", ErrUnsupported, err)
	}
	fail := func(what string, err error) (*Watch, error) {
		syscall.Close(fd)
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPROTONOSUPPORT) || errors.Is(err, syscall.ENOENT) {
			return nil, fmt.Errorf("%w: %s: %v", ErrUnsupported, what, err)
		}
		return nil, fmt.Errorf("forkevents: %s: %w", what, err)
	}
	// As root the buffer may exceed rmem_max; otherwise take what is allowed.
	if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, rcvBuf) != nil {
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvBuf)
	}
	// Every thread the host creates is a fork event too, and most events are those:
	// the kernel drops them, and all but forks, before they wake the reader.
	filter := forkFilter()
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &prog); err != nil {
		return fail("filter", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK, Groups: cnIdxProc}); err != nil {
		return fail("bind", err)
	}
	if err := control(fd, procCnMcastListen); err != nil {
		return fail("listen", err)
	}
	return &Watch{fd: fd, f: os.NewFile(uintptr(fd), "forkevents"), done: make(chan struct{})}, nil
}

// forkFilter is a socket filter that passes only fork events that make a process
// (child_pid == child_tgid), not a thread, and the exits of processes (of their
// thread-group leaders).
func forkFilter() []unix.SockFilter {
	// Absolute loads read big-endian; the connector's fields are in host order.
	wire := func(v uint32) uint32 {
		var b [4]byte
		binary.NativeEndian.PutUint32(b[:], v)
		return binary.BigEndian.Uint32(b[:])
	}
	const (
		ldAbs = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeqK  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jeqX  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_X
		ret   = unix.BPF_RET | unix.BPF_K
	)
	return []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_LEN},
		{Code: unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K, K: forkMsgLen, Jt: 0, Jf: 16}, // short: drop
		{Code: ldAbs, K: evOff},
		{Code: jeqK, K: wire(procEventFork), Jt: 0, Jf: 7}, // not a fork: see if an exit
		{Code: ldAbs, K: forkDataOff + 8},                  // child_pid
		{Code: unix.BPF_ST, K: 0},
		{Code: ldAbs, K: forkDataOff + 12}, // child_tgid
		{Code: unix.BPF_LDX | unix.BPF_MEM, K: 0},
		{Code: jeqX, Jt: 0, Jf: 1}, // a thread: drop
		{Code: ret, K: 0xffffffff},
		{Code: ret, K: 0},
		{Code: jeqK, K: wire(procEventExit), Jt: 0, Jf: 6}, // neither: drop
		{Code: ldAbs, K: forkDataOff},                      // process_pid
		{Code: unix.BPF_ST, K: 0},
		{Code: ldAbs, K: forkDataOff + 4}, // process_tgid
		{Code: unix.BPF_LDX | unix.BPF_MEM, K: 0},
		{Code: jeqX, Jt: 0, Jf: 1}, // a thread's exit: drop
		{Code: ret, K: 0xffffffff},
		{Code: ret, K: 0},
	}
}

// control sends a PROC_CN_MCAST_* operation to the kernel.
func control(fd int, op uint32) error {
	msg := make([]byte, nlmsgHdrLen+cnMsgLen+4)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))      // nlmsg_len
	ne.PutUint16(msg[4:], syscall.NLMSG_DONE)    // nlmsg_type
	ne.PutUint32(msg[12:], uint32(os.Getpid()))  // nlmsg_pid (informational)
	ne.PutUint32(msg[nlmsgHdrLen:], cnIdxProc)   // cb_id.idx
	ne.PutUint32(msg[nlmsgHdrLen+4:], cnValProc) // cb_id.val
	ne.PutUint16(msg[nlmsgHdrLen+16:], 4)        // len of the data
	ne.PutUint32(msg[nlmsgHdrLen+cnMsgLen:], op) // the operation
	return syscall.Sendto(fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK})
}

// Follow reports through found every process forked by pid, or by a process
// reported before, from the events queued since Listen until Stop is called. It
// returns at once; found runs on the watch's own goroutine, one call at a time,
// parents before their children. Threads are not reported: a thread's forks are
// its process's. lost is called, on the same goroutine, when the kernel dropped
// events because the receive buffer overran, so that the caller can look for what
// it missed another way. Call Follow once.
func (w *Watch) Follow(pid int, found func(pid int), lost func()) {
	w.followed = true
	rc, err := w.f.SyscallConn()
	if err != nil {
		close(w.done)
		lost()
		return
	}
	go func() {
		defer close(w.done)
		known := map[int]bool{pid: true}
		parents := map[int]int{}
		buf := make([]byte, 8192)
		handle := func(fd uintptr, dontWait bool) (again bool, err error) {
			for {
				n, from, err := syscall.Recvfrom(int(fd), buf, syscall.MSG_DONTWAIT)
				switch {
				case err == syscall.EINTR:
					continue
				case err == syscall.EAGAIN:
					return !dontWait, nil
				case err == syscall.ENOBUFS:
					lost()
					continue
				case err != nil:
					return false, err
				}
				// Only the kernel (port 0) speaks for the connector; anything else
				// sent to our port is ignored, so no process can claim a pid of its own.
				if nl, ok := from.(*syscall.SockaddrNetlink); !ok || nl.Pid != 0 {
					continue
				}
				parseEvents(buf[:n], func(parentTgid, childPid, childTgid int) {
					if known[parentTgid] && childPid == childTgid && !known[childTgid] {
						known[childTgid] = true
						parents[childTgid] = parentTgid
						found(childTgid)
					}
				}, func(pid, tgid int, code uint32) {
					if pid == tgid && known[tgid] && w.exited != nil {
						w.exited(tgid, parents[tgid], syscall.WaitStatus(code))
					}
				})
			}
		}
		var herr error
		for {
			err := rc.Read(func(fd uintptr) bool {
				again, e := handle(fd, false)
				herr = e
				return !again
			})
			if err != nil || herr != nil {
				break
			}
		}
		// Stop has expired the deadline: every fork that happened before it was
		// called is already queued, so read the queue dry once more.
		_ = rc.Control(func(fd uintptr) { _, _ = handle(fd, true) })
	}()
}

// parseForks calls fork for each fork event in one datagram.
func parseForks(b []byte, fork func(parentTgid, childPid, childTgid int)) {
	parseEvents(b, fork, func(int, int, uint32) {})
}

// parseEvents calls fork for each fork event and exit for each exit event in one
// datagram.
func parseEvents(b []byte, fork func(parentTgid, childPid, childTgid int), exit func(pid, tgid int, code uint32)) {
	ne := binary.NativeEndian
	for len(b) >= nlmsgHdrLen {
		l := int(ne.Uint32(b))
		if l < nlmsgHdrLen || l > len(b) {
			return
		}
		m := b[:l]
		if l >= forkMsgLen && ne.Uint32(m[nlmsgHdrLen:]) == cnIdxProc {
			switch ne.Uint32(m[evOff:]) {
			case procEventFork:
				fork(int(ne.Uint32(m[forkDataOff+4:])), int(ne.Uint32(m[forkDataOff+8:])), int(ne.Uint32(m[forkDataOff+12:])))
			case procEventExit:
				exit(int(ne.Uint32(m[forkDataOff:])), int(ne.Uint32(m[forkDataOff+4:])), ne.Uint32(m[forkDataOff+8:]))
			}
		}
		b = b[min((l+3)&^3, len(b)):] // messages are 4-byte aligned
	}
}

// aLongTimeAgo is a deadline in the past: it wakes a blocked read at once.
var aLongTimeAgo = time.Unix(1, 0)

// Stop reports the forks still queued, waits until found has been called for
// each of them, and unsubscribes. Every fork that happened before Stop was
// called is reported. Stop may be called more than once.
func (w *Watch) Stop() {
	w.stopOnce.Do(func() {
		if w.followed {
			_ = w.f.SetReadDeadline(aLongTimeAgo)
			<-w.done
		}
		if rc, err := w.f.SyscallConn(); err == nil {
			_ = rc.Control(func(fd uintptr) { _ = control(int(fd), procCnMcastIgnore) })
		}
		w.f.Close()
	})
}
