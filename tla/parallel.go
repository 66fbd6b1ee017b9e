package tla

import (
	"fmt"
	"maps"
	"runtime"
	"sync"
	"sync/atomic"
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
// single worker's.

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

// psucc is one successor as a worker computed it.
type psucc struct {
	key   string // seen-set key; "" when old >= 0
	enc   string // stored encoding when it differs from key (VIEW, SYMMETRY)
	old   int32  // id of the equal state stored before the batch, or -1
	flags uint8
}

const (
	succSkip    uint8 = 1 << iota // an ACTION_CONSTRAINT excludes the step
	succOutside                   // a CONSTRAINT excludes the state
)

// pparent is the expansion of one queued state.
type pparent struct {
	w      int32 // worker whose succs hold the successors
	lo, hi int32
	clean  bool // every check held and nothing depended on evaluation order
}

// pworker computes successors with its own program and evaluator.
type pworker struct {
	idx  int32
	ch   *checker // nil until built, and after an evaluation failed
	out  *touchWriter
	next []Value
	// checked holds the successors this worker checked in this batch, keyed by
	// state: TLC's states often have many predecessors in one level.
	checked map[string]checkedSucc
}

// checkedSucc is the outcome of a successor's state checks.
type checkedSucc struct {
	key   string
	flags uint8
	depth int32 // of the state it succeeds (TLCGet("level") may be read)
}

// touchWriter records that something was printed.
type touchWriter struct{ wrote bool }

func (t *touchWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return len(b), nil
}

// pool expands batches of the queue on the workers. While the merging goroutine
// merges one batch, the workers expand the next, if the queue already holds it; they
// read the seen set meanwhile, so the states the merge stores go to fresh until the
// workers are done.
type pool struct {
	ch      *checker
	workers []*pworker
	size    int     // queued states per batch
	cur     *pbatch // being merged
	pending *pbatch // being expanded, or nil
	spare   *pbatch
	fresh   map[string]int32 // states stored while workers read the seen set
	// rank is a copy of the search's string order for the workers (the merging
	// goroutine's order grows when it expands a state itself)
	rank map[string]int32
}

// pbatch is a run of consecutive queued states and their successors.
type pbatch struct {
	ids    []int32
	encs   []string
	depths []int32
	res    []pparent
	succs  [][]psucc // per worker
	pos    int       // next state to merge
	wg     sync.WaitGroup
}

func (ch *checker) newPool(n int) *pool {
	pl := &pool{ch: ch, size: n * defaultBatch, fresh: map[string]int32{}}
	if ch.opts.batch > 0 {
		pl.size = ch.opts.batch
	}
	for i := range n {
		pl.workers = append(pl.workers, &pworker{idx: int32(i), out: &touchWriter{}})
	}
	pl.cur = &pbatch{}
	return pl
}

// done reports whether every state of the current batch was merged.
func (pl *pool) done() bool { return pl.cur.pos == len(pl.cur.ids) }

// advance makes the batch that starts at queue[head] current, and starts expanding
// the one after it when the queue holds it.
func (pl *pool) advance(queue []queued, head int) {
	pl.quiesce()
	if pl.pending == nil {
		pl.pending = pl.start(queue[head:min(len(queue), head+pl.size)])
		pl.quiesce()
	}
	pl.cur, pl.spare, pl.pending = pl.pending, pl.cur, nil
	if after := head + len(pl.cur.ids); after < len(queue) {
		pl.pending = pl.start(queue[after:min(len(queue), after+pl.size)])
	}
}

// quiesce waits for the workers and stores the fresh states in the seen set, so the
// merging goroutine may use the seen set alone.
func (pl *pool) quiesce() {
	if pl.pending != nil {
		pl.pending.wg.Wait()
	}
	for k, id := range pl.fresh {
		pl.ch.seen[k] = id
	}
	clear(pl.fresh)
}

// lookup finds a stored state by key.
func (pl *pool) lookup(key string) (int32, bool) {
	if id, ok := pl.ch.seen[key]; ok {
		return id, true
	}
	id, ok := pl.fresh[key]
	return id, ok
}

// start begins expanding batch on the workers; quiesce waits for them. Between the
// two the merging goroutine must not write the seen set or the string order.
func (pl *pool) start(batch []queued) *pbatch {
	b := pl.spare
	pl.spare = nil
	if b == nil {
		b = &pbatch{}
	}
	b.ids, b.encs, b.depths = b.ids[:0], b.encs[:0], b.depths[:0]
	for _, q := range batch {
		rec := pl.ch.recs[q.id]
		b.ids = append(b.ids, q.id)
		b.encs = append(b.encs, rec.enc)
		b.depths = append(b.depths, rec.depth)
	}
	b.res = append(b.res[:0], make([]pparent, len(batch))...)
	b.pos = 0
	for len(b.succs) < len(pl.workers) {
		b.succs = append(b.succs, nil)
	}
	if main := pl.ch.p.rank; len(pl.rank) != len(main) {
		pl.rank = maps.Clone(main)
	}
	rank := pl.rank
	var next atomic.Int64
	// states taken at a time: few enough that every worker gets some of a small batch
	chunk := int64(max(1, min(8, len(b.ids)/(4*len(pl.workers)))))
	for _, w := range pl.workers {
		b.wg.Go(func() {
			b.succs[w.idx] = b.succs[w.idx][:0]
			if w.checked == nil {
				w.checked = map[string]checkedSucc{}
			}
			clear(w.checked)
			for {
				i := int(next.Add(chunk) - chunk)
				if i >= len(b.ids) {
					return
				}
				if pl.ch.ctx != nil && pl.ch.ctx.Err() != nil {
					return // left unclean: the merge stops at the first state anyway
				}
				for j := i; j < min(i+int(chunk), len(b.ids)); j++ {
					b.res[j] = w.expand(pl.ch, b, j, rank)
				}
			}
		})
	}
	return b
}

// take returns the successors of the next state of the current batch, which must be
// id, and whether they can be merged without evaluating anything. When they cannot,
// the workers are stopped first, as the caller expands the state itself.
func (pl *pool) take(id int32) ([]psucc, bool) {
	b := pl.cur
	i := b.pos
	b.pos++
	if b.ids[i] != id {
		panic(fmt.Sprintf("tla: parallel batch out of step: state %d, expected %d", id, b.ids[i]))
	}
	r := b.res[i]
	if !r.clean {
		pl.quiesce()
		return nil, false
	}
	return b.succs[r.w][r.lo:r.hi], true
}

// build loads the worker's own copy of the program.
func (w *pworker) build(main *checker, rank map[string]int32) (ok bool) {
	defer func() {
		if x := recover(); x != nil {
			w.ch, ok = nil, false
		}
	}()
	m, err := ParseModule(main.specPath, main.p.rootMod.text)
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
	ch.checkDeadlock = main.checkDeadlock
	ch.c.split = true
	ch.c.registers = nil
	ch.p.rank = maps.Clone(rank)
	w.ch = ch
	w.next = make([]Value, len(ch.p.vars))
	return true
}

// expand computes the successors of state j of batch b and evaluates on them the
// checks the single-worker search makes, in the same order.
func (w *pworker) expand(main *checker, b *pbatch, j int, rank map[string]int32) (pr pparent) {
	succs := b.succs[w.idx]
	pr = pparent{w: w.idx, lo: int32(len(succs))}
	if w.ch == nil && !w.build(main, rank) {
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
		}
		if !pr.clean {
			succs = succs[:pr.lo]
		}
		b.succs[w.idx] = succs
		pr.hi = int32(len(succs))
	}()
	if len(ch.p.rank) != len(rank) {
		ch.p.rank = maps.Clone(rank)
	}
	rank0 := len(ch.p.rank)
	w.out.wrote = false
	depth := int(b.depths[j])
	s := ch.decodeState(b.encs[j])
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
			succs = append(succs, sc)
			return false
		}
		kb := ch.stateKeyBytes(next)
		if old, found := main.seen[string(kb)]; found {
			sc.old = old
		} else {
			byValue := ch.view == nil && ch.symmetry == nil
			if prev, found := w.checked[string(kb)]; found && byValue && prev.depth == int32(depth) {
				// met before in this batch from a state of the same level: the
				// same state, so the same outcome (its invariants held)
				sc.key, sc.flags = prev.key, prev.flags
			} else {
				sc.key = string(kb)
				if !byValue {
					sc.enc = encodeState(next)
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
				if byValue {
					w.checked[sc.key] = checkedSucc{key: sc.key, flags: sc.flags, depth: int32(depth)}
				}
			}
		}
		for _, ap := range ch.actionProps {
			if !ch.holds(ap, s, next) {
				ok = false
				return true
			}
		}
		succs = append(succs, sc)
		return false
	})
	if nsucc == 0 && main.checkDeadlock {
		ok = false
	}
	if len(ch.p.rank) != rank0 {
		// this worker's string order now differs from the search's
		ok = false
		ch.p.rank = maps.Clone(rank)
		clear(w.checked) // outcomes found meanwhile may rest on that order
	}
	if w.out.wrote || c.registers != nil {
		ok = false
		c.registers = nil
	}
	pr.clean = ok
	return pr
}

// mergeClean does what the single-worker search does with the successors of state
// pid when every check on them holds: count, deduplicate, store and queue them.
func (pl *pool) mergeClean(pid int32, succs []psucc, queue []queued) []queued {
	ch := pl.ch
	r := ch.res
	depth := ch.recs[pid].depth
	for i := range succs {
		sc := &succs[i]
		r.Generated++
		if sc.flags&succSkip != 0 {
			continue
		}
		old := sc.old
		if old < 0 {
			if id, ok := pl.lookup(sc.key); ok {
				old = id
			}
		}
		if old >= 0 {
			if ch.dotOut != nil {
				fmt.Fprintf(ch.dotOut, "%d -> %d;\n", pid, old)
			}
			continue
		}
		if sc.flags&succOutside != 0 {
			continue
		}
		enc := sc.key
		if sc.enc != "" {
			enc = sc.enc
		}
		id := int32(len(ch.recs))
		pl.fresh[sc.key] = id
		ch.recs = append(ch.recs, stateRec{enc: enc, parent: pid, depth: depth + 1})
		r.Distinct++
		if int(depth+1) > r.Depth {
			r.Depth = int(depth + 1)
		}
		if ch.dotOut != nil {
			fmt.Fprintf(ch.dotOut, "%d [label=\"%s\"]\n%d -> %d;\n", id, dotEscape(ch.decodeState(enc), ch.p), pid, id)
		}
		queue = append(queue, queued{id: id})
	}
	return queue
}
