package tla

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// refSymHash is the definition symHasher computes for all permutations at once: the
// hash of v with its model values renamed by perm, combining the elements of sets and
// the pairs of functions by addition so that their order does not matter.
func refSymHash(v Value, perm []*modelV, seed uint64) uint64 {
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
			h = hcomb(h, refSymHash(e, perm, seed))
		}
		return h
	case *recordV:
		h := hcomb(seed, symTagRecord<<32|uint64(len(x.Names)))
		for i, n := range x.Names {
			h = hcomb(h, hash64(unsafeBytes(n), seed))
			h = hcomb(h, refSymHash(x.Vals[i], perm, seed))
		}
		return h
	case *fcnV:
		var sum uint64
		for i, d := range x.Dom {
			sum += mix64(hcomb(refSymHash(d, perm, seed), refSymHash(x.Vals[i], perm, seed)))
		}
		return hcomb(hcomb(seed, symTagFcn<<32|uint64(len(x.Dom))), sum)
	case *setV:
		var sum uint64
		for _, e := range x.Elems {
			sum += mix64(refSymHash(e, perm, seed))
		}
		return hcomb(hcomb(seed, symTagSet<<32|uint64(len(x.Elems))), sum)
	}
	panic(evalErrorf(pos{}, "cannot store a value of this kind in a state: %s", fmtValue(v)))
}

// refSymKey is symmetryHashKey's definition, one permutation at a time: a variable
// without model values contributes its hash with the low bit set.
func refSymKey(vals []Value, perms [][]*modelV, seed uint64) uint64 {
	var best uint64
	for i, perm := range perms {
		h := seed
		for _, v := range vals {
			if hasModelValue(v) {
				h = hcomb(h, refSymHash(v, perm, seed))
			} else {
				h = hcomb(h, refSymHash(v, nil, seed)|1)
			}
		}
		if i == 0 || h < best {
			best = h
		}
	}
	return best
}

// randomStateValue builds a value of depth at most d from ints, booleans, strings and
// the model values ms, in every kind a state holds.
func randomStateValue(r *rand.Rand, ms []*modelV, d int) Value {
	k := r.IntN(9)
	if d == 0 {
		k = r.IntN(4)
	}
	n := r.IntN(4)
	elems := func() []Value {
		var es []Value
		for range n {
			es = append(es, randomStateValue(r, ms, d-1))
		}
		return es
	}
	switch k {
	case 0:
		return intV(r.IntN(5))
	case 1:
		return boolV(r.IntN(2) == 0)
	case 2:
		return strV([]string{"a", "b", "c"}[r.IntN(3)])
	case 3:
		return ms[r.IntN(len(ms))]
	case 4, 5:
		return &tupleV{Elems: elems()}
	case 6:
		names := []string{"f", "g", "h"}[:1+r.IntN(3)]
		var vals []Value
		for range names {
			vals = append(vals, randomStateValue(r, ms, d-1))
		}
		return &recordV{Names: names, Vals: vals}
	case 7:
		return newSet(elems())
	default:
		// a function over some of the model values (a symmetric set)
		var dom, vals []Value
		for _, m := range ms[:r.IntN(len(ms))+1] {
			dom = append(dom, m)
			vals = append(vals, randomStateValue(r, ms, d-1))
		}
		return newFcn(dom, vals)
	}
}

// TestSymHasherMatchesDefinition: the one-walk hasher gives, for random states and
// for successors that share some variables' values with the state before, the key its
// definition gives permutation by permutation, under the full group of three model
// values with a fourth outside it.
func TestSymHasherMatchesDefinition(t *testing.T) {
	ms := []*modelV{{Name: "n1", Idx: 0}, {Name: "n2", Idx: 1}, {Name: "n3", Idx: 2}, {Name: "none", Idx: 3}}
	var perms [][]*modelV
	for _, p := range [][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		perms = append(perms, []*modelV{ms[p[0]], ms[p[1]], ms[p[2]]})
	}
	r := rand.New(rand.NewPCG(1, 2))
	for seed := range 3 {
		sh := newSymHasher(perms, fpSeed(seed))
		var prev []Value
		for i := range 3000 {
			vals := make([]Value, 1+r.IntN(4))
			if len(prev) == len(vals) && r.IntN(2) == 0 {
				copy(vals, prev) // a successor: some variables unchanged, the same values
			}
			for j := range vals {
				if vals[j] == nil || r.IntN(3) == 0 {
					vals[j] = randomStateValue(r, ms, 3)
				}
			}
			prev = vals
			got, want := sh.stateKey(vals), refSymKey(vals, perms, fpSeed(seed))
			if got != want {
				t.Fatalf("seed %d, state %d %v: key %#x, definition %#x", seed, i, vals, got, want)
			}
			if len(sh.vec) != 0 {
				t.Fatalf("state %d: %d hashes left on the stack", i, len(sh.vec))
			}
		}
	}
	// and the key is the same for every permutation of a state
	sh := newSymHasher(perms, fpSeed(0))
	for i := range 500 {
		v := randomStateValue(r, ms[:3], 3)
		k := sh.stateKey([]Value{v})
		for _, perm := range perms {
			if pk := sh.stateKey([]Value{permuteValue(v, perm)}); pk != k {
				t.Fatalf("state %d %v: key %#x, its permutation's %#x", i, v, k, pk)
			}
		}
	}
}

// permuteValue renames the model values of v by perm.
func permuteValue(v Value, perm []*modelV) Value {
	each := func(es []Value) []Value {
		out := make([]Value, len(es))
		for i, e := range es {
			out[i] = permuteValue(e, perm)
		}
		return out
	}
	switch x := v.(type) {
	case *modelV:
		if x.Idx < len(perm) && perm[x.Idx] != nil {
			return perm[x.Idx]
		}
		return x
	case *tupleV:
		return &tupleV{Elems: each(x.Elems)}
	case *recordV:
		return &recordV{Names: x.Names, Vals: each(x.Vals)}
	case *setV:
		return newSet(each(x.Elems))
	case *fcnV:
		return newFcn(each(x.Dom), each(x.Vals))
	}
	return v
}

// TestDecodeStateSharesUnchangedValues: decoding gives back the encoded values, and
// a variable encoded as in the state decoded just before is that state's value itself,
// which is what lets the symmetry hasher skip it.
func TestDecodeStateSharesUnchangedValues(t *testing.T) {
	ms := []*modelV{{Name: "n1", Idx: 0}, {Name: "n2", Idx: 1}, {Name: "n3", Idx: 2}}
	ch := &checker{p: &program{vars: make([]*def, 3), modelList: ms}}
	r := rand.New(rand.NewPCG(3, 4))
	var prev, prevDecoded []Value
	for i := range 2000 {
		vals := make([]Value, 3)
		for j := range vals {
			if prev != nil && r.IntN(2) == 0 {
				vals[j] = prev[j]
			} else {
				vals[j] = randomStateValue(r, ms, 3)
			}
		}
		got := ch.decodeState([]byte(encodeState(vals)))
		if encodeState(got) != encodeState(vals) {
			t.Fatalf("state %d: decoded %v, encoded %v", i, got, vals)
		}
		for j := range vals {
			unchanged := prev != nil && string(encode(nil, vals[j])) == string(encode(nil, prev[j]))
			switch got[j].(type) {
			case *tupleV, *recordV, *fcnV, *setV:
				if unchanged && !sameRef(got[j], prevDecoded[j]) {
					t.Fatalf("state %d: variable %d unchanged, decoded anew", i, j)
				}
			}
		}
		prev, prevDecoded = vals, got
	}
}

// TestDecodedRecordsShareNames checks that the records decodeState builds share one
// field-name list per shape, nested records included (compareRecords skips the names
// of records that share them), and that shapes past the table's bound still decode.
func TestDecodedRecordsShareNames(t *testing.T) {
	ch := &checker{p: &program{vars: make([]*def, 2)}}
	rec := func(names string, vals ...Value) Value {
		return &recordV{Names: strings.Split(names, ","), Vals: vals}
	}
	first := map[string]*string{}
	var check func(v Value)
	check = func(v Value) {
		switch x := v.(type) {
		case *recordV:
			shape := strings.Join(x.Names, ",")
			if p, ok := first[shape]; !ok {
				first[shape] = &x.Names[0]
			} else if p != &x.Names[0] {
				t.Errorf("two decoded records of shape %s have names of their own", shape)
			}
			for _, e := range x.Vals {
				check(e)
			}
		case *tupleV:
			for _, e := range x.Elems {
				check(e)
			}
		}
	}
	for i := range 20 {
		n := intV(i)
		vals := []Value{
			rec("a,b", n, rec("a,c", n, &tupleV{Elems: []Value{rec("a,b", intV(1), n)}})),
			&tupleV{Elems: []Value{rec("c", n), rec("a,c", rec("c", n), n)}},
		}
		got := ch.decodeState([]byte(encodeState(vals)))
		if encodeState(got) != encodeState(vals) {
			t.Fatalf("state %d: decoded %v, encoded %v", i, got, vals)
		}
		for _, v := range got {
			check(v)
		}
	}
	if len(first) != 3 {
		t.Errorf("shapes seen: %v, want a,b a,c c", first)
	}
	for i := range maxRecordShapes + 10 {
		vals := []Value{rec("f"+strconv.Itoa(i), intV(i)), intV(i)}
		got := ch.decodeState([]byte(encodeState(vals)))
		if encodeState(got) != encodeState(vals) {
			t.Fatalf("shape %d: decoded %v, encoded %v", i, got, vals)
		}
	}
	if n := len(ch.recNames.byKey); n != maxRecordShapes {
		t.Errorf("%d shapes kept, want the bound %d", n, maxRecordShapes)
	}
}

// TestFieldOrderFollowsRanks checks that the cached order of a record's fields is
// TLC's for the ranks in force: records compared after the ranks change (a worker
// taking the merged ranks, a string met for the first time) are not ordered by the
// old ones.
func TestFieldOrderFollowsRanks(t *testing.T) {
	p := &program{}
	names := []string{"a", "b", "c"}
	p.setRanks(map[string]int32{"b": 0, "c": 1, "a": 2})
	if got := p.fieldOrder(names, nil); !slices.Equal(got, []int{1, 2, 0}) {
		t.Fatalf("order %v, want [1 2 0] (b, c, a)", got)
	}
	p.setRanks(map[string]int32{"c": 0, "a": 1, "b": 2})
	if got := p.fieldOrder(names, nil); !slices.Equal(got, []int{2, 0, 1}) {
		t.Fatalf("after new ranks: order %v, want [2 0 1] (c, a, b)", got)
	}
	// a name ranked for the first time comes last, and the order of others holds
	more := []string{"a", "d"}
	if got := p.fieldOrder(more, nil); !slices.Equal(got, []int{0, 1}) {
		t.Fatalf("order %v, want [0 1] (a, then the new d)", got)
	}
	if got := p.fieldOrder(names, nil); !slices.Equal(got, []int{2, 0, 1}) {
		t.Fatalf("after ranking d: order %v, want [2 0 1]", got)
	}
	// records that share the first names but not their number are not confused
	if got := p.fieldOrder(names[:2], nil); !slices.Equal(got, []int{0, 1}) {
		t.Fatalf("order of a, b: %v, want [0 1]", got)
	}
}
