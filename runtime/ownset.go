package runtime

import (
	"maps"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/forkevents"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
)

// ownSet holds the processes proven to be runsc's for one Runtime: seen alive with
// its --root on their command line, recorded by runsc in a state file under it, or
// descended from those (noteDescendants, watchDescendants). Only these are ever reaped
// without being adopted, and Close waits until none is left. Each pid is kept with its
// start time, so that a pid reused by someone else's process is not taken.
//
// sessions holds the session IDs of session leaders among them: the sandbox, and the
// ptrace platform's stub processes, which the sandbox forks, which call setsid and fork
// further stubs, and whose command lines read empty. A process whose session is one of
// these descends from a runsc process of the runtime. The kernel does not reuse a pid
// while a session still bears it; an entry is dropped once its session is empty.
type ownSet struct {
	mu       sync.Mutex
	pids     map[int]uint64 // pid -> start time (clock ticks since boot)
	sessions map[int]bool
}

func newOwnSet() *ownSet { return &ownSet{pids: map[int]uint64{}, sessions: map[int]bool{}} }

// note records pid as the runtime's, if it exists.
func (o *ownSet) note(pid int) {
	if st, ok := procfs.ReadStat(pid); ok {
		o.add(pid, st)
	}
}

func (o *ownSet) add(pid int, st procfs.Stat) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pids[pid] = st.Start
	if st.Session == pid {
		o.sessions[pid] = true
	}
}

// has reports whether pid, whose stat is st, is the runtime's (same process).
func (o *ownSet) has(pid int, st procfs.Stat) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	start, ok := o.pids[pid]
	return ok && start == st.Start
}

// inSession reports whether sid is the session of one of the runtime's processes.
func (o *ownSet) inSession(sid int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sessions[sid]
}

// claims reports whether the process pid (stat st) is the runtime's: its own, or in
// one of its sessions.
func (o *ownSet) claims(pid int, st procfs.Stat) bool {
	return o.has(pid, st) || o.inSession(st.Session)
}

func (o *ownSet) forget(pid int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.pids, pid)
}

// prune drops pids that are gone (or now name another process) and sessions that no
// process bears any more. live is a snapshot of every process on the host (pid ->
// stat); a pid noted after it was taken is absent from it, so absence is confirmed by
// reading the process again.
func (o *ownSet) prune(live map[int]procfs.Stat) {
	o.mu.Lock()
	defer o.mu.Unlock()
	sessions := map[int]bool{}
	for _, st := range live {
		sessions[st.Session] = true
	}
	for pid, start := range o.pids {
		st, ok := live[pid]
		if !ok {
			st, ok = procfs.ReadStat(pid)
		}
		if !ok || st.Start != start {
			delete(o.pids, pid)
		}
	}
	for sid := range o.sessions {
		if _, leader := o.pids[sid]; !sessions[sid] && !leader {
			delete(o.sessions, sid)
		}
	}
}

// childEnd is how a direct child of a runsc command ended, as the kernel recorded it.
type childEnd struct {
	pid int
	ws  syscall.WaitStatus
}

// listenForks subscribes to the kernel's fork events for watchDescendants, or
// returns nil where they are not ours to read (not root, or no connector), and then
// watchDescendants polls /proc instead.
func (rp *reaper) listenForks() *forkevents.Watch {
	if !reaping() {
		return nil
	}
	w, err := forkevents.Listen()
	if err != nil {
		rp.forkEventsOnce.Do(func() {
			if rp.log == nil {
				return
			}
			rp.log.Debug("fork events unavailable; polling /proc for runsc's processes", "err", err)
		})
		return nil
	}
	return w
}

// watchDescendants notes the descendants of our runsc command pid as the runtime's
// (rp.own) until the returned stop is called; stop returns once every descendant
// forked before it was called has been noted. forks, a subscription taken before pid
// started (listenForks), reports each descendant as it is forked, however briefly it
// lives; when it overruns, noteDescendants looks for those still alive.
//
// Without forks, /proc is polled. A tick reads only the children lists of the
// processes found so far, but those of every thread of each, which for runsc's
// many-threaded processes is a hundred reads: ticking every 2ms cost a Run about as
// much CPU as the sandbox itself. The ticks therefore start 2ms apart and slow down
// to watchMaxTick. What must be seen alive is long-lived — the sandbox, the gofer and
// the platform's first stub live as long as the sandbox, and later stubs join that
// stub's session (which noting it covers) — so the slower ticks still see it.
//
// With forks, the end of each direct child of pid (runsc's sandbox and gofer among
// them) is passed to ended, in the order the processes ended, before stop returns.
//
// stop returns the descendants noted.
func (rp *reaper) watchDescendants(pid int, forks *forkevents.Watch, ended func(childEnd)) (stop func() []int) {
	if forks != nil {
		var mu sync.Mutex
		var found []int
		if ended != nil {
			forks.OnExit(func(p, parent int, ws syscall.WaitStatus) {
				if parent == pid {
					ended(childEnd{pid: p, ws: ws})
				}
			})
		}
		forks.Follow(pid, func(p int) {
			rp.own.note(p)
			mu.Lock()
			found = append(found, p)
			mu.Unlock()
		}, rp.noteDescendants)
		return func() []int {
			forks.Stop()
			// A process is noted at its fork, before it can call setsid: note again
			// those that have since, so that their sessions (and the platform stubs
			// that later join them) are the runtime's.
			mu.Lock()
			defer mu.Unlock()
			for _, p := range found {
				rp.own.note(p)
			}
			return found
		}
	}
	if !reaping() {
		return func() []int { return nil }
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	seen := map[int]bool{pid: true}
	go func() {
		defer close(finished)
		known := []int{pid}
		tick := 2 * time.Millisecond
		t := time.NewTimer(tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			tick = min(2*tick, watchMaxTick)
			t.Reset(tick)
			live := known[:0]
			for _, p := range known {
				kids, ok := procfs.Children(p)
				if !ok {
					continue
				}
				live = append(live, p)
				for _, c := range kids {
					if !seen[c] {
						rp.own.note(c)
						seen[c] = true
						live = append(live, c)
					}
				}
			}
			known = live
		}
	}()
	return func() []int {
		close(done)
		<-finished
		delete(seen, pid)
		return slices.Collect(maps.Keys(seen))
	}
}

// watchMaxTick is the slowest tick of watchDescendants. A workload that fails at once
// (a missing binary) takes its sandbox and the platform's first stub with it within
// tens of milliseconds; 50ms ticks could miss that stub, which then stayed a zombie.
const watchMaxTick = 20 * time.Millisecond

// noteDescendants notes as the runtime's (rp.own) every process whose parent or
// session is already the runtime's: the sandbox's children (ptrace stubs, helpers)
// while they live.
func (rp *reaper) noteDescendants() { rp.noteDescendantsIn(procfs.All()) }

// noteDescendantsIn is noteDescendants on a snapshot of every process (procfs.All).
func (rp *reaper) noteDescendantsIn(all map[int]procfs.Stat) {
	for changed := true; changed; {
		changed = false
		for pid, st := range all {
			if rp.own.has(pid, st) {
				if st.Session == pid && !rp.own.inSession(pid) {
					rp.own.add(pid, st) // noted before it called setsid
					changed = true
				}
				continue
			}
			if rp.own.inSession(st.Session) || (st.PPid > 0 && rp.own.has(st.PPid, all[st.PPid])) {
				rp.own.add(pid, st)
				changed = true
			}
		}
	}
}
