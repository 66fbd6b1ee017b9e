package tla

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Parallel search.
//
// With several workers the breadth-first search still runs in the order of the
// single-worker search; only the evaluation is spread out. The queue is taken in
// batches: the workers compute the successors of every state of a batch at the same
// time, each with its own copy of the program (evaluation caches values in the syntax
// tree and the program, so copies share nothing), and then one goroutine merges the
// successors state by state, in queue order and successor order, exactly as the single
// worker would have: it counts them, looks them up in the seen set, stores the new
// ones and appends them to the queue. Counts, depth, the state ids (so the graph and
// the liveness check) and the state at which a check fails are therefore the same as
// with one worker, by construction.
//
// A worker also evaluates the checks the single worker would make on each successor
// (action constraints, constraints, invariants, action properties); when all hold the
// merge needs no evaluation at all. Whenever the outcome of a state is anything but
// that plain case — a check fails, evaluation fails, the state has no successor, or
// the evaluation did something whose effect depends on the order of evaluation
// (printing, TLCSet/TLCGet registers, meeting a string TLC had not interned yet) —
// its result is discarded and the merging goroutine expands that state again with the
// single-worker code, at its place in the order, so errors, output and traces are the
// single worker's. RandomElement draws from generators whose state runs through the
// whole search, so once a worker meets it the rest of the search is left to the
// merging goroutine.

// WorkersAuto, as Options.Workers, uses one worker per available CPU (TLC's
// -workers auto).
const WorkersAuto = -1

// workers returns the number of goroutines that compute successors.
func (o Options) workers() int {
	if o.Workers < 0 {
		return max(1, runtime.GOMAXPROCS(0))
	}
	return max(1, o.Workers)
}

// defaultBatch is how many queued states each worker expands per batch: enough that
// waiting for the slowest worker costs little, few enough that the successors of a
// batch stay a small fraction of the memory the seen set takes.
const defaultBatch = 512

// psucc is one successor as a worker computed it. Its bytes live in the worker's
// arena, so that a batch's successors hold no pointers: the collector, which runs
// often with the store off the heap, then has nothing of them to mark.
type psucc struct {
	key   arenaSpan // seen-set key in the arena; empty when seen
	enc   arenaSpan // stored encoding when it differs from key (VIEW, SYMMETRY)
	fp    uint64    // the key's fingerprint, so that the merge need not hash it again
	old   int32     // id of the equal state stored before the batch (exact mode), or -1
	seen  bool      // an equal state was stored before the batch
	flags uint8
}

// arenaSpan is a range of a worker's arena.
type arenaSpan struct{ lo, hi int32 }

// in returns the bytes of sp in arena.
func (sp arenaSpan) in(arena []byte) []byte { return arena[sp.lo:sp.hi:sp.hi] }

const (
	succSkip    uint8 = 1 << iota // an ACTION_CONSTRAINT excludes the step
	succOutside                   // a CONSTRAINT excludes the state
)

// pparent is the expansion of one queued state.
type pparent struct {
	w      int32 // worker whose succs hold the successors
	lo, hi int32
	clean  bool // every check held and nothing depended on evaluation order
	random bool // RandomElement was evaluated: its generators follow the search order
}

// pworker computes successors with its own program and evaluator.
type pworker struct {
	idx   int32
	ch    *checker // nil until built, and after an evaluation failed
	out   *touchWriter
	next  []Value
	succs []psucc
	arena []byte // the bytes of this batch's successors
	// checked holds the successors this worker checked in this batch, by the
	// fingerprint of their seen-set key (TLC's states often have many predecessors
	// in one level); equal fingerprints are chained through checkedSucc.next.
	checked map[uint64]int32
	outcome []checkedSucc
}

// checkedSucc is the outcome of a successor's state checks.
type checkedSucc struct {
	key   arenaSpan
	next  int32 // index of the next outcome with the same fingerprint, or -1
	flags uint8
	depth int32 // of the state it succeeds (TLCGet("level") may be read)
}

// lookupChecked returns the outcome recorded for key, whose fingerprint is fp.
func (w *pworker) lookupChecked(fp uint64, key []byte) (checkedSucc, bool) {
	i, ok := w.checked[fp]
	for ok && i >= 0 {
		o := w.outcome[i]
		if string(o.key.in(w.arena)) == string(key) {
			return o, true
		}
		i = o.next
	}
	return checkedSucc{}, false
}

// recordChecked records the outcome o of a key whose fingerprint is fp.
func (w *pworker) recordChecked(fp uint64, o checkedSucc) {
	o.next = -1
	if i, ok := w.checked[fp]; ok {
		o.next = i
	}
	w.checked[fp] = int32(len(w.outcome))
	w.outcome = append(w.outcome, o)
}

// add appends b to the arena and returns its range.
func (w *pworker) add(b []byte) arenaSpan {
	lo := len(w.arena)
	w.arena = append(w.arena, b...)
	return arenaSpan{int32(lo), int32(len(w.arena))}
}

// addEncoding appends the encoding of vals to the arena and returns its span.
func (w *pworker) addEncoding(vals []Value) arenaSpan {
	lo := len(w.arena)
	for _, v := range vals {
		w.arena = encode(w.arena, v)
	}
	return arenaSpan{int32(lo), int32(len(w.arena))}
}

// reset empties the worker's successors, arena and outcomes for a new batch.
func (w *pworker) reset() {
	w.succs, w.arena, w.outcome = w.succs[:0], w.arena[:0], w.outcome[:0]
	if w.checked == nil {
		w.checked = map[uint64]int32{}
	}
	clear(w.checked)
}

// touchWriter records that something was printed.
type touchWriter struct{ wrote bool }

func (t *touchWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return len(b), nil
}

// pool expands batches of the queue on the workers.
type pool struct {
	ch      *checker
	workers []*pworker
	size    int       // queued states per batch
	ids     []int32   // the batch
	res     []pparent // per state of the batch
	pos     int       // next state of the batch to merge
	off     bool      // RandomElement was met: expand the rest in the merging goroutine
	encs    []byte    // the batch's encodings (fingerprint mode)
}

func (ch *checker) newPool(n int) *pool {
	pl := &pool{ch: ch, size: n * defaultBatch}
	if ch.opts.batch > 0 {
		pl.size = ch.opts.batch
	}
	for i := range n {
		pl.workers = append(pl.workers, &pworker{idx: int32(i), out: &touchWriter{}})
	}
	return pl
}

// fill takes the next batch from the queue into dst, copying the encodings out of
// the queue's memory.
func (pl *pool) fill(dst []queued, q *stateQueue) []queued {
	pl.encs = pl.encs[:0]
	type span struct{ lo, hi int }
	var spans []span
	for len(dst) < pl.size {
		id, depth, enc, ok := q.pop()
		if !ok {
			break
		}
		dst = append(dst, queued{id: id, depth: depth})
		lo := len(pl.encs)
		pl.encs = append(pl.encs, enc...)
		spans = append(spans, span{lo, len(pl.encs)})
	}
	for i, sp := range spans {
		if sp.hi > sp.lo {
			dst[i].enc = pl.encs[sp.lo:sp.hi:sp.hi]
		}
	}
	return dst
}

// expand computes the successors of the states in batch. The merging goroutine waits
// (it takes a worker's share itself), so the seen set and the stored states are only
// read meanwhile.
func (pl *pool) expand(batch []queued) {
	pl.ids = pl.ids[:0]
	for _, q := range batch {
		pl.ids = append(pl.ids, q.id)
	}
	pl.res = append(pl.res[:0], make([]pparent, len(batch))...)
	pl.pos = 0
	var next atomic.Int64
	// states taken at a time: few enough that every worker gets some of a small batch
	chunk := int64(max(1, min(8, len(pl.ids)/(4*len(pl.workers)))))
	work := func(w *pworker) {
		w.reset()
		if pl.ch.opts.batch > 0 {
			// tests: deal the states round robin, so that every worker gets some
			// however the goroutines happen to be scheduled
			for j := int(w.idx); j < len(pl.ids); j += len(pl.workers) {
				pl.res[j] = w.expand(pl.ch, batch[j])
			}
			return
		}
		for {
			i := int(next.Add(chunk) - chunk)
			if i >= len(pl.ids) {
				return
			}
			if pl.ch.ctx != nil && pl.ch.ctx.Err() != nil {
				return // left unclean: the merge stops at the first state anyway
			}
			for j := i; j < min(i+int(chunk), len(pl.ids)); j++ {
				pl.res[j] = w.expand(pl.ch, batch[j])
			}
		}
	}
	var wg sync.WaitGroup
	for _, w := range pl.workers[1:] {
		wg.Go(func() { work(w) })
	}
	work(pl.workers[0])
	wg.Wait()
}

// take returns the successors of the next state of the batch, which must be id, the
// arena that holds their bytes, and whether they can be merged without evaluating
// anything.
func (pl *pool) take(id int32) ([]psucc, []byte, bool) {
	i := pl.pos
	pl.pos++
	if pl.ids[i] != id {
		panic(fmt.Sprintf("tla: parallel batch out of step: state %d, expected %d", id, pl.ids[i]))
	}
	r := pl.res[i]
	if r.random {
		// The generators' state runs through the whole search, and this worker's
		// cached definitions may now hold its draws: one worker from here on.
		pl.off = true
	}
	if !r.clean || pl.off {
		return nil, nil, false
	}
	w := pl.workers[r.w]
	return w.succs[r.lo:r.hi], w.arena, true
}

// build loads the worker's own copy of the program.
func (w *pworker) build(main *checker) (ok bool) {
	defer func() {
		if x := recover(); x != nil {
			w.ch, ok = nil, false
		}
	}()
	m, err := parseModule(main.specPath, main.p.rootMod.text)
	if err != nil {
		return false
	}
	opts := main.opts
	opts.Out, opts.DumpDot = nil, nil
	ch := &checker{out: w.out, cfg: main.cfg, opts: opts, cfgText: main.cfgText, res: &Result{}}
	if r := ch.load(m, main.specPath); r != nil || ch.next == nil ||
		len(ch.p.vars) != len(main.p.vars) || len(ch.p.modelList) != len(main.p.modelList) {
		return false
	}
	if ch.c.rngInit != nil || ch.c.rngState != nil {
		return false // loading drew random numbers: leave the search to one worker
	}
	ch.checkDeadlock = main.checkDeadlock
	ch.symHashed = main.symHashed
	ch.c.split = true
	ch.c.registers = nil
	ch.p.setRanks(main.p.rank)
	w.ch = ch
	w.next = make([]Value, len(ch.p.vars))
	return true
}

// expand computes the successors of queued state q and evaluates on them the checks
// the single-worker search makes, in the same order.
func (w *pworker) expand(main *checker, q queued) (pr pparent) {
	pr = pparent{w: w.idx, lo: int32(len(w.succs))}
	arena0, outcome0 := len(w.arena), len(w.outcome)
	if w.ch == nil && !w.build(main) {
		pr.hi = pr.lo
		return pr
	}
	ch := w.ch
	c := ch.c
	defer func() {
		if x := recover(); x != nil {
			// A failed evaluation can leave caches half written: start afresh.
			// The merging goroutine evaluates this state again and reports the failure.
			w.ch = nil
			pr.clean = false
			clear(w.checked)
			w.outcome = w.outcome[:0]
		}
		if !pr.clean {
			w.succs = w.succs[:pr.lo]
			w.arena = w.arena[:arena0]
			if len(w.outcome) > outcome0 {
				// outcomes of this state's successors point into the bytes just
				// dropped: forget every outcome rather than unchain them one by one
				clear(w.checked)
				w.outcome = w.outcome[:0]
			}
		}
		pr.hi = int32(len(w.succs))
	}()
	if len(ch.p.rank) != len(main.p.rank) {
		ch.p.setRanks(main.p.rank)
	}
	rank0 := len(ch.p.rank)
	w.out.wrote = false
	depth := int(q.depth)
	var s []Value
	if main.store.exact {
		s = ch.decodeState(main.store.enc(q.id))
	} else {
		s = ch.decodeState(q.enc)
	}
	next := w.next
	clear(next)
	c.cur, c.next = s, next
	c.primed, c.initMode, c.split = false, false, true
	c.label, c.labelArgs = nil, nil
	c.level = depth
	ok := true
	nsucc := 0
	c.enum(ch.next.expr, nil, ch.next.sc, func() bool {
		c.level = depth + 1
		defer func() { c.level = depth }()
		for _, v := range next {
			if v == nil {
				ok = false // an error the single worker reports
				return true
			}
		}
		nsucc++
		sc := psucc{old: -1}
		if len(ch.actionConstraint) > 0 && !ch.satisfies(ch.actionConstraint, s, next) {
			sc.flags = succSkip
			w.succs = append(w.succs, sc)
			return false
		}
		kb := ch.stateKeyBytes(next)
		sc.fp = main.store.fingerprint(kb)
		if old, found := main.store.lookupFP(sc.fp, kb); found {
			sc.old, sc.seen = old, true
		} else {
			byValue := ch.view == nil && ch.symmetry == nil
			if prev, found := w.lookupChecked(sc.fp, kb); found && (prev.flags == 0 || byValue && prev.depth == int32(depth)) {
				// Met before in this batch. The same state from a state of the
				// same level has the same outcome. An equal one (the same key)
				// that was within the constraints and passed every check is
				// stored when the merge reaches it, before this one, which the
				// merge then finds seen, so its checks would never count: the
				// single worker does not make them either.
				sc.key, sc.flags = prev.key, prev.flags // sc.fp is the same
				if !byValue {
					sc.enc = w.addEncoding(next) // as if first, should the argument ever fail
				}
			} else {
				sc.key = w.add(kb)
				if !byValue {
					sc.enc = w.addEncoding(next)
				}
				if !ch.satisfies(ch.constraints, next) {
					sc.flags = succOutside
				}
				for _, inv := range ch.invariants {
					if !ch.holds(inv, next, nil) {
						ok = false
						return true
					}
				}
				if byValue || sc.flags == 0 {
					w.recordChecked(sc.fp, checkedSucc{key: sc.key, flags: sc.flags, depth: int32(depth)})
				}
			}
		}
		for _, ap := range ch.actionProps {
			if !ch.holds(ap, s, next) {
				ok = false
				return true
			}
		}
		w.succs = append(w.succs, sc)
		return false
	})
	if nsucc == 0 && main.checkDeadlock {
		ok = false
	}
	if len(ch.p.rank) != rank0 {
		// this worker's string order now differs from the search's
		ok = false
		ch.p.setRanks(main.p.rank)
		clear(w.checked) // outcomes found meanwhile may rest on that order
		w.outcome = w.outcome[:0]
	}
	if w.out.wrote || c.registers != nil {
		ok = false
		c.registers = nil
	}
	if c.rngInit != nil || c.rngState != nil {
		ok, pr.random = false, true
		c.rngInit, c.rngState, c.rngFor = nil, nil, nil
	}
	pr.clean = ok
	return pr
}

// mergeClean does what the single-worker search does with the successors of state
// q when every check on them holds: count, deduplicate, store and queue them.
func (ch *checker) mergeClean(q queued, succs []psucc, arena []byte) {
	r := ch.res
	pid, depth := q.id, q.depth
	if ch.steps != nil {
		ch.steps.begin(pid)
		defer ch.steps.end(pid)
	}
	for i := range succs {
		sc := &succs[i]
		r.Generated++
		if sc.flags&succSkip != 0 {
			continue
		}
		old, seen := sc.old, sc.seen
		if !seen {
			old, seen = ch.store.lookupFP(sc.fp, sc.key.in(arena))
		}
		if seen {
			if ch.steps != nil {
				ch.steps.step(pid, old)
			}
			if ch.dotOut != nil {
				fmt.Fprintf(ch.dotOut, "%d -> %d;\n", pid, old)
			}
			continue
		}
		if sc.flags&succOutside != 0 {
			continue
		}
		var enc []byte
		if sc.enc.hi > sc.enc.lo {
			enc = sc.enc.in(arena)
		}
		id := ch.addState(sc.fp, sc.key.in(arena), nil, enc, pid, depth+1)
		r.Distinct++
		if ch.steps != nil {
			ch.steps.step(pid, id)
		}
		if int(depth+1) > r.Depth {
			r.Depth = int(depth + 1)
		}
		if ch.dotOut != nil {
			fmt.Fprintf(ch.dotOut, "%d [label=\"%s\"]\n%d -> %d;\n", id, dotEscape(ch.decodeState(ch.store.enc(id)), ch.p), pid, id)
		}
	}
}

// unsafeBytes views s as bytes, without copying, for callers that only read them.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
