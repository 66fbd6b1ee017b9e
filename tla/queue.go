package tla

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// stateQueue is the breadth-first search's queue of unexplored states: a FIFO of
// (id, depth, encoding) records in segments. Up to memLimit bytes of full segments
// stay in memory; beyond that the newest full segments go to a temporary file, read
// back when the search reaches them, so a frontier of any size costs a bounded amount
// of memory (TLC keeps its queue on disk too). In exact mode the encodings stay in
// the store and the records carry none.
type stateQueue struct {
	segSize  int
	memLimit int
	head     []byte // segment being read
	hpos     int
	tail     []byte // segment being written
	full     []qseg // full segments between head and tail, oldest first
	inMem    int
	spare    [][]byte
	file     *os.File
	fileEnd  int64
	// The file's segments are read back in the order they were written: bytes
	// before consumed have been read, those before punched have been freed.
	consumed, punched int64
	punchBatch        int64
	n                 int
	err               error
}

// qseg is a full segment, in memory or at off in the file.
type qseg struct {
	mem  []byte
	off  int64
	size int
}

func newStateQueue(memLimit int) *stateQueue {
	return &stateQueue{segSize: min(256<<10, max(memLimit/4, 256)), memLimit: memLimit, punchBatch: punchBatch}
}

// len is the number of queued states.
func (q *stateQueue) len() int { return q.n }

// push appends a state.
func (q *stateQueue) push(id, depth int32, enc []byte) {
	need := 8 + binary.MaxVarintLen64 + len(enc)
	if q.tail != nil && len(q.tail)+need > cap(q.tail) {
		q.seal()
	}
	if q.tail == nil {
		q.tail = q.segment(need)
	}
	q.tail = binary.LittleEndian.AppendUint32(q.tail, uint32(id))
	q.tail = binary.LittleEndian.AppendUint32(q.tail, uint32(depth))
	q.tail = binary.AppendUvarint(q.tail, uint64(len(enc)))
	q.tail = append(q.tail, enc...)
	q.n++
}

// pop removes the oldest state. enc aliases the queue's memory and is valid until
// the next pop.
func (q *stateQueue) pop() (id, depth int32, enc []byte, ok bool) {
	if q.n == 0 {
		return 0, 0, nil, false
	}
	if q.hpos == len(q.head) {
		q.advance()
	}
	b := q.head[q.hpos:]
	id = int32(binary.LittleEndian.Uint32(b))
	depth = int32(binary.LittleEndian.Uint32(b[4:]))
	n, k := binary.Uvarint(b[8:])
	enc = b[8+k : 8+k+int(n)]
	q.hpos += 8 + k + int(n)
	q.n--
	return id, depth, enc, true
}

// segment returns an empty segment buffer of at least n bytes, outside the Go heap
// (appends must never outgrow it).
func (q *stateQueue) segment(n int) []byte {
	if k := len(q.spare); k > 0 && cap(q.spare[k-1]) >= n {
		s := q.spare[k-1]
		q.spare = q.spare[:k-1]
		return s[:0]
	}
	return allocBytes(max(n, q.segSize))[:0]
}

// seal moves the tail to the full segments, to the file if memory is used up.
func (q *stateQueue) seal() {
	if q.inMem+len(q.tail) <= q.memLimit || q.err != nil {
		q.full = append(q.full, qseg{mem: q.tail, size: len(q.tail)})
		q.inMem += len(q.tail)
		q.tail = nil
		return
	}
	if q.file == nil {
		f, err := os.CreateTemp("", "tlacheck-queue-*")
		if err != nil {
			q.err = err
			q.seal()
			return
		}
		_ = os.Remove(f.Name()) // unlinked: the space is freed when the file closes
		q.file = f
	}
	if _, err := q.file.WriteAt(q.tail, q.fileEnd); err != nil {
		panic(&evalError{Code: ExitEval, Kind: "eval", Msg: fmt.Sprintf("cannot write the state queue to disk: %v", err)})
	}
	q.full = append(q.full, qseg{off: q.fileEnd, size: len(q.tail)})
	q.fileEnd += int64(len(q.tail))
	q.spare = append(q.spare, q.tail)
	q.tail = nil
}

// advance makes the next segment the head.
func (q *stateQueue) advance() {
	if q.head != nil {
		q.spare = append(q.spare, q.head)
	}
	q.head, q.hpos = nil, 0
	if len(q.full) == 0 {
		q.head, q.tail = q.tail, nil
		return
	}
	s := q.full[0]
	q.full = q.full[1:]
	if s.mem != nil {
		q.head = s.mem
		q.inMem -= s.size
		return
	}
	buf := q.segment(s.size)[:s.size]
	if _, err := q.file.ReadAt(buf, s.off); err != nil && err != io.EOF {
		panic(&evalError{Code: ExitEval, Kind: "eval", Msg: fmt.Sprintf("cannot read the state queue from disk: %v", err)})
	}
	q.consumed = s.off + int64(s.size)
	q.release()
	q.head = buf
}

// punchBatch is how many bytes read back from the queue file are freed at once: a hole
// punched per segment cost as much system time as writing the segments.
const punchBatch = 8 << 20

// punchAlign is what holes are aligned to: a filesystem frees only the whole blocks
// of a hole (it zeroes the rest), so unaligned holes would leave a block or two of
// every batch taking disk space.
const punchAlign = 64 << 10

// release frees the disk space of what has been read back from the file: all of the
// file, by truncation, once nothing in it is still to be read; otherwise, the whole
// aligned blocks read since the last release, once there are q.punchBatch bytes of them.
func (q *stateQueue) release() {
	if q.consumed == q.fileEnd {
		if q.file.Truncate(0) == nil {
			q.fileEnd, q.consumed, q.punched = 0, 0, 0
		}
		return
	}
	if end := q.consumed &^ (punchAlign - 1); end-q.punched >= q.punchBatch {
		punchHole(q.file, q.punched, end-q.punched)
		q.punched = end
	}
}

// close frees the queue's memory and file.
func (q *stateQueue) close() {
	for _, s := range q.full {
		if s.mem != nil {
			freeBytes(s.mem[:cap(s.mem)])
		}
	}
	for _, b := range append(q.spare, q.head, q.tail) {
		if b != nil {
			freeBytes(b[:cap(b)])
		}
	}
	q.full, q.spare, q.head, q.tail = nil, nil, nil, nil
	if q.file != nil {
		q.file.Close()
		q.file = nil
	}
}
