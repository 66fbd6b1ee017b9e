package tla

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
)

// trailFile holds, in fingerprint mode, each stored state's parent id and
// fingerprint, 12 bytes a state at offset 12×id of an unlinked temporary file: only
// a counterexample reads them, so they need no memory (TLC's trace file).
type trailFile struct {
	f   *os.File
	w   *bufio.Writer
	n   int64
	buf [12]byte
}

func newTrailFile() *trailFile {
	f, err := os.CreateTemp("", "tlacheck-trail-*")
	if err != nil {
		panic(&evalError{Code: ExitEval, Kind: "eval", Msg: fmt.Sprintf("cannot create the trace file: %v", err)})
	}
	_ = os.Remove(f.Name()) // unlinked: the space is freed when the file closes
	return &trailFile{f: f, w: bufio.NewWriterSize(f, 1<<16)}
}

func (t *trailFile) append(parent int32, fp uint64) {
	binary.LittleEndian.PutUint32(t.buf[:], uint32(parent))
	binary.LittleEndian.PutUint64(t.buf[4:], fp)
	if _, err := t.w.Write(t.buf[:]); err != nil {
		panic(&evalError{Code: ExitEval, Kind: "eval", Msg: fmt.Sprintf("cannot write the trace file: %v", err)})
	}
	t.n++
}

// read returns the parent and fingerprint of state id.
func (t *trailFile) read(id int32) (int32, uint64) {
	if err := t.w.Flush(); err != nil {
		panic(&evalError{Code: ExitEval, Kind: "eval", Msg: fmt.Sprintf("cannot write the trace file: %v", err)})
	}
	var b [12]byte
	if _, err := t.f.ReadAt(b[:], int64(id)*12); err != nil {
		panic(&evalError{Code: ExitEval, Kind: "eval", Msg: fmt.Sprintf("cannot read the trace file: %v", err)})
	}
	return int32(binary.LittleEndian.Uint32(b[:])), binary.LittleEndian.Uint64(b[4:])
}

func (t *trailFile) close() { t.f.Close() }
