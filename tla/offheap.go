package tla

import "unsafe"

// Large arrays of the state store (the seen set, the stored encodings, the parent of
// every state) live outside the Go heap. The collector would not scan them (they hold
// no pointers) but would count them: with the store in the heap, the heap may grow
// to several times the store before a collection (up to 5 times in tlacheck on
// several workers, which collects at GOGC 400 while the kept heap is small), and
// the memory a run needs would be that multiple of what it stores. Outside the heap
// the collector only paces the evaluation's short-lived values.

// bigSlice is a growable array of fixed-size elements allocated outside the Go heap
// (where the system allows; see offheap_unix.go). The zero value is empty.
type bigSlice[T any] struct {
	mem []byte
	s   []T
}

// grow makes room for at least n elements, keeping the first len ones.
func (b *bigSlice[T]) grow(n int) {
	if n <= len(b.s) {
		return
	}
	var zero T
	size := int(unsafe.Sizeof(zero))
	c := max(n, 2*len(b.s), 4096/size)
	mem := allocBytes(c * size)
	s := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(mem))), c)
	copy(s, b.s)
	freeBytes(b.mem)
	b.mem, b.s = mem, s
}

// reserve makes b an array of n elements whose memory is taken only as they are
// written (reserveBytes), and reports whether the system gave it. b must be empty.
func (b *bigSlice[T]) reserve(n int) bool {
	var zero T
	mem := reserveBytes(n * int(unsafe.Sizeof(zero)))
	if mem == nil {
		return false
	}
	b.mem, b.s = mem, unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(mem))), n)
	return true
}

// free returns the memory; the slice is empty afterwards.
func (b *bigSlice[T]) free() {
	freeBytes(b.mem)
	b.mem, b.s = nil, nil
}
