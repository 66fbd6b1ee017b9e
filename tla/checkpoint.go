package tla

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"unsafe"
)

// Checkpoints, as TLC's -checkpoint and -recover take them: the search's seen set,
// the parent and fingerprint of every state (the trail, from which counterexamples
// are rebuilt), the queue of unexplored states and the counts, written to a
// directory from which a later run continues the search where it was. A checkpoint
// is taken between two expansions, when every state found has been queued and
// nothing of the next one has, so a run recovered from it finds what the
// uninterrupted run would: the same counts, verdict and counterexample.
//
// Only fingerprint mode is checkpointed: exact mode serves the liveness check and
// the state graph, which need the whole search in one run. The files are in the
// machine's own byte order, for the machine that wrote them; meta.json names the
// modules and configuration they were taken of, and a checkpoint of anything else
// is refused.

const checkpointVersion = 1

// checkpointMeta is a checkpoint's meta.json.
type checkpointMeta struct {
	Version   int              `json:"version"`
	Identity  string           `json:"identity"` // checkpointIdentity of the checked model
	Generated int64            `json:"generated"`
	Distinct  int64            `json:"distinct"`
	Depth     int              `json:"depth"`
	States    int32            `json:"states"` // stored states (ids 0 .. States-1)
	Queue     int              `json:"queue"`  // states waiting to be expanded
	Ranks     map[string]int32 `json:"ranks"`  // TLC's string order so far (strorder.go)
}

// errCheckpointFile reports a damaged checkpoint file.
var errCheckpointFile = errors.New("damaged checkpoint file")

// checkpointIdentity names what a checkpoint is of: every module's text, the
// configuration and the fingerprint function.
func (ch *checker) checkpointIdentity() string {
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(ch.p.texts)) {
		fmt.Fprintf(h, "module %q %d\n%s\n", name, len(ch.p.texts[name]), ch.p.texts[name])
	}
	fmt.Fprintf(h, "config %d\n%s\nfp %d\n", len(ch.cfgText), ch.cfgText, ch.opts.FP)
	return hex.EncodeToString(h.Sum(nil))
}

// writeCheckpoint writes the search's state to dir: first to a sibling directory,
// then renamed into place, so that dir always holds a whole checkpoint.
func (ch *checker) writeCheckpoint(dir string) error {
	tmp := dir + ".new"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	st, q := ch.store, ch.queue
	meta := checkpointMeta{Version: checkpointVersion, Identity: ch.checkpointIdentity(),
		Generated: ch.res.Generated, Distinct: ch.res.Distinct, Depth: ch.res.Depth,
		States: st.n, Queue: q.len(), Ranks: ch.p.rank}
	raw, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	err = errors.Join(
		writeFileSync(filepath.Join(tmp, "meta.json"), func(w io.Writer) error { _, err := w.Write(raw); return err }),
		writeFileSync(filepath.Join(tmp, "seen"), st.writeSeen),
		writeFileSync(filepath.Join(tmp, "trail"), st.trail.writeTo),
		writeFileSync(filepath.Join(tmp, "queue"), q.writeTo),
	)
	if err != nil {
		os.RemoveAll(tmp)
		return err
	}
	old := dir + ".old"
	os.RemoveAll(old)
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// writeFileSync creates path, writes it through write and syncs it to disk.
func writeFileSync(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// readCheckpoint loads the checkpoint in dir into a new store and queue (which the
// caller closes), and restores the counts and the string order it recorded.
func (ch *checker) readCheckpoint(dir string) (st *stateStore, q *stateQueue, meta checkpointMeta, err error) {
	raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, nil, meta, fmt.Errorf("no checkpoint in %s: %w", dir, err)
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, nil, meta, fmt.Errorf("checkpoint %s: meta.json: %w", dir, err)
	}
	if meta.Version != checkpointVersion {
		return nil, nil, meta, fmt.Errorf("checkpoint %s has version %d; this checker reads version %d", dir, meta.Version, checkpointVersion)
	}
	if meta.Identity != ch.checkpointIdentity() {
		return nil, nil, meta, fmt.Errorf("checkpoint %s was taken of other modules, another configuration or another -fp than this run's", dir)
	}
	st = newStateStore(false, ch.opts.FP)
	q = newStateQueue(ch.queueMem())
	read := func(name string, f func(io.Reader) error) error {
		file, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		defer file.Close()
		if err := f(bufio.NewReaderSize(file, 1<<20)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	err = errors.Join(
		read("seen", st.readSeen),
		read("trail", func(r io.Reader) error { return st.readTrail(r, meta.States) }),
		read("queue", func(r io.Reader) error { return q.readFrom(r, meta.Queue) }),
	)
	if err != nil {
		st.free()
		q.close()
		return nil, nil, meta, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	return st, q, meta, nil
}

// writeSeen writes each shard's table: its length and entries in use, then its
// entries.
func (st *stateStore) writeSeen(w io.Writer) error {
	for i := range st.shards {
		sh := &st.shards[i]
		var hdr [16]byte
		binary.LittleEndian.PutUint64(hdr[:], uint64(len(sh.table.s)))
		binary.LittleEndian.PutUint64(hdr[8:], uint64(sh.used))
		if _, err := w.Write(hdr[:]); err != nil {
			return err
		}
		if _, err := w.Write(wordBytes(sh.table.s)); err != nil {
			return err
		}
	}
	return nil
}

// readSeen reads the tables writeSeen wrote into an empty store.
func (st *stateStore) readSeen(r io.Reader) error {
	for i := range st.shards {
		sh := &st.shards[i]
		var hdr [16]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return errors.Join(errCheckpointFile, err)
		}
		n, used := binary.LittleEndian.Uint64(hdr[:]), binary.LittleEndian.Uint64(hdr[8:])
		if n == 0 || n > 1<<40 || used >= n {
			return fmt.Errorf("%w: shard %d of %d entries with %d in use", errCheckpointFile, i, n, used)
		}
		sh.table.free()
		sh.table.grow(int(n))
		sh.table.s = sh.table.s[:n]
		if _, err := io.ReadFull(r, wordBytes(sh.table.s)); err != nil {
			return errors.Join(errCheckpointFile, err)
		}
		sh.used = int(used)
	}
	return nil
}

// readTrail reads n trail records into an empty store, which then holds n states.
func (st *stateStore) readTrail(r io.Reader, n int32) error {
	if n < 0 {
		return fmt.Errorf("%w: %d states", errCheckpointFile, n)
	}
	var rec [12]byte
	for range n {
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			return errors.Join(errCheckpointFile, err)
		}
		if st.trail == nil {
			st.trail = newTrailFile()
		}
		st.trail.append(int32(binary.LittleEndian.Uint32(rec[:])), binary.LittleEndian.Uint64(rec[4:]))
	}
	st.n = n
	return nil
}

// wordBytes views a table's entries as bytes.
func wordBytes(s []uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*8)
}

// writeTo writes the trail's records, a fixed 12 bytes each.
func (t *trailFile) writeTo(w io.Writer) error {
	if t == nil {
		return nil
	}
	if err := t.w.Flush(); err != nil {
		return err
	}
	_, err := io.Copy(w, io.NewSectionReader(t.f, 0, t.n*12))
	return err
}

// writeTo writes the queued records, oldest first, leaving the queue as it was.
func (q *stateQueue) writeTo(w io.Writer) error {
	if q.hpos < len(q.head) {
		if _, err := w.Write(q.head[q.hpos:]); err != nil {
			return err
		}
	}
	for _, s := range q.full {
		if s.mem != nil {
			if _, err := w.Write(s.mem); err != nil {
				return err
			}
			continue
		}
		if _, err := io.Copy(w, io.NewSectionReader(q.file, s.off, int64(s.size))); err != nil {
			return err
		}
	}
	_, err := w.Write(q.tail)
	return err
}

// readFrom pushes the n records writeTo wrote.
func (q *stateQueue) readFrom(r io.Reader, n int) error {
	br, ok := r.(io.ByteReader)
	if !ok {
		br = bufio.NewReader(r)
		r = br.(io.Reader)
	}
	var hdr [8]byte
	var enc []byte
	for range n {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return errors.Join(errCheckpointFile, err)
		}
		size, err := binary.ReadUvarint(br)
		if err != nil || size > 1<<30 {
			return errors.Join(errCheckpointFile, err)
		}
		enc = slices.Grow(enc[:0], int(size))[:size]
		if _, err := io.ReadFull(r, enc); err != nil {
			return errors.Join(errCheckpointFile, err)
		}
		q.push(int32(binary.LittleEndian.Uint32(hdr[:])), int32(binary.LittleEndian.Uint32(hdr[4:])), enc)
	}
	return nil
}
