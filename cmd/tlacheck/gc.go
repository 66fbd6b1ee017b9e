package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The collector's pace. A search allocates short-lived values fast and keeps little
// on the heap (the stored states live outside it), so the heap's floor (4 MB at Go's
// default pace) decides how often the collector runs: tens of times a second.
//
// On one worker that costs next to nothing: the collector marks on the otherwise idle
// CPU. MCLamportMutex (724 k states) took the same time at GOGC 100, 200 and 400
// (within the run-to-run noise of 10%), and 19, 23 and 32 MB, so one worker keeps
// Go's default and its memory.
//
// With more workers every cycle takes CPU from them, and turns on the write barrier
// while it marks: with 2 workers MCLamportMutex took 30.9 s at GOGC 100 and 22.1 s
// at 400 (800 and 1600 gained nothing more). So a search on several workers lets
// the heap grow by up to 4 times what it keeps between collections while that is
// small, and only by as much as it keeps (Go's default) once it reaches
// gcFloor: a large heap (the graph of a liveness check) is collected rarely anyway,
// and 5 times it would be memory for nothing.

// gcFloor is the kept heap up to which a search on several workers collects at
// GOGC 400: its heap then grows by 16 MB or more between collections.
const gcFloor = 16 << 20

// paceGC sets the collector's pace for a search on the given number of workers
// (tla.WorkersAuto: one per CPU), unless the GOGC environment variable sets it, and
// returns the function that restores the pace it found.
func paceGC(workers int) (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	if workers < 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers < 2 {
		return func() {}
	}
	p := &gcPacer{}
	old := debug.SetGCPercent(gcPercent(0))
	p.arm()
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.done = true
		debug.SetGCPercent(old)
	}
}

// gcPacer re-sets the pace after each collection until done.
type gcPacer struct {
	mu   sync.Mutex
	done bool
}

// gcPercent is the GOGC for a heap that kept live bytes after its last collection:
// 400 up to gcFloor/4, then falling so that the heap may still grow by gcFloor, and
// 100 from gcFloor on.
func gcPercent(live uint64) int {
	if live <= gcFloor/4 {
		return 400
	}
	return int(max(100, min(400, 100*gcFloor/live)))
}

// arm re-sets the pace after the next collection, from the heap it kept, and arms
// the one after: a finalizer runs once the cycle that finds its object unreachable
// ends.
func (p *gcPacer) arm() {
	runtime.SetFinalizer(new(gcSentinel), func(*gcSentinel) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.done {
			return
		}
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 {
			debug.SetGCPercent(gcPercent(s[0].Value.Uint64()))
		}
		p.arm()
	})
}

// gcSentinel is the object whose finalizer marks the end of a collection. It holds
// a pointer so that it is never batched with other small objects, whose finalizers
// may then never run.
type gcSentinel struct{ _ *gcSentinel }
