//go:build unix

package tla

import "syscall"

// allocBytes returns n zeroed bytes mapped outside the Go heap.
func allocBytes(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(&evalError{Code: ExitEval, Kind: "eval", Msg: "out of memory for the state store: " + err.Error()})
	}
	return b
}

func freeBytes(b []byte) {
	if b != nil {
		_ = syscall.Munmap(b)
	}
}
