package tla

import "hash/fnv"

// RandomElement, as TLC evaluates it during a breadth-first search: the choice is
// pseudo-random but a function of the state being explored. TLC keeps one
// java.util.Random per worker, reseeds it with (fingerprint of the current state) XOR
// (the run's seed) the first time RandomElement is called while computing that
// state's successors, and draws from it for every further call on the same state;
// initial states and constant definitions draw from a generator seeded with the run's
// seed alone. Reseeding by state keeps a state's successors the same every time they
// are computed, which the search, the liveness graph and trace reconstruction rely on.
//
// TLC picks a new seed for every run unless -seed is given, and seeds from its 64-bit
// fingerprints; this package seeds from its own state encoding with a fixed seed. So a
// model whose counts depend on the values RandomElement picks gives counts that vary
// between TLC runs and need not match; a model whose counts do not depend on them
// (the usual use: any element will do) agrees.

// javaRandom is java.util.Random's linear congruential generator, so the stream of
// choices has the same distribution and structure as TLC's.
type javaRandom struct{ seed int64 }

const (
	jrMult = 0x5DEECE66D
	jrMask = 1<<48 - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ jrMult) & jrMask}
}

func (r *javaRandom) next(bits uint) int64 {
	r.seed = (r.seed*jrMult + 0xB) & jrMask
	return int64(int32(r.seed >> (48 - bits)))
}

// nextDouble is uniform in [0, 1), as Random.nextDouble.
func (r *javaRandom) nextDouble() float64 {
	return float64(r.next(26)<<27+r.next(27)) * (1.0 / (1 << 53))
}

// randomSeed is the run's seed (TLC's -seed); fixed, so runs are reproducible.
const randomSeed int64 = 0

// rng returns the generator for the current evaluation: per state while computing
// successors, per evaluation context otherwise.
func (c *evaluator) rng() *javaRandom {
	c.effects++
	if c.initMode || len(c.cur) == 0 {
		if c.rngInit == nil {
			c.rngInit = newJavaRandom(randomSeed)
		}
		return c.rngInit
	}
	if c.rngState == nil || &c.rngFor[0] != &c.cur[0] {
		h := fnv.New64a()
		_, _ = h.Write([]byte(encodeState(c.cur)))
		c.rngState = newJavaRandom(int64(h.Sum64()) ^ randomSeed)
		c.rngFor = c.cur
	}
	return c.rngState
}

// randomElement picks an element of the finite set v the way TLC does: componentwise
// for sets of functions, records and tuples (so they need not be enumerated), by
// index into the normalized elements otherwise.
func (c *evaluator) randomElement(v Value, pos pos) Value {
	switch s := v.(type) {
	case *fcnSetV:
		dom := c.enumerate(s.Dom, pos)
		vals := make([]Value, len(dom))
		for i := range dom {
			vals[i] = c.randomElement(s.Rng, pos)
		}
		return newFcn(dom, vals)
	case *recordSetV:
		vals := make([]Value, len(s.Sets))
		for i, set := range s.Sets {
			vals[i] = c.randomElement(set, pos)
		}
		return newRecord(s.Names, vals)
	case *productSetV:
		vals := make([]Value, len(s.Sets))
		for i, set := range s.Sets {
			vals[i] = c.randomElement(set, pos)
		}
		return &tupleV{Elems: vals}
	case *intervalV:
		if s.Hi < s.Lo {
			break
		}
		n := s.Hi - s.Lo + 1
		return intV(s.Lo + int64(c.rng().nextDouble()*float64(n)))
	}
	switch v.(type) {
	case *infSetV, *seqSetV, *filterSetV:
		throw(pos, "Attempted to apply the operator overridden by the Java method\npublic static tlc2.value.impl.Value tlc2.module.TLC.RandomElement(tlc2.value.impl.Value),\nbut it produced the following error:\nThe argument of RandomElement should be a finite set, but instead it is:\n%s", fmtValue(v))
	}
	elems := c.enumerate(v, pos)
	if len(elems) == 0 {
		throw(pos, "The argument of RandomElement is the empty set.")
	}
	return elems[int(c.rng().nextDouble()*float64(len(elems)))]
}

// randomSubset picks k distinct elements of the finite set s (TLC's Randomization
// RandomSubset), drawing from the same generator as RandomElement.
func (c *evaluator) randomSubset(k int64, s Value, pos pos) Value {
	elems := c.enumerate(s, pos)
	if k < 0 || k > int64(len(elems)) {
		throw(pos, "The first argument of RandomSubset should be a nonnegative integer no larger than the cardinality of its second argument, but instead it is:\n%d", k)
	}
	pool := append([]Value(nil), elems...)
	r := c.rng()
	for i := 0; i < int(k); i++ {
		j := i + int(r.nextDouble()*float64(len(pool)-i))
		pool[i], pool[j] = pool[j], pool[i]
	}
	return newSet(pool[:k])
}

// randomSetOfSubsets picks n subsets of s, each containing every element with
// probability p (TLC's Randomization RandomSetOfSubsets); equal picks collapse,
// as in TLC.
func (c *evaluator) randomSetOfSubsets(n int64, p float64, s Value, pos pos) Value {
	if n < 0 {
		throw(pos, "The first argument of RandomSetOfSubsets should be a nonnegative integer, but instead it is:\n%d", n)
	}
	elems := c.enumerate(s, pos)
	r := c.rng()
	subsets := make([]Value, 0, n)
	for range n {
		var sub []Value
		for _, e := range elems {
			if r.nextDouble() < p {
				sub = append(sub, e)
			}
		}
		subsets = append(subsets, newSet(sub))
	}
	return newSet(subsets)
}
