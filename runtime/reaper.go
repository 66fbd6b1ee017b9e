package runtime

import (
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
	"golang.org/x/sys/unix"
)

// reaping reports whether orphans are reparented to this process. It asks the kernel
// rather than the options: another Runtime in the process may have set it, and then
// this one's orphans are ours to reap too.
func reaping() bool {
	var v int32
	_, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&v)), 0)
	return e == 0 && v != 0
}

// reaper waits for the processes runsc leaves to a Runtime (sandboxes, gofers,
// platform stubs, helpers), so that none stays a zombie, and reports the exit of each
// process it adopted through onExit, as go-runc's monitor does: it knows processes,
// not containers. Which processes are the runtime's is its own set (own).
type reaper struct {
	own    *ownSet
	onExit func(pid int, ws syscall.WaitStatus) // called once per adopted pid, after it is reaped
	log    *slog.Logger                         // may be nil

	mu      sync.Mutex
	waiting map[int]bool // adopted pids whose exit is not yet reported (guarded by mu)
	wg      sync.WaitGroup

	forkEventsOnce sync.Once // says once that fork events are unavailable (listenForks)

	calls atomic.Int64 // reapStrays calls so far (reapOwnChildren)
}

func newReaper(onExit func(pid int, ws syscall.WaitStatus), log *slog.Logger) *reaper {
	return &reaper{own: newOwnSet(), onExit: onExit, log: log, waiting: map[int]bool{}}
}

// waitsFor reports whether pid was adopted and its exit is not yet reported: the
// report is then the reaper's to make.
func (rp *reaper) waitsFor(pid int) bool {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.waiting[pid]
}

// wait returns once every adopted process has been reaped and reported.
func (rp *reaper) wait() { rp.wg.Wait() }

// adoptOrphans starts reaping every live child of ours that runsc left for root
// (sandbox and gofer processes reparented to us as subreaper), so none stays a zombie,
// and notes every process of root as the runtime's (rp.own) so that reapStrays may reap it once
// it has died. Call it while they live: a zombie's command line is empty and cannot be
// matched. Only our descendants are read: as subreaper we are the ancestor of every
// process runsc starts for us, and reading one host-wide snapshot of parents beats
// reading every process's command line.
func (rp *reaper) adoptOrphans(root string) {
	if !reaping() {
		return
	}
	all := procfs.All()
	for _, pid := range procfs.Descendants(all, os.Getpid()) {
		args := procfs.Cmdline(pid)
		if !usesRoot(args, root) {
			continue
		}
		if args[0] == "runsc" || strings.HasSuffix(args[0], "/runsc") || isInFlight(pid) {
			// A runsc command, not one of the processes it leaves behind: ours are
			// waited for by os/exec, and one the program ran itself is its own.
			// The name test is no guard (argv0 can be a path or /proc/self/fd/N); adoptPid
			// checks inFlight again under the lock that claims the pid.
			continue
		}
		rp.own.add(pid, all[pid])
		rp.adoptPid(pid)
	}
	rp.noteDescendantsIn(all)
	rp.reapStraysIn(all)
}

// adoptRecorded starts reaping the processes runsc recorded for id under root that are
// children of ours (live or zombie).
func (rp *reaper) adoptRecorded(root, id string) {
	if !reaping() {
		return
	}
	for _, pid := range recordedPids(root, id) {
		rp.own.note(pid)
		rp.adoptPid(pid)
	}
}

// The process-wide reaper registry: adoptedPids, pidMu and inFlight, and nothing else.
// Being a child subreaper and calling wait4 are properties of the whole process, not of
// a Runtime: whichever goroutine waits for a pid takes its exit status from everyone
// else (os/exec included), and orphans of every Runtime's sandboxes arrive at the same
// process. So the two facts every Runtime must respect are kept once per process: which
// pids are runsc commands os/exec is waiting for (never reaped), and which pids some
// Runtime already has a reaper for (never reaped twice). Which processes belong to a
// runtime's sandboxes is the Runtime's own bookkeeping (its reaper's own set).

// adoptedPids holds every pid some Runtime in this process is reaping, so runtimes
// do not take each other's sandboxes' exit statuses (reapStrays) or reap one pid twice.
var adoptedPids sync.Map // pid -> *reaper

// pidMu guards inFlight and every claim of a pid by a reaper (adoptPid, reapStrays):
// a pid is claimed, and wait4 called on it, only after checking under pidMu that it is
// not in flight. Lock order: a reaper's mu before pidMu.
var pidMu sync.Mutex

// inFlight holds the pids of runsc commands started by any Runtime in this process and
// not yet waited for by os/exec. Their argv0 may be a path or /proc/self/fd/N, so no
// command-line test tells them apart from the processes runsc leaves behind; reaping
// one would steal its exit status from os/exec.
var inFlight = map[int]bool{} // guarded by pidMu

// isInFlight reports whether pid is a runsc command os/exec is waiting for.
func isInFlight(pid int) bool {
	pidMu.Lock()
	defer pidMu.Unlock()
	return inFlight[pid]
}

// reapStrays reaps zombie children that are proven to be the runtime's (rp.own):
// helpers, platform stubs and sandboxes that runsc left to us as subreaper and that
// died before a reaper was started for them. Anything else — an embedding program's
// own children, whatever their names, and other runtimes' processes — is left for its
// owner to wait for.
func (rp *reaper) reapStrays() {
	if reaping() && !rp.reapOwnChildren() {
		rp.reapStraysIn(procfs.All())
	}
}

// fullScanEvery is how many reapStrays calls in a row may skip the scan of every
// process (reapOwnChildren) before one prunes the own set's sessions.
const fullScanEvery = 32

// reapOwnChildren is reapStrays without reading every process on the host, which is
// most of a Run's own CPU time: it reads this process's children only, and reaps the
// zombies among them that are the runtime's by pid and start time. A zombie claimed
// only through its session needs a fresh view of every session, so it reports false
// and leaves the work to the full scan; so it does every fullScanEvery calls, which
// prune the sessions no process bears any more.
func (rp *reaper) reapOwnChildren() bool {
	if rp.calls.Add(1)%fullScanEvery == 0 {
		return false
	}
	me := os.Getpid()
	kids, ok := procfs.Children(me)
	if !ok {
		return false
	}
	for _, pid := range kids {
		st, ok := procfs.ReadStat(pid)
		switch {
		case !ok || st.State != 'Z' || st.PPid != me:
		case rp.own.has(pid, st):
			if rp.reapZombie(pid) {
				rp.own.forget(pid)
			}
		case rp.own.inSession(st.Session):
			return false
		}
	}
	return true
}

// reapStraysIn is reapStrays on a snapshot of every process (procfs.All); it drops
// the processes it reaps from all.
func (rp *reaper) reapStraysIn(all map[int]procfs.Stat) {
	if !reaping() {
		return
	}
	for _, pid := range procfs.Zombies(all, os.Getpid()) {
		if rp.own.claims(pid, all[pid]) && rp.reapZombie(pid) {
			delete(all, pid)
		}
	}
	rp.own.prune(all)
}

// reapZombie waits for the zombie child pid, unless os/exec or an adopting reaper
// (this runtime's or another's) is to, and reports whether it did.
func (rp *reaper) reapZombie(pid int) bool {
	pidMu.Lock()
	defer pidMu.Unlock()
	if inFlight[pid] {
		return false
	}
	if _, adopted := adoptedPids.Load(pid); adopted {
		return false
	}
	var ws syscall.WaitStatus
	wpid, _ := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	return wpid == pid
}

// awaitGone reaps what comes to us until none of pids (descendants of one runsc
// command, the runtime's) exists any more, for up to d: a platform's stubs outlive the
// sandbox by a moment, and reach us only once their parents have gone.
func (rp *reaper) awaitGone(pids []int, d time.Duration) {
	if !reaping() || len(pids) == 0 {
		return
	}
	deadline := time.Now().Add(d)
	for {
		rp.reapStrays()
		left := false
		for _, p := range pids {
			if st, ok := procfs.ReadStat(p); ok && rp.own.claims(p, st) && !isInFlight(p) {
				left = true
				break
			}
		}
		if !left || time.Now().After(deadline) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ownLeft lists the runtime's processes (rp.own, its sessions included) that still
// exist, alive or zombie, whoever their parent is now: a platform stub whose sandbox
// died is reparented to us only when its own parent has gone, a moment later.
func (rp *reaper) ownLeft() []int {
	var left []int
	for pid, st := range procfs.All() {
		if rp.own.claims(pid, st) && !isInFlight(pid) {
			left = append(left, pid)
		}
	}
	slices.Sort(left)
	return left
}

// adoptPid starts reaping pid, a runsc sandbox or gofer, if it is our child (zombie or not).
func (rp *reaper) adoptPid(pid int) {
	if pid <= 0 || ppidOf(pid) != os.Getpid() {
		return
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	pidMu.Lock()
	defer pidMu.Unlock()
	if inFlight[pid] {
		return // a runsc command of ours: os/exec waits for it
	}
	if _, loaded := adoptedPids.LoadOrStore(pid, rp); loaded {
		return
	}
	rp.waiting[pid] = true
	rp.wg.Add(1)
	go rp.reap(pid)
}

// reap waits for one adopted process and reports its exit (onExit). pid stays in
// waiting until the report is made, so the `runsc wait` waiter knows to leave the
// report to the reaper.
func (rp *reaper) reap(pid int) {
	defer rp.wg.Done()
	defer func() {
		rp.mu.Lock()
		delete(rp.waiting, pid)
		rp.mu.Unlock()
		adoptedPids.Delete(pid)
		rp.own.forget(pid)
	}()
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return
		}
		break
	}
	rp.onExit(pid, ws)
}
