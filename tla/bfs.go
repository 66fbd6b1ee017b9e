package tla

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// queued is a state taken from the queue: its id, depth and, in fingerprint mode,
// its encoding (in exact mode the store has it).
type queued struct {
	id, depth int32
	enc       []byte
}

// stateKeyBytes returns the seen-set key of a state in a reused buffer.
func (ch *checker) stateKeyBytes(vals []Value) []byte {
	if ch.view != nil {
		c := ch.c
		save := c.cur
		c.cur = vals
		v := c.canon(c.eval(ch.view.expr, nil, ch.view.sc), pos{})
		c.cur = save
		ch.buf = encode(ch.buf[:0], v)
		return ch.buf
	}
	if ch.symmetry != nil {
		return ch.symmetryKey(vals)
	}
	ch.buf = appendState(ch.buf[:0], vals)
	return ch.buf
}

// stateKey is stateKeyBytes as a string of its own.
func (ch *checker) stateKey(vals []Value) string { return string(ch.stateKeyBytes(vals)) }

// appendState appends the encoding of a state to b.
func appendState(b []byte, vals []Value) []byte {
	for _, v := range vals {
		b = encode(b, v)
	}
	return b
}

func encodeState(vals []Value) string { return string(appendState(nil, vals)) }

// decodeState builds the state whose encoding is enc. A variable encoded as in the
// state decoded last gets that state's value, not a copy: the states of the queue
// come in order of discovery, the successors of one state together, and share
// the values of the variables their steps left unchanged. Values are never changed
// once built, so sharing them is safe, and it saves decoding, allocating and the
// hashing of values the symmetry hasher has just seen (sameRef).
func (ch *checker) decodeState(enc []byte) []Value {
	d := &decoder{buf: enc, models: ch.p.modelList, names: &ch.recNames}
	vals := make([]Value, len(ch.p.vars))
	if len(ch.decoded) != len(vals) {
		ch.decoded = make([]decodedVar, len(vals))
	}
	for i := range vals {
		rest := d.buf
		last := &ch.decoded[i]
		// A value's encoding ends where its decoding does (no encoding is a prefix
		// of another), so one that starts with the last state's is that one.
		if last.val != nil && bytes.HasPrefix(rest, last.enc) {
			vals[i] = last.val
			d.buf = rest[len(last.enc):]
			continue
		}
		vals[i] = d.value()
		last.enc = append(last.enc[:0], rest[:len(rest)-len(d.buf)]...)
		last.val = vals[i]
	}
	return vals
}

// decodedVar is a variable of the state decodeState built last: its encoding and value.
type decodedVar struct {
	enc []byte
	val Value
}

func (ch *checker) holds(ne namedExpr, cur, next []Value) bool {
	c := ch.c
	sc, sn := c.cur, c.next
	c.cur, c.next = cur, next
	v := c.eval(ne.expr, nil, ne.sc)
	c.cur, c.next = sc, sn
	b, ok := v.(boolV)
	if !ok {
		panic(&evalError{Code: ExitInvariantEval, Kind: "eval", Name: ne.name,
			Msg: fmt.Sprintf("The invariant %s is not a boolean; it evaluated to %s.", ne.name, fmtValue(v))})
	}
	return bool(b)
}

func (ch *checker) trace(id int32, extra []Value) []State {
	vals := ch.pathStates(id)
	if extra != nil {
		vals = append(vals, append([]Value(nil), extra...))
	}
	return ch.labelled(vals)
}

// printViolation prints a safety violation as TLC does: a violation by an initial
// state in its short form, any other with the behaviour leading to it.
func (ch *checker) printViolation(msg string, trace []State, initial bool) {
	if initial {
		fmt.Fprintf(ch.out, "Error: %s is violated by the initial state:\n", strings.TrimSuffix(msg, " is violated."))
		ch.printState(trace[0].Values)
		fmt.Fprintln(ch.out)
		return
	}
	fmt.Fprintf(ch.out, "Error: %s\n", msg)
	fmt.Fprintf(ch.out, "Error: The behavior up to this point is:\n")
	ch.printTrace(trace)
}

// stepFor re-runs Next from s to find the action that produces t: its label and
// its details (nil when Next is not split into named actions or no step matches).
// Under a VIEW or SYMMETRY a trace's states are the ones stored, and the step that
// closes a lasso may reach a state equal to t only in the view or up to symmetry: the
// first such step is taken when none reaches t itself.
func (ch *checker) stepFor(s, t []Value) (label string, step *stepInfo) {
	for _, v := range t {
		if v == nil {
			return "<Action>", nil
		}
	}
	want := encodeState(t)
	var wantKey, alike string
	var alikeStep *stepInfo
	if ch.view != nil || ch.symmetry != nil {
		wantKey = ch.stateKey(t)
	}
	c := &evaluator{p: ch.p, cur: s, next: make([]Value, len(s))}
	c.split = true
	defer func() {
		if r := recover(); r != nil {
			label, step = "<Action>", nil
		}
	}()
	info := func() *stepInfo {
		if c.label == nil {
			return nil
		}
		st := &stepInfo{name: c.label.Name, module: c.label.Module, sp: c.actSpan, args: c.labelArgs}
		for _, p := range c.label.Params {
			st.params = append(st.params, p.Name)
		}
		return st
	}
	c.enum(ch.next.expr, nil, ch.next.sc, func() bool {
		for _, v := range c.next {
			if v == nil {
				return false
			}
		}
		if encodeState(c.next) == want {
			label, step = c.labelString(), info()
			return true
		}
		if wantKey != "" && alike == "" && ch.stateKey(c.next) == wantKey {
			alike, alikeStep = c.labelString(), info()
		}
		return false
	})
	if label == "" {
		label, step = alike, alikeStep
	}
	if label == "" {
		label = "<Action>"
	}
	return label, step
}

func (c *evaluator) labelString() string {
	if c.label == nil {
		return "<Action>"
	}
	name := c.label.Name
	if len(c.labelArgs) > 0 {
		parts := make([]string, len(c.labelArgs))
		for i, a := range c.labelArgs {
			parts[i] = fmtValue(a)
		}
		name += "(" + strings.Join(parts, ",") + ")" // TLC: Request(c3,{r1, r2})
	}
	sp := c.actSpan
	return fmt.Sprintf("<%s line %d, col %d to line %d, col %d of module %s>", name,
		sp.from.Line, sp.from.Col, sp.to.Line, sp.to.Col, c.label.Module)
}

func (ch *checker) printTrace(tr []State) {
	for i, s := range tr {
		fmt.Fprintf(ch.out, "State %d: %s\n", i+1, s.Action)
		ch.printState(s.Values)
		fmt.Fprintln(ch.out)
	}
}

func (ch *checker) printState(vals []Value) {
	if ch.alias != nil {
		func() {
			defer func() { _ = recover() }()
			save := ch.c.cur
			ch.c.cur = vals
			v := ch.c.eval(ch.alias.expr, nil, ch.alias.sc)
			ch.c.cur = save
			if r, ok := v.(*recordV); ok {
				for i, n := range r.Names {
					if len(r.Names) > 1 {
						fmt.Fprint(ch.out, "/\\ ")
					}
					fmt.Fprintf(ch.out, "%s = %s\n", n, fmtValue(r.Vals[i]))
				}
				vals = nil
			}
		}()
		if vals == nil {
			return
		}
	}
	for i, d := range ch.p.vars {
		if len(ch.p.vars) > 1 {
			fmt.Fprint(ch.out, "/\\ ")
		}
		fmt.Fprintf(ch.out, "%s = %s\n", d.Name, fmtValue(vals[i]))
	}
}

func (ch *checker) printStats(success bool) {
	r := ch.res
	if success {
		fmt.Fprintf(ch.out, "Model checking completed. No error has been found.\n")
		if ch.store != nil && !ch.store.exact {
			fmt.Fprint(ch.out, collisionReport(r.Generated, r.Distinct))
		} else {
			fmt.Fprintf(ch.out, "  States are stored exactly (no fingerprints), so no two distinct states can be confused.\n")
		}
	}
	if ch.cov != nil {
		ch.cov.print(ch.out, time.Now())
	}
	fmt.Fprintf(ch.out, "%d states generated, %d distinct states found, %d states left on queue.\n", r.Generated, r.Distinct, ch.queueLeft)
	fmt.Fprintf(ch.out, "The depth of the complete state graph search is %d.\n", r.Depth)
}

// exactStore reports whether states must be stored exactly: the user asked for it,
// or something needs the complete state graph afterwards.
func (ch *checker) exactStore() bool {
	return ch.opts.Exact || ch.keepGraph || ch.opts.DumpDot != nil || len(ch.live.props) > 0 && !ch.live.skip
}

// defaultQueueMem is how many bytes of the queue stay in memory before it spills
// to disk.
const defaultQueueMem = 256 << 10

// initialStates enumerates Init and returns its states, each a copy of its own. A
// variable Init leaves unassigned is an error, with TLC's message.
func (ch *checker) initialStates() [][]Value {
	c := ch.c
	c.initMode = true
	c.cur, c.next = make([]Value, len(ch.p.vars)), nil
	var out [][]Value
	c.enum(ch.init.expr, nil, ch.init.sc, func() bool {
		for i, v := range c.cur {
			if v == nil {
				panic(&evalError{Code: ExitUnassigned, Kind: "eval",
					Msg: fmt.Sprintf("The variable %s was not assigned a value by the initial predicate.", ch.p.vars[i].Name)})
			}
		}
		out = append(out, append([]Value(nil), c.cur...))
		return false
	})
	c.initMode = false
	return out
}

// queueMem is how many bytes of the queue stay in memory.
func (ch *checker) queueMem() int {
	if ch.opts.queueMem > 0 {
		return ch.opts.queueMem
	}
	return defaultQueueMem
}

// checkpointEvery is how many expansions apart the search looks at the time to see
// whether a checkpoint is due.
const checkpointEvery = 1024

// checkpoint writes a checkpoint of the search, as TLC's -checkpoint does, and
// reports a failure without ending the search.
func (ch *checker) checkpoint() {
	dir := ch.checkpointDir()
	fmt.Fprintf(ch.out, "Checkpointing of run %s\n", dir)
	if err := ch.writeCheckpoint(dir); err != nil {
		fmt.Fprintf(ch.out, "Warning: the checkpoint was not written: %v\n", err)
		return
	}
	fmt.Fprintf(ch.out, "Checkpointing completed at (%s)\n", time.Now().Format("2006-01-02 15:04:05"))
}

// checkpointDir is where checkpoints go: Options.CheckpointDir, or, as TLC's
// metadata directory, states/<time of the first checkpoint> beside the spec.
func (ch *checker) checkpointDir() string {
	if ch.opts.CheckpointDir == "" {
		ch.opts.CheckpointDir = filepath.Join(filepath.Dir(ch.specPath), "states", time.Now().Format("06-01-02-15-04-05"))
	}
	return ch.opts.CheckpointDir
}

// checkpointRefused reports a checkpoint asked of a search that cannot take one.
func (ch *checker) checkpointRefused(flag string) *Result {
	msg := flag + " needs a search in fingerprint mode: not -exact, no temporal properties and no state graph (-dump, StateGraph)"
	if flag == "-recover" && ch.opts.Coverage > 0 {
		msg = "-recover cannot be combined with -coverage: a checkpoint does not keep the coverage counts"
	}
	fmt.Fprintf(ch.out, "Error: %s.\n", msg)
	r := ch.res
	r.ExitCode, r.Violation, r.Message = ExitEval, "eval", msg
	return r
}

// queueLeft is the number of states waiting to be expanded.
func (ch *checker) left(batchLeft int) int { return ch.queue.len() + batchLeft }

// addState stores a new state and queues it.
func (ch *checker) addState(fp uint64, key []byte, vals []Value, enc []byte, parent, depth int32) int32 {
	if enc == nil && (ch.view != nil || ch.symmetry != nil) {
		// a buffer of its own: key may be ch.buf
		ch.encBuf = appendState(ch.encBuf[:0], vals)
		enc = ch.encBuf
	}
	id := ch.store.addFP(fp, key, enc, parent)
	if ch.store.exact {
		ch.queue.push(id, depth, nil)
	} else if enc != nil {
		ch.queue.push(id, depth, enc)
	} else {
		ch.queue.push(id, depth, key)
	}
	return id
}

// bfs explores the state space breadth first.
func (ch *checker) bfs() (res *Result) {
	c := ch.c
	r := ch.res
	var recovered *checkpointMeta
	if dir := ch.opts.Recover; dir != "" {
		if ch.exactStore() || ch.opts.Coverage > 0 {
			return ch.checkpointRefused("-recover")
		}
		fmt.Fprintf(ch.out, "Starting recovery from checkpoint %s\n", dir)
		st, q, meta, err := ch.readCheckpoint(dir)
		if err != nil {
			fmt.Fprintf(ch.out, "Error: %v\n", err)
			r.ExitCode, r.Violation, r.Message = ExitEval, "eval", err.Error()
			return r
		}
		ch.store, ch.queue, recovered = st, q, &meta
	} else {
		if ch.opts.Checkpoint > 0 && ch.exactStore() {
			return ch.checkpointRefused("-checkpoint")
		}
		ch.store = newStateStore(ch.exactStore(), ch.opts.FP)
		ch.queue = newStateQueue(ch.queueMem())
	}
	ch.symHashed = ch.symmetry != nil && !ch.store.exact
	defer ch.queue.close()
	if ch.store.exact && len(ch.live.props) > 0 && !ch.live.skip && !ch.opts.replaySteps {
		ch.steps = &stepLog{}
		defer func() {
			if ch.steps != nil { // the liveness check did not take it
				ch.steps.free()
				ch.steps = nil
			}
		}()
	}
	if !ch.keepGraph && (len(ch.live.props) == 0 || ch.live.skip) {
		// nothing reads the store once the search is over
		defer ch.store.free()
	}
	nv := len(ch.p.vars)
	batchLeft := 0
	fmt.Fprintf(ch.out, "Starting... (%s)\n", time.Now().Format("2006-01-02 15:04:05"))
	if ch.store.exact {
		fmt.Fprintf(ch.out, "Storing states exactly.\n")
	} else {
		fmt.Fprintf(ch.out, "Storing states as 64-bit fingerprints (fp %d).\n", ch.opts.FP)
	}
	if ch.dotOut = ch.opts.DumpDot; ch.dotOut != nil {
		fmt.Fprintln(ch.dotOut, "strict digraph DiskGraph {")
		defer fmt.Fprintln(ch.dotOut, "}")
	}

	violation := func(kind, name, msg string, code int, trace []State, initial bool) *Result {
		if kind == "invariant" && ch.opts.Continue {
			// TLC's -continue: report the violation and search on; the run ends as
			// a success would, with exit code 0
			ch.printViolation(msg, trace, initial)
			return nil
		}
		r.Violation, r.ViolatedName, r.ExitCode, r.Message = kind, name, code, msg
		r.Trace = trace
		ch.printViolation(msg, trace, initial)
		if initial {
			// TLC stops before reporting any counts
			r.Generated, r.Distinct = 0, 0
			return r
		}
		ch.printStats(false)
		return r
	}
	defer func() {
		if x := recover(); x != nil {
			if ee, ok := x.(*evalError); ok {
				if ee.Code == 0 {
					ee.Code = ExitEval
				}
				if ch.evalInv != "" && ee.Code == ExitEval {
					ee.Code, ee.Name = ExitInvariantEval, ch.evalInv
				}
				if ch.errID >= 0 {
					r.Trace = ch.trace(ch.errID, ch.errSucc)
				} else if ch.errSucc != nil {
					r.Trace = []State{{Values: ch.errSucc, Action: "<Initial predicate>"}}
				}
				ch.queueLeft = ch.left(batchLeft)
				res = ch.evalFailure(ee)
				return
			}
			panic(x)
		}
	}()

	if recovered != nil {
		r.Generated, r.Distinct, r.Depth = recovered.Generated, recovered.Distinct, recovered.Depth
		ch.p.setRanks(recovered.Ranks)
		fmt.Fprintf(ch.out, "Recovery completed. %d states examined. %d states on queue.\n", r.Distinct, ch.queue.len())
	} else {
		fmt.Fprintf(ch.out, "Computing initial states...\n")
		// initial states
		ch.errID = -1
		var initRes *Result
		initStates := ch.initialStates()
		c.level = 1
		for _, s := range initStates {
			r.Generated++
			ch.errSucc = s
			key := ch.stateKeyBytes(s)
			if _, ok := ch.store.lookup(key); ok {
				continue
			}
			if !ch.satisfies(ch.constraints, s) {
				if res := ch.checkInvariants(s, -1, violation, true); res != nil {
					return res
				}
				continue
			}
			key = ch.stateKeyBytes(s)
			id := ch.addState(ch.store.fingerprint(key), key, s, nil, -1, 1)
			r.Distinct++
			r.Depth = 1
			if ch.dotOut != nil {
				fmt.Fprintf(ch.dotOut, "%d [label=\"%s\",style = filled]\n", id, dotEscape(s, ch.p))
			}
			if res := ch.checkInvariants(s, id, violation, true); res != nil {
				return res
			}
			for _, ip := range ch.initProps {
				if !ch.holds(ip, s, nil) {
					return violation("temporal", ip.name, "Temporal properties were violated.", ExitTemporal, ch.trace(id, nil), false)
				}
			}
		}
		ch.errSucc = nil
		if initRes != nil {
			return initRes
		}
		plural := "s"
		if r.Distinct == 1 {
			plural = ""
		}
		fmt.Fprintf(ch.out, "Finished computing initial states: %d distinct state%s generated at %s.\n", r.Distinct, plural, time.Now().Format("2006-01-02 15:04:05"))
		if ch.opts.Coverage > 0 {
			ch.cov = newCoverage(ch.opts.Coverage, ch.init, ch.next)
			ch.cov.init.distinct, ch.cov.init.generated = r.Distinct, r.Generated
		}
	}

	next := make([]Value, nv)
	c.split = true
	lastProgress := time.Now()
	lastCheckpoint, nextCheckpoint := time.Now(), 0
	lastGen, lastDistinct := r.Generated, r.Distinct
	var pl *pool
	if n := ch.opts.workers(); n > 1 && ch.cov == nil { // the workers do not name actions
		pl = ch.newPool(n)
	}
	var batch []queued // the pool's batch, expanded by the workers, merged in order
	bpos := 0
	for expanded := 0; ; expanded++ {
		batchLeft = len(batch) - bpos
		if ch.ctx != nil && ch.ctx.Err() != nil {
			ch.queueLeft = ch.left(batchLeft)
			fmt.Fprintf(ch.out, "Error: interrupted: %v\n", ch.ctx.Err())
			ch.printStats(false)
			r.ExitCode, r.Violation, r.Message = ExitEval, "eval", ch.ctx.Err().Error()
			return r
		}
		if expanded%4096 == 0 && time.Since(lastProgress) > time.Minute {
			// TLC's progress line, with the rates per minute since the last one
			mins := time.Since(lastProgress).Minutes()
			fmt.Fprintf(ch.out, "Progress(%d) at %s: %s states generated (%s s/min), %s distinct states found (%s ds/min), %s states left on queue.\n",
				r.Depth, time.Now().Format("2006-01-02 15:04:05"),
				thousands(r.Generated), thousands(int64(float64(r.Generated-lastGen)/mins)),
				thousands(r.Distinct), thousands(int64(float64(r.Distinct-lastDistinct)/mins)),
				thousands(int64(ch.left(batchLeft))))
			lastProgress, lastGen, lastDistinct = time.Now(), r.Generated, r.Distinct
		}
		if ch.cov != nil && expanded%4096 == 0 && ch.cov.due() {
			ch.cov.print(ch.out, time.Now())
		}
		if ch.opts.Checkpoint > 0 && (pl == nil || bpos == len(batch)) && expanded >= nextCheckpoint {
			// between expansions: every state found is stored and queued
			nextCheckpoint = expanded + checkpointEvery
			if time.Since(lastCheckpoint) >= ch.opts.Checkpoint {
				ch.checkpoint()
				lastCheckpoint = time.Now()
			}
		}
		if pl != nil && bpos == len(batch) {
			if pl.off {
				pl = nil
			} else {
				batch, bpos = pl.fill(batch[:0], ch.queue), 0
				pl.expand(batch)
			}
		}
		var q queued
		if bpos < len(batch) {
			q = batch[bpos]
			bpos++
		} else if id, depth, enc, ok := ch.queue.pop(); ok {
			q = queued{id: id, depth: depth, enc: enc}
		} else {
			break
		}
		batchLeft = len(batch) - bpos
		ch.queueLeft = ch.left(batchLeft)
		if pl != nil {
			if succs, arena, ok := pl.take(q.id); ok {
				ch.mergeClean(q, succs, arena)
				ch.live.expanded(r.Generated, r.Distinct, r.Depth)
				continue
			}
			// anything but the plain case: expand it here, as one worker does
		}
		s := ch.queuedState(q)
		depth := q.depth
		c.cur = s
		for i := range next {
			next[i] = nil
		}
		c.next = next
		c.label, c.labelArgs = nil, nil
		ch.errID = q.id
		nsucc := 0
		var stop *Result
		if ch.steps != nil {
			ch.steps.begin(q.id)
		}
		c.level = int(depth) // TLCGet("level") while computing successors
		c.enum(ch.next.expr, nil, ch.next.sc, func() bool {
			// checks of the successor see its own level
			c.level = int(depth) + 1
			defer func() { c.level = int(depth) }()
			for i, v := range next {
				if v == nil {
					r.Generated++
					ch.errSucc = append([]Value(nil), next...)
					panic(&evalError{Code: ExitUnassigned, Kind: "eval",
						Msg: fmt.Sprintf("Successor state is not completely specified by the next-state action. The following variable is not defined: %s.", ch.p.vars[i].Name)})
				}
			}
			nsucc++
			r.Generated++
			t := next // copied only if the state is new
			var act *covAction
			if ch.cov != nil {
				act = ch.cov.action(c.label, c.actSpan)
				act.generated++
			}

			checkActions := func(id int32, stored bool) bool {
				for _, ap := range ch.actionProps {
					if !ch.holds(ap, s, t) {
						ch.queueLeft = ch.left(batchLeft)
						tr := ch.trace(q.id, t)
						if stored {
							tr = ch.trace(id, nil)
						}
						stop = violation("action", ap.name, fmt.Sprintf("Action property %s is violated.", ap.name), ExitTemporal, tr, false)
						return true
					}
				}
				return false
			}
			if len(ch.actionConstraint) > 0 && !ch.satisfies(ch.actionConstraint, s, t) {
				return false
			}
			kb := ch.stateKeyBytes(t)
			fp := ch.store.fingerprint(kb)
			if old, ok := ch.store.lookupFP(fp, kb); ok {
				if ch.steps != nil {
					ch.steps.step(q.id, old)
				}
				if ch.dotOut != nil {
					fmt.Fprintf(ch.dotOut, "%d -> %d;\n", q.id, old)
				}
				return checkActions(-1, false)
			}
			if !ch.satisfies(ch.constraints, t) {
				ch.queueLeft = ch.left(batchLeft)
				ch.errSucc = t
				stop = ch.checkInvariants(t, q.id, violation, false)
				ch.errSucc = nil
				if stop != nil {
					return true
				}
				return checkActions(-1, false)
			}
			id := ch.addState(fp, kb, t, nil, q.id, depth+1) // the constraints' evaluation leaves kb's buffer alone
			r.Distinct++
			if ch.steps != nil {
				ch.steps.step(q.id, id)
			}
			if act != nil {
				act.distinct++
			}
			if int(depth+1) > r.Depth {
				r.Depth = int(depth + 1)
			}
			if ch.dotOut != nil {
				fmt.Fprintf(ch.dotOut, "%d [label=\"%s\"]\n%d -> %d;\n", id, dotEscape(t, ch.p), q.id, id)
			}
			// As TLC: a new state is queued once it has passed the invariants, so
			// a violating one is not counted as left on the queue.
			ch.queueLeft = ch.left(batchLeft) - 1
			ch.errID = id
			if res := ch.checkInvariants(t, id, violation, true); res != nil {
				stop = res
				return true
			}
			ch.errID = q.id
			return checkActions(id, true)
		})
		if stop != nil {
			return stop
		}
		if ch.steps != nil {
			ch.steps.end(q.id)
		}
		ch.live.expanded(r.Generated, r.Distinct, r.Depth)
		if nsucc == 0 && ch.checkDeadlock {
			ch.queueLeft = ch.left(batchLeft)
			return violation("deadlock", "", "Deadlock reached.", ExitDeadlock, ch.trace(q.id, nil), false)
		}
	}
	ch.queueLeft = 0
	if res := ch.checkLiveness(); res != nil {
		return res
	}
	ch.printStats(true)
	return r
}

// queuedState decodes a state taken from the queue.
func (ch *checker) queuedState(q queued) []Value {
	if ch.store.exact {
		return ch.decodeState(ch.store.enc(q.id))
	}
	return ch.decodeState(q.enc)
}

// thousands formats n with comma separators, as TLC's progress lines do.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func (ch *checker) satisfies(preds []namedExpr, s []Value, t ...[]Value) bool {
	var next []Value
	if len(t) > 0 {
		next = t[0]
	}
	for _, p := range preds {
		if !ch.holds(p, s, next) {
			return false
		}
	}
	return true
}

type violationFn func(kind, name, msg string, code int, trace []State, initial bool) *Result

// checkInvariants evaluates the invariants on s, whose BFS parent (or own id when
// stored) is id.
func (ch *checker) checkInvariants(s []Value, id int32, violation violationFn, stored bool) *Result {
	for _, inv := range ch.invariants {
		if !ch.invariantHolds(inv, s) {
			var tr []State
			initial := false
			if stored {
				tr = ch.trace(id, nil)
				initial = len(tr) == 1
			} else if id < 0 {
				tr = []State{{Values: s, Action: "<Initial predicate>"}}
				initial = true
			} else {
				tr = ch.trace(id, s)
			}
			return violation("invariant", inv.name, fmt.Sprintf("Invariant %s is violated.", inv.name), ExitInvariant, tr, initial)
		}
	}
	return nil
}

func dotEscape(vals []Value, p *program) string {
	var b strings.Builder
	for i, d := range p.vars {
		if i > 0 {
			b.WriteString("\\n")
		}
		b.WriteString("/\\\\ " + d.Name + " = " + fmtValue(vals[i]))
	}
	return strings.ReplaceAll(b.String(), "\"", "\\\"")
}

// invariantHolds evaluates an invariant; TLC reports evaluation errors inside an
// invariant with exit code 76, naming the invariant.
func (ch *checker) invariantHolds(inv namedExpr, s []Value) bool {
	ch.evalInv = inv.name
	ok := ch.holds(inv, s, nil)
	ch.evalInv = ""
	return ok
}
