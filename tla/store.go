package tla

import (
	"encoding/binary"
	"math/bits"
)

// stateStore is the seen set of the search and, for every stored state, what a
// counterexample or the state graph needs of it.
//
// In exact mode (Options.Exact, and whenever the complete state graph is needed:
// liveness properties, the dot dump, StateGraph) it keeps every state's encoding, so
// no two distinct states can be confused and any state can be decoded again. In
// fingerprint mode, TLC's default, it keeps a 64-bit fingerprint of each state, 11 to
// 14 bytes a state in memory, and writes each state's parent and fingerprint to a
// temporary file, as TLC writes its trace file: two distinct states with the same
// fingerprint would be taken for one (printStats prints TLC's estimate of that risk),
// and a counterexample is rebuilt by running Init and Next again along the parents
// (fingerprint.go).
type stateStore struct {
	exact bool
	seed  uint64
	n     int32
	// shards are open-addressing hash tables, a state's in the shard its hash's top
	// bits choose. Exact mode: the high 32 bits of an entry are the high bits of the
	// state's hash and the low 32 bits its id+1. Fingerprint mode: the entry is the
	// fingerprint (never 0: a 0 fingerprint is stored as 1). An entry's first slot
	// follows from the entry alone (slotHash), so growing a shard needs no state's
	// key. A shard grows on its own, by a quarter, so growing needs the memory of
	// one shard's copy, not of the whole table's, and a large table is 60 to 75%
	// full rather than the 37 to 75% of doubling.
	shards [storeShards]storeShard
	parent bigSlice[int32]  // exact mode: each state's parent
	trail  *trailFile       // fingerprint mode: each state's parent and fingerprint
	offs   bigSlice[uint64] // exact mode: chunk<<32 | offset of each state's encoding
	chunks [][]byte         // exact mode: the encodings, uvarint length first
}

// storeShard is one table of the seen set.
type storeShard struct {
	table bigSlice[uint64]
	used  int
}

// storeShards is the number of tables of the seen set, 1<<storeShardBits.
const (
	storeShardBits = 6
	storeShards    = 1 << storeShardBits
)

// shardPage is the number of entries in a page: a shard's size is a multiple of it,
// since its memory is taken from the system a page at a time.
const shardPage = 4096 / 8

const arenaChunk = 4 << 20

func newStateStore(exact bool, fpIndex int) *stateStore {
	st := &stateStore{exact: exact, seed: fpSeed(fpIndex)}
	for i := range st.shards {
		st.shards[i].table.grow(shardPage)
	}
	return st
}

// shard returns the table that holds the states with hash fp.
func (st *stateStore) shard(fp uint64) *storeShard {
	return &st.shards[fp>>(64-storeShardBits)]
}

// slotHash returns the bits of fingerprint fp, or of an entry holding it, that
// choose its first slot: in exact mode only the high 32 bits, which the entry keeps.
func (st *stateStore) slotHash(fp uint64) uint64 {
	if st.exact {
		return fp &^ 0xffffffff
	}
	return fp
}

// firstSlot returns where the probe for slot hash h starts in a table of n entries:
// h's bits below the shard's scaled to n (a multiply and a shift), so that a table
// may have any size and its entries lie in the order of their hashes.
func firstSlot(h uint64, n int) int {
	hi, _ := bits.Mul64(h<<storeShardBits, uint64(n))
	return int(hi)
}

// free returns the store's memory.
func (st *stateStore) free() {
	for i := range st.shards {
		st.shards[i].table.free()
	}
	st.parent.free()
	if st.trail != nil {
		st.trail.close()
	}
	st.offs.free()
	for _, c := range st.chunks {
		freeBytes(c[:cap(c)])
	}
	st.chunks = nil
}

// len is the number of stored states.
func (st *stateStore) len() int { return int(st.n) }

// fingerprint of a seen-set key.
func (st *stateStore) fingerprint(key []byte) uint64 {
	fp := hash64(key, st.seed)
	if fp == 0 {
		fp = 1
	}
	return fp
}

// lookup finds the state stored under key. In fingerprint mode the id is -1 even
// when the state was seen: ids of seen states are only needed in exact mode.
func (st *stateStore) lookup(key []byte) (id int32, ok bool) {
	return st.lookupFP(st.fingerprint(key), key)
}

// lookupFP is lookup with the key's fingerprint already computed.
func (st *stateStore) lookupFP(fp uint64, key []byte) (id int32, ok bool) {
	tab := st.shard(fp).table.s
	n := len(tab)
	if !st.exact {
		for i := firstSlot(fp, n); ; {
			switch tab[i] {
			case 0:
				return -1, false
			case fp:
				return -1, true
			}
			if i++; i == n {
				i = 0
			}
		}
	}
	tag := fp &^ 0xffffffff
	for i := firstSlot(tag, n); ; {
		e := tab[i]
		if e == 0 {
			return -1, false
		}
		if e&^0xffffffff == tag {
			id := int32(uint32(e) - 1)
			if string(st.key(id)) == string(key) {
				return id, true
			}
		}
		if i++; i == n {
			i = 0
		}
	}
}

// add stores a state not seen before under key, with the given parent (-1 for an
// initial state), and returns its id. enc is the state's own encoding where it
// differs from the key (VIEW, SYMMETRY), nil otherwise.
func (st *stateStore) add(key, enc []byte, parent int32) int32 {
	return st.addFP(st.fingerprint(key), key, enc, parent)
}

// addFP is add with the key's fingerprint already computed.
func (st *stateStore) addFP(fp uint64, key, enc []byte, parent int32) int32 {
	id := st.n
	st.n++
	entry := fp
	if st.exact {
		st.parent.grow(int(st.n))
		st.offs.grow(int(st.n))
		st.parent.s[id] = parent
		st.offs.s[id] = st.put(key, enc)
		entry = fp&^0xffffffff | uint64(uint32(id)+1)
	} else {
		if st.trail == nil {
			st.trail = newTrailFile()
		}
		st.trail.append(parent, fp)
	}
	st.insert(fp, entry)
	return id
}

func (st *stateStore) insert(fp, entry uint64) {
	sh := st.shard(fp)
	if 4*(sh.used+1) > 3*len(sh.table.s) {
		st.rehash(sh)
	}
	place(sh.table.s, st.slotHash(fp), entry)
	sh.used++
}

// place puts entry, whose slot hash is h, into the first free slot of tab from its
// first slot on.
func place(tab []uint64, h, entry uint64) {
	n := len(tab)
	i := firstSlot(h, n)
	for tab[i] != 0 {
		if i++; i == n {
			i = 0
		}
	}
	tab[i] = entry
}

// rehash grows a shard's table by a quarter, to whole pages.
func (st *stateStore) rehash(sh *storeShard) {
	old := sh.table
	n := len(old.s) + len(old.s)/4
	n = (n + shardPage - 1) / shardPage * shardPage
	sh.table = bigSlice[uint64]{}
	sh.table.grow(n)
	tab := sh.table.s
	for _, e := range old.s {
		if e != 0 {
			place(tab, st.slotHash(e), e)
		}
	}
	old.free()
}

// put appends a state's key and, when it differs (VIEW, SYMMETRY), its encoding to
// the arena, and returns where they are: uvarint length and key, then uvarint length
// and encoding, a zero length meaning the key is the encoding.
func (st *stateStore) put(key, enc []byte) uint64 {
	if string(enc) == string(key) {
		enc = nil
	}
	need := 2*binary.MaxVarintLen64 + len(key) + len(enc)
	if len(st.chunks) == 0 || cap(st.chunks[len(st.chunks)-1])-len(st.chunks[len(st.chunks)-1]) < need {
		st.chunks = append(st.chunks, allocBytes(max(arenaChunk, need))[:0])
	}
	k := len(st.chunks) - 1
	c := st.chunks[k]
	off := len(c)
	c = binary.AppendUvarint(c, uint64(len(key)))
	c = append(c, key...)
	c = binary.AppendUvarint(c, uint64(len(enc)))
	st.chunks[k] = append(c, enc...)
	return uint64(k)<<32 | uint64(off)
}

// parentOf returns the parent of state id (-1 for an initial state) and, in
// fingerprint mode, its fingerprint.
func (st *stateStore) parentOf(id int32) (parent int32, fp uint64) {
	if st.exact {
		return st.parent.s[id], 0
	}
	return st.trail.read(id)
}

// key returns the seen-set key of state id (exact mode only). It aliases the store.
func (st *stateStore) key(id int32) []byte {
	k, _ := st.record(id)
	return k
}

// enc returns the encoding of state id (exact mode only). It aliases the store: do
// not modify it.
func (st *stateStore) enc(id int32) []byte {
	k, e := st.record(id)
	if e == nil {
		return k
	}
	return e
}

func (st *stateStore) record(id int32) (key, enc []byte) {
	o := st.offs.s[id]
	c := st.chunks[o>>32][uint32(o):]
	n, k := binary.Uvarint(c)
	key, c = c[k:k+int(n)], c[k+int(n):]
	if n, k = binary.Uvarint(c); n > 0 {
		enc = c[k : k+int(n)]
	}
	return key, enc
}

// hash64 is a 64-bit hash of b (xxHash64's round and avalanche), seeded.
func hash64(b []byte, seed uint64) uint64 {
	const (
		p1 = 11400714785074694791
		p2 = 14029467366897019727
		p3 = 1609587929392839161
		p4 = 9650029242287828579
		p5 = 2870177450012600261
	)
	h := seed + p5 + uint64(len(b))
	for ; len(b) >= 8; b = b[8:] {
		k := binary.LittleEndian.Uint64(b) * p2
		k = bits.RotateLeft64(k, 31) * p1
		h ^= k
		h = bits.RotateLeft64(h, 27)*p1 + p4
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b)) * p1
		h = bits.RotateLeft64(h, 23)*p2 + p3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * p5
		h = bits.RotateLeft64(h, 11) * p1
	}
	h ^= h >> 33
	h *= p2
	h ^= h >> 29
	h *= p3
	h ^= h >> 32
	return h
}

// fpSeed turns TLC's -fp index into the fingerprint function's seed (splitmix64).
func fpSeed(index int) uint64 {
	z := uint64(index) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
