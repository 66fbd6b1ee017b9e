package tla

import (
	"math/rand/v2"
	"testing"
)

// TestSearchFindsEveryElement checks search against a scan of the whole list, on sets
// of model values, integers, records and mixed kinds (where its fast paths must hand
// over to compare part way), for members and non-members alike. Records of one shape
// share their name list or have one of their own, as records built by one
// constructor and decoded ones do, and may nest.
func TestSearchFindsEveryElement(t *testing.T) {
	ms := []*modelV{{Name: "m1", Idx: 0}, {Name: "m2", Idx: 1}, {Name: "m3", Idx: 2}, {Name: "m4", Idx: 3}}
	shapes := [][]string{{"a"}, {"a", "b"}, {"a", "c"}, {"b", "c"}}
	r := rand.New(rand.NewPCG(5, 6))
	var pool func(depth int) Value
	record := func(depth int) Value {
		names := shapes[r.IntN(len(shapes))]
		if r.IntN(2) == 0 {
			names = append([]string(nil), names...) // a list of its own
		}
		vals := make([]Value, len(names))
		for i := range vals {
			vals[i] = intV(r.IntN(3))
			if depth < 1 && r.IntN(4) == 0 {
				vals[i] = pool(depth + 1)
			}
		}
		return &recordV{Names: names, Vals: vals}
	}
	pool = func(depth int) Value {
		switch r.IntN(6) {
		case 0:
			return ms[r.IntN(len(ms))]
		case 1:
			return strV([]string{"a", "b"}[r.IntN(2)])
		case 2:
			return &tupleV{Elems: []Value{intV(r.IntN(3))}}
		case 3, 4:
			return record(depth)
		}
		return intV(r.IntN(12) - 3)
	}
	for round := range 3000 {
		var elems []Value
		for range r.IntN(12) {
			elems = append(elems, pool(0))
		}
		set := newSet(elems).Elems
		for range 8 {
			v := pool(0)
			want := -1
			for i, e := range set {
				if compare(e, v) == 0 {
					want = i
				}
			}
			if got := search(set, v); got != want {
				t.Fatalf("round %d: search(%v, %v) = %d, want %d", round, set, v, got, want)
			}
		}
	}
}

// TestUnionSetsMerges checks the merge of two sets against sorting their elements
// together, for sets of every relative size (one element added to many, and alike).
func TestUnionSetsMerges(t *testing.T) {
	ms := []*modelV{{Name: "m1", Idx: 0}, {Name: "m2", Idx: 1}}
	r := rand.New(rand.NewPCG(5, 6))
	set := func(n int) *setV {
		var elems []Value
		for range n {
			elems = append(elems, randomStateValue(r, ms, 2))
		}
		return newSet(elems)
	}
	for i := range 3000 {
		x, y := set(r.IntN(40)), set(r.IntN(1+r.IntN(40)))
		if i%2 == 1 {
			x, y = y, x
		}
		got := unionSets(x, y)
		want := newSet(append(append([]Value(nil), x.Elems...), y.Elems...))
		if len(got.Elems) != len(want.Elems) {
			t.Fatalf("%v \\cup %v: %d elements, want %d", x, y, len(got.Elems), len(want.Elems))
		}
		for j := range want.Elems {
			if compare(got.Elems[j], want.Elems[j]) != 0 {
				t.Fatalf("%v \\cup %v: element %d is %v, want %v", x, y, j, got.Elems[j], want.Elems[j])
			}
		}
	}
}
