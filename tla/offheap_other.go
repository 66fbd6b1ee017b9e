//go:build !unix

package tla

// allocBytes falls back to the Go heap where there is no mmap.
func allocBytes(n int) []byte { return make([]byte, n) }

func freeBytes([]byte) {}

// reserveBytes has no memory that costs only what is touched here: nil.
func reserveBytes(int) []byte { return nil }
