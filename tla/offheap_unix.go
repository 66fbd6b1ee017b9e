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

// reserveBytes returns n zeroed bytes outside the Go heap of which only the pages
// written take memory, nil if the system refuses them. The mapping is not counted
// against the system's commit limit (MAP_NORESERVE): it is address space for an
// index of which a search typically touches a small part.
func reserveBytes(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	return b
}
