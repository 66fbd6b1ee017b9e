//go:build !unix

package tla

// allocBytes falls back to the Go heap where there is no mmap.
func allocBytes(n int) []byte { return make([]byte, n) }

func freeBytes([]byte) {}
