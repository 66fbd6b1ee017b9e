package tla

import (
	"math/rand/v2"
	"testing"
)

// TestSearchFindsEveryElement checks search against a scan of the whole list, on sets
// of model values, integers and mixed kinds (where its fast paths must hand over to
// compare part way), for members and non-members alike.
func TestSearchFindsEveryElement(t *testing.T) {
	ms := []*modelV{{Name: "m1", Idx: 0}, {Name: "m2", Idx: 1}, {Name: "m3", Idx: 2}, {Name: "m4", Idx: 3}}
	r := rand.New(rand.NewPCG(5, 6))
	pool := func() Value {
		switch r.IntN(4) {
		case 0:
			return ms[r.IntN(len(ms))]
		case 1:
			return strV([]string{"a", "b"}[r.IntN(2)])
		case 2:
			return &tupleV{Elems: []Value{intV(r.IntN(3))}}
		}
		return intV(r.IntN(12) - 3)
	}
	for round := range 3000 {
		var elems []Value
		for range r.IntN(12) {
			elems = append(elems, pool())
		}
		set := newSet(elems).Elems
		for range 8 {
			v := pool()
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
