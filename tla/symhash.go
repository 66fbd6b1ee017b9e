package tla

import (
	"encoding/binary"
	"math/bits"
)

// In fingerprint mode only a state's fingerprint is stored, so under SYMMETRY the
// key need not be the smallest encoding of the orbit (symmetryKey in exact mode):
// any value that is the same for every state of an orbit and, but for hash
// collisions, different between orbits will do. symmetryHashKey takes the smallest,
// over the group, of a hash of the permuted state computed directly on the value
// tree, with the elements of sets and the pairs of functions combined by addition,
// which does not depend on their order. A permuted state then costs one walk of its
// values, without encoding or sorting, as in TLC, which keeps the smallest
// fingerprint of the permuted states. Two states of one orbit have the same
// permuted states, so the same key; the counts are those of exact mode unless two
// orbits collide, with the fingerprints' own odds.

const (
	symTagBool uint64 = iota + 1
	symTagInt
	symTagStr
	symTagModel
	symTagTuple
	symTagRecord
	symTagFcn
	symTagSet
)

// mix64 is splitmix64's finalizer: a bijection that spreads every input bit.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// hcomb appends x to the running hash h.
func hcomb(h, x uint64) uint64 {
	return mix64(bits.RotateLeft64(h, 27)*0x9e3779b97f4a7c15 ^ x)
}

// symmetryHashKey is symmetryKey in fingerprint mode: the smallest hash of the
// state's permutations, as 8 bytes in a reused buffer.
func (ch *checker) symmetryHashKey(vals []Value) []byte {
	sh := ch.symHasher
	if sh == nil {
		sh = newSymHasher(ch.symPerms, fpSeed(ch.opts.FP))
		ch.symHasher = sh
	}
	best := sh.stateKey(vals)
	ch.symBest = binary.LittleEndian.AppendUint64(ch.symBest[:0], best)
	return ch.symBest
}

// symHasher computes symHash under every permutation of the group in one walk of a
// state's values. A subtree without model values hashes the same under each, so it
// is hashed once (most of a state: the values of functions over the symmetric set,
// the sequences in them); only the nodes above a model value are combined once per
// permutation. The constants symHash combines at each leaf and header, which depend
// only on the seed, are computed once.
type symHasher struct {
	seed  uint64
	perms [][]*modelV
	vec   []uint64 // per-permutation hashes of the subtrees being combined, by offset
	// precomputed combinations of the seed with a tag (and a length or index)
	boolH    [2]uint64
	intH     uint64
	modelH   []uint64 // by model value index
	hdr      [4][symHdrCache]uint64
	permuted []uint64 // stateKey's running hash per permutation
	// the variables of the state hashed last, with their hashes: lastHash[k] with
	// the low bit set for a variable without model values, else 0 and the
	// per-permutation hashes at lastVec[k*len(perms):]
	last     []Value
	lastHash []uint64
	lastVec  []uint64
}

// symHdrCache bounds the lengths whose headers are precomputed.
const symHdrCache = 32

// headers are indexed by kind in symHasher.hdr
const (
	symHdrTuple = iota
	symHdrRecord
	symHdrFcn
	symHdrSet
)

var symHdrTag = [4]uint64{symTagTuple, symTagRecord, symTagFcn, symTagSet}

func newSymHasher(perms [][]*modelV, seed uint64) *symHasher {
	sh := &symHasher{seed: seed, perms: perms}
	sh.boolH = [2]uint64{hcomb(seed, symTagBool<<1), hcomb(seed, symTagBool<<1|1)}
	sh.intH = hcomb(seed, symTagInt)
	for k := range sh.hdr {
		for n := range symHdrCache {
			sh.hdr[k][n] = hcomb(seed, symHdrTag[k]<<32|uint64(n))
		}
	}
	return sh
}

// header is hcomb(seed, tag<<32|n) for the kind's tag.
func (sh *symHasher) header(kind, n int) uint64 {
	if n < symHdrCache {
		return sh.hdr[kind][n]
	}
	return hcomb(sh.seed, symHdrTag[kind]<<32|uint64(n))
}

// model is symHash of the model value with index idx (already renamed).
func (sh *symHasher) model(idx int) uint64 {
	for len(sh.modelH) <= idx {
		sh.modelH = append(sh.modelH, hcomb(hcomb(sh.seed, symTagModel), uint64(len(sh.modelH))))
	}
	return sh.modelH[idx]
}

// stateKey is the smallest over the group of the hash of the permuted state, as
// symmetryHashKey defines it.
func (sh *symHasher) stateKey(vals []Value) uint64 {
	np := len(sh.perms)
	if len(sh.last) != len(vals) {
		sh.last = make([]Value, len(vals))
		sh.lastHash = make([]uint64, len(vals))
		sh.lastVec = make([]uint64, len(vals)*np)
	}
	sh.permuted = sh.permuted[:0]
	for range np {
		sh.permuted = append(sh.permuted, sh.seed)
	}
	for k, v := range vals {
		vec := sh.lastVec[k*np : (k+1)*np]
		if !sameRef(v, sh.last[k]) {
			h, off, varies := sh.hash(v)
			sh.last[k] = v
			if varies {
				copy(vec, sh.vec[off:off+np])
				sh.vec = sh.vec[:off]
				sh.lastHash[k] = 0
			} else {
				sh.lastHash[k] = h | 1 // never 0, which marks a variable that varies
			}
		}
		if x := sh.lastHash[k]; x != 0 {
			// a variable without model values: one hash, with the low bit set
			for i := range sh.permuted {
				sh.permuted[i] = hcomb(sh.permuted[i], x)
			}
			continue
		}
		for i := range sh.permuted {
			sh.permuted[i] = hcomb(sh.permuted[i], vec[i])
		}
	}
	var best uint64
	for i, h := range sh.permuted {
		if i == 0 || h < best {
			best = h
		}
	}
	return best
}

// sameRef reports whether a and b are the same composite value, by identity: a
// successor shares the values of the variables its step leaves unchanged with its
// predecessor, and so with the state hashed just before it. Values are never changed
// once built, so the same pointer has the same hashes.
func sameRef(a, b Value) bool {
	switch x := a.(type) {
	case *fcnV:
		y, ok := b.(*fcnV)
		return ok && x == y
	case *recordV:
		y, ok := b.(*recordV)
		return ok && x == y
	case *tupleV:
		y, ok := b.(*tupleV)
		return ok && x == y
	case *setV:
		y, ok := b.(*setV)
		return ok && x == y
	}
	return false
}

// hash returns the hash of v with its model values renamed by each permutation: h when v has no model
// value (then it is the same under each), else the hashes at sh.vec[off:off+len(perms)],
// which the caller truncates away when done with them.
func (sh *symHasher) hash(v Value) (h uint64, off int, varies bool) {
	switch x := v.(type) {
	case boolV:
		if x {
			return sh.boolH[1], 0, false
		}
		return sh.boolH[0], 0, false
	case intV:
		return hcomb(sh.intH, uint64(x)), 0, false
	case strV:
		return hcomb(sh.seed^symTagStr, hash64(unsafeBytes(string(x)), sh.seed)), 0, false
	case *modelV:
		off = sh.alloc()
		for p, perm := range sh.perms {
			y := x
			if x.Idx < len(perm) && perm[x.Idx] != nil {
				y = perm[x.Idx]
			}
			sh.vec[off+p] = sh.model(y.Idx)
		}
		return 0, off, true
	case *tupleV:
		return sh.seq(sh.header(symHdrTuple, len(x.Elems)), x.Elems, nil)
	case *recordV:
		return sh.seq(sh.header(symHdrRecord, len(x.Names)), x.Vals, x.Names)
	case *fcnV:
		return sh.sum(symHdrFcn, x.Dom, x.Vals)
	case *setV:
		return sh.sum(symHdrSet, x.Elems, nil)
	}
	panic(evalErrorf(pos{}, "cannot store a value of this kind in a state: %s", fmtValue(v)))
}

// alloc reserves the per-permutation slots of a container's hash on top of sh.vec;
// its elements' own slots go above them and are dropped after each element.
func (sh *symHasher) alloc() int {
	off := len(sh.vec)
	sh.vec = append(sh.vec, make([]uint64, len(sh.perms))...)
	return off
}

// seq combines elems in order after the header h, each preceded by the hash of its
// name when names is not nil (a record's fields).
func (sh *symHasher) seq(h uint64, elems []Value, names []string) (uint64, int, bool) {
	off := sh.alloc()
	varies := false
	for i, e := range elems {
		var nh uint64
		if names != nil {
			nh = hash64(unsafeBytes(names[i]), sh.seed)
		}
		eh, eoff, ev := sh.hash(e)
		acc := sh.vec[off : off+len(sh.perms)] // taken after: the element may have grown sh.vec
		if !varies && !ev {
			if names != nil {
				h = hcomb(h, nh)
			}
			h = hcomb(h, eh)
			continue
		}
		if !varies { // the first element that varies: the running hash splits
			varies = true
			for p := range acc {
				acc[p] = h
			}
		}
		for p := range acc {
			if names != nil {
				acc[p] = hcomb(acc[p], nh)
			}
			x := eh
			if ev {
				x = sh.vec[eoff+p]
			}
			acc[p] = hcomb(acc[p], x)
		}
		sh.vec = sh.vec[:off+len(sh.perms)]
	}
	if !varies {
		sh.vec = sh.vec[:off]
		return h, 0, false
	}
	return 0, off, true
}

// sum adds up mix64 of each element's hash (a set's) or of each pair's combined hashes
// (a function's, when vals is not nil), which does not depend on their order, and
// combines the sum with the header.
func (sh *symHasher) sum(kind int, elems, vals []Value) (uint64, int, bool) {
	off := sh.alloc()
	var total uint64
	varies := false
	for i, e := range elems {
		eh, eoff, ev := sh.hash(e)
		var vh uint64
		voff, vv := 0, false
		if vals != nil {
			vh, voff, vv = sh.hash(vals[i])
		}
		if !ev && !vv {
			if vals != nil {
				eh = hcomb(eh, vh)
			}
			total += mix64(eh)
			continue
		}
		varies = true
		acc := sh.vec[off : off+len(sh.perms)]
		for p := range acc {
			x := eh
			if ev {
				x = sh.vec[eoff+p]
			}
			if vals != nil {
				y := vh
				if vv {
					y = sh.vec[voff+p]
				}
				x = hcomb(x, y)
			}
			acc[p] += mix64(x)
		}
		sh.vec = sh.vec[:off+len(sh.perms)]
	}
	hdr := sh.header(kind, len(elems))
	if !varies {
		sh.vec = sh.vec[:off]
		return hcomb(hdr, total), 0, false
	}
	acc := sh.vec[off : off+len(sh.perms)]
	for p := range acc {
		acc[p] = hcomb(hdr, acc[p]+total)
	}
	return 0, off, true
}
