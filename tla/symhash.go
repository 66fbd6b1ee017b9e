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

// symHash is the hash of v with its model values renamed by perm.
func symHash(v Value, perm []*modelV, seed uint64) uint64 {
	switch x := v.(type) {
	case boolV:
		if x {
			return hcomb(seed, symTagBool<<1|1)
		}
		return hcomb(seed, symTagBool<<1)
	case intV:
		return hcomb(hcomb(seed, symTagInt), uint64(x))
	case strV:
		return hcomb(seed^symTagStr, hash64(unsafeBytes(string(x)), seed))
	case *modelV:
		if x.Idx < len(perm) && perm[x.Idx] != nil {
			x = perm[x.Idx]
		}
		return hcomb(hcomb(seed, symTagModel), uint64(x.Idx))
	case *tupleV:
		h := hcomb(seed, symTagTuple<<32|uint64(len(x.Elems)))
		for _, e := range x.Elems {
			h = hcomb(h, symHash(e, perm, seed))
		}
		return h
	case *recordV:
		h := hcomb(seed, symTagRecord<<32|uint64(len(x.Names)))
		for i, n := range x.Names {
			h = hcomb(h, hash64(unsafeBytes(n), seed))
			h = hcomb(h, symHash(x.Vals[i], perm, seed))
		}
		return h
	case *fcnV:
		var sum uint64
		for i, d := range x.Dom {
			sum += mix64(hcomb(symHash(d, perm, seed), symHash(x.Vals[i], perm, seed)))
		}
		return hcomb(hcomb(seed, symTagFcn<<32|uint64(len(x.Dom))), sum)
	case *setV:
		var sum uint64
		for _, e := range x.Elems {
			sum += mix64(symHash(e, perm, seed))
		}
		return hcomb(hcomb(seed, symTagSet<<32|uint64(len(x.Elems))), sum)
	}
	panic(evalErrorf(pos{}, "cannot store a value of this kind in a state: %s", fmtValue(v)))
}

// symmetryHashKey is symmetryKey in fingerprint mode: the smallest hash of the
// state's permutations, as 8 bytes in a reused buffer.
func (ch *checker) symmetryHashKey(vals []Value) []byte {
	seed := fpSeed(ch.opts.FP)
	// a variable without model values hashes the same under every permutation
	// (0 stands for a variable that does)
	fixed := ch.symFixedHash[:0]
	for _, v := range vals {
		var h uint64
		if !hasModelValue(v) {
			h = symHash(v, nil, seed) | 1
		}
		fixed = append(fixed, h)
	}
	ch.symFixedHash = fixed
	var best uint64
	for i, perm := range ch.symPerms {
		h := seed
		for k, v := range vals {
			if fixed[k] != 0 {
				h = hcomb(h, fixed[k])
			} else {
				h = hcomb(h, symHash(v, perm, seed))
			}
		}
		if i == 0 || h < best {
			best = h
		}
	}
	ch.symBest = binary.LittleEndian.AppendUint64(ch.symBest[:0], best)
	return ch.symBest
}
