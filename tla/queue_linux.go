package tla

import (
	"os"
	"syscall"
)

// punchHole frees the disk space of a part of the queue file that was read back.
func punchHole(f *os.File, off, n int64) {
	const punchHole, keepSize = 0x02, 0x01 // FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
	_ = syscall.Fallocate(int(f.Fd()), punchHole|keepSize, off, n)
}
