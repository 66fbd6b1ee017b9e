package tla

import (
	"fmt"
	"io"
	"maps"
	"math"
	"strings"
)

// pathStates returns the states from an initial state to state id along the search's
// parents. In exact mode they are decoded from the store. In fingerprint mode only
// their fingerprints are known, and the states are found again the way TLC finds
// them: among the initial states, the first whose fingerprint is the path's first,
// then among its successors the first with the next fingerprint, and so on. The
// search stored the first state it met with each fingerprint, in this same order, so
// these are the states it stored.
func (ch *checker) pathStates(id int32) [][]Value {
	var ids []int32
	var fps []uint64
	for i := id; i >= 0; {
		parent, fp := ch.store.parentOf(i)
		ids, fps = append(ids, i), append(fps, fp)
		i = parent
	}
	vals := make([][]Value, 0, len(ids))
	if ch.store.exact {
		for k := len(ids) - 1; k >= 0; k-- {
			vals = append(vals, ch.decodeState(ch.store.enc(ids[k])))
		}
		return vals
	}
	// a fresh evaluator: this may run in the middle of the search's own evaluation
	// Output is discarded (Print in Init or Next printed during the search already)
	// and TLCSet writes to a copy of the registers.
	c := &evaluator{p: ch.p, out: io.Discard, registers: maps.Clone(ch.c.registers)}
	nv := len(ch.p.vars)
	want := func(k int) uint64 { return fps[k] }
	match := func(s []Value, k int) bool {
		return ch.store.fingerprint(ch.keyWith(c, s)) == want(k)
	}
	var found []Value
	c.initMode = true
	c.cur = make([]Value, nv)
	c.level = 1
	c.enum(ch.init.expr, nil, ch.init.sc, func() bool {
		for _, v := range c.cur {
			if v == nil {
				return false
			}
		}
		if match(c.cur, len(ids)-1) {
			found = append([]Value(nil), c.cur...)
			return true
		}
		return false
	})
	c.initMode = false
	if found == nil {
		panic(&evalError{Code: ExitEval, Kind: "eval", Msg: "cannot rebuild the counterexample: no initial state has its fingerprint"})
	}
	vals = append(vals, found)
	c.split = true
	for k := len(ids) - 2; k >= 0; k-- {
		s := vals[len(vals)-1]
		next := make([]Value, nv)
		c.cur, c.next = s, next
		c.level = len(vals)
		found = nil
		c.enum(ch.next.expr, nil, ch.next.sc, func() bool {
			for _, v := range next {
				if v == nil {
					return false
				}
			}
			if len(ch.actionConstraint) > 0 && !ch.satisfiesWith(c, ch.actionConstraint, s, next) {
				return false
			}
			if match(next, k) {
				found = append([]Value(nil), next...)
				return true
			}
			return false
		})
		if found == nil {
			panic(&evalError{Code: ExitEval, Kind: "eval", Msg: fmt.Sprintf("cannot rebuild the counterexample: no successor of state %d has its fingerprint", len(vals))})
		}
		vals = append(vals, found)
	}
	return vals
}

// keyWith is stateKey evaluated with evaluator c (VIEW needs evaluation).
func (ch *checker) keyWith(c *evaluator, vals []Value) []byte {
	save := ch.c
	ch.c = c
	defer func() { ch.c = save }()
	saveBuf := ch.buf
	ch.buf = nil
	defer func() { ch.buf = saveBuf }()
	return []byte(ch.stateKey(vals))
}

// satisfiesWith is satisfies evaluated with evaluator c.
func (ch *checker) satisfiesWith(c *evaluator, preds []namedExpr, s, t []Value) bool {
	save := ch.c
	ch.c = c
	defer func() { ch.c = save }()
	return ch.satisfies(preds, s, t)
}

// collisionReport is what TLC prints after a successful fingerprint search: the
// estimate that two distinct states had the same fingerprint, computed as TLC does
// (distinct × (generated − distinct) / 2^64).
func collisionReport(generated, distinct int64) string {
	p := float64(distinct) * (float64(generated-distinct) / math.Pow(2, 64))
	return "  Estimates of the probability that TLC did not check all reachable states\n" +
		"  because two distinct states had the same fingerprint:\n" +
		"  calculated (optimistic):  val = " + javaSci(p) + "\n"
}

// javaSci prints p as TLC does (Java's %.1E-like form without exponent padding:
// 2.8E-14, 1.0E-5, 0.0).
func javaSci(p float64) string {
	if p == 0 {
		return "0.0"
	}
	s := fmt.Sprintf("%.1E", p) // 2.8E-14, 1.0E-05
	mant, exp, _ := strings.Cut(s, "E")
	sign := ""
	if strings.HasPrefix(exp, "-") {
		sign = "-"
	}
	exp = strings.TrimLeft(strings.TrimLeft(exp, "+-"), "0")
	if exp == "" {
		exp = "0"
	}
	return mant + "E" + sign + exp
}
