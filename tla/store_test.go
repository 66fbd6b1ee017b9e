package tla

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestFingerprintSameAsExact checks every corpus spec in both storage modes, with
// the queue spilling to disk after a few hundred bytes, with the liveness product
// indexed in a map, and, where there are temporal properties, with the liveness
// check's graph built by enumerating Next again rather than from the search's steps
// and with those steps merged from two workers: the counts,
// the verdict and the counterexample (rebuilt from fingerprints in fingerprint mode)
// must be the same.
func TestFingerprintSameAsExact(t *testing.T) {
	exp, err := readCorpus()
	if err != nil {
		t.Skipf("SKIPPING: no corpus: %v", err)
	}
	for _, name := range slices.Sorted(maps.Keys(exp)) {
		e := exp[name]
		t.Run(name, func(t *testing.T) {
			specPath := filepath.Join(corpusDir, name, name+".tla")
			base := Options{Workers: e.Workers}
			for _, f := range e.Flags {
				base.NoDeadlock = base.NoDeadlock || f == "-deadlock"
			}
			run := func(exact bool, queueMem int, productMap bool, more ...func(*Options)) (*Result, string) {
				opts := base
				opts.Exact, opts.queueMem, opts.productMap = exact, queueMem, productMap
				for _, f := range more {
					f(&opts)
				}
				res, err := CheckFile(context.Background(), specPath, opts)
				if err != nil {
					t.Fatal(err)
				}
				return res, fmt.Sprint(res.ExitCode, res.Violation, res.ViolatedName, res.Generated, res.Distinct, res.Depth, res.LoopBack, res.Trace)
			}
			_, exact := run(true, 0, false)
			fpRes, fp := run(false, 0, false)
			_, spilled := run(false, 256, false)
			if _, mapped := run(false, 0, true); mapped != fp {
				t.Errorf("liveness product indexed in a map:\n%s\nby address:\n%s", mapped, fp)
			}
			if cfg, err := os.ReadFile(strings.TrimSuffix(specPath, ".tla") + ".cfg"); err == nil && bytes.Contains(cfg, []byte("PROPERT")) {
				if _, replayed := run(false, 0, false, func(o *Options) { o.replaySteps = true }); replayed != fp {
					t.Errorf("graph of Next enumerated again:\n%s\nof the search's steps:\n%s", replayed, fp)
				}
				if _, merged := run(false, 0, false, func(o *Options) { o.Workers, o.batch = 2, 3 }); merged != fp {
					t.Errorf("steps merged from 2 workers' batches of 3:\n%s\none worker's:\n%s", merged, fp)
				}
			}
			if fp != exact {
				t.Errorf("fingerprint mode:\n%s\nexact mode:\n%s", fp, exact)
			}
			if spilled != fp {
				t.Errorf("queue spilled to disk:\n%s\nin memory:\n%s", spilled, fp)
			}
			if fpRes.Distinct != e.Distinct {
				t.Errorf("distinct %d, TLC %d", fpRes.Distinct, e.Distinct)
			}
		})
	}
}

// TestStateQueueSpills pushes more than the queue keeps in memory, with records
// larger than a segment among them, and reads every record back in order.
func TestStateQueueSpills(t *testing.T) {
	q := newStateQueue(3000)
	q.segSize = 1000
	defer q.close()
	rec := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, i%50+(i/997)*1500) }
	popped := 0
	check := func() {
		id, depth, enc, ok := q.pop()
		if !ok || int(id) != popped || int(depth) != popped/7 || !bytes.Equal(enc, rec(popped)) {
			t.Fatalf("pop %d: id %d depth %d ok %v, %d bytes", popped, id, depth, ok, len(enc))
		}
		popped++
	}
	for i := range 5000 {
		q.push(int32(i), int32(i/7), rec(i))
		if i%3 == 0 {
			check()
		}
	}
	if q.file == nil {
		t.Fatal("the queue never spilled to disk")
	}
	for q.len() > 0 {
		check()
	}
	if popped != 5000 {
		t.Fatalf("popped %d of 5000", popped)
	}
	if _, _, _, ok := q.pop(); ok {
		t.Fatal("pop from an empty queue succeeded")
	}
}

// TestStateQueueFreesDisk checks that what is read back from the queue file stops
// taking disk space: in batches while the file still holds unread states, and all of
// it once the file holds none.
func TestStateQueueFreesDisk(t *testing.T) {
	q := newStateQueue(2000)
	q.segSize, q.punchBatch = 1000, 8000
	defer q.close()
	rec := bytes.Repeat([]byte{7}, 90)
	allocated := func() int64 {
		var st syscall.Stat_t
		if err := syscall.Fstat(int(q.file.Fd()), &st); err != nil {
			t.Fatal(err)
		}
		return st.Blocks * 512
	}
	const backlog = 500 // about 50 kB queued at any time, most of it on disk
	maxAlloc := int64(0)
	for i := range 20000 {
		q.push(int32(i), 0, rec)
		if i >= backlog {
			if id, _, _, ok := q.pop(); !ok || int(id) != i-backlog {
				t.Fatalf("pop %d: got %d, %v", i-backlog, id, ok)
			}
		}
		if q.file != nil && i%100 == 0 {
			maxAlloc = max(maxAlloc, allocated())
		}
	}
	if q.file == nil {
		t.Fatal("the queue never spilled to disk")
	}
	// 2 MB went through the file; what it holds is the backlog, what awaits the next
	// batch, and the parts of aligned blocks at both ends.
	if limit := int64(backlog*100) + q.punchBatch + 2*punchAlign; maxAlloc > limit && runtime.GOOS == "linux" {
		t.Errorf("the queue file took up to %d bytes on disk; at most %d expected", maxAlloc, limit)
	}
	for q.len() > 0 {
		q.pop()
	}
	if fi, err := q.file.Stat(); err != nil || fi.Size() != 0 {
		t.Errorf("the queue file, read to its end, is %d bytes long (%v); want it truncated", fi.Size(), err)
	}
}

// TestStateStoreModes stores the same keys in both modes and finds each again,
// through several rehashes, and none that was not stored.
func TestStateStoreModes(t *testing.T) {
	for _, exact := range []bool{true, false} {
		st := newStateStore(exact, 0)
		key := func(i int) []byte { return fmt.Appendf(nil, "state-%d", i) }
		const n = 20000
		for i := range n {
			enc := []byte(nil)
			if i%2 == 0 {
				enc = fmt.Appendf(nil, "enc-%d", i)
			}
			if id := st.add(key(i), enc, int32(i-1)); int(id) != i {
				t.Fatalf("exact=%v: add %d returned id %d", exact, i, id)
			}
		}
		for i := range n {
			id, ok := st.lookup(key(i))
			if !ok || exact && int(id) != i {
				t.Fatalf("exact=%v: lookup %d: %d %v", exact, i, id, ok)
			}
			if exact {
				want := key(i)
				if i%2 == 0 {
					want = fmt.Appendf(nil, "enc-%d", i)
				}
				if !bytes.Equal(st.enc(int32(i)), want) {
					t.Fatalf("enc %d = %q, want %q", i, st.enc(int32(i)), want)
				}
			}
			if p, fp := st.parentOf(int32(i)); p != int32(i-1) || !exact && fp != st.fingerprint(key(i)) {
				t.Fatalf("parent of %d = %d, fingerprint %x", i, p, fp)
			}
		}
		if _, ok := st.lookup([]byte("state-x")); ok {
			t.Fatalf("exact=%v: found a key never stored", exact)
		}
		st.free()
	}
}

func TestCollisionReport(t *testing.T) {
	for _, c := range []struct {
		gen, distinct int64
		want          string
	}{
		{2001, 302, "2.8E-14"}, // TLC-CONTRACT.md's example
		{10, 10, "0.0"},
		{483841, 181440, "3.0E-9"},
	} {
		got := collisionReport(c.gen, c.distinct)
		if !bytes.Contains([]byte(got), []byte("val = "+c.want+"\n")) {
			t.Errorf("collisionReport(%d, %d) = %q, want val = %s", c.gen, c.distinct, got, c.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 5403235: "5,403,235", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestFingerprintTracePrintsOnce checks that rebuilding a counterexample from
// fingerprints, which runs Init and Next again, does not repeat what they print.
func TestFingerprintTracePrintsOnce(t *testing.T) {
	spec := "---- MODULE P ----\nEXTENDS Naturals, TLC\nVARIABLE x\nInit == x = 0\n" +
		"Next == x < 5 /\\ PrintT(<<\"step\", x>>) /\\ x' = x + 1\nInv == x < 3\n====\n"
	path := writeFiles(t, t.TempDir(), [2]string{"P.tla", spec}, [2]string{"P.cfg", "INIT Init\nNEXT Next\nINVARIANT Inv\n"})
	outputs := map[bool]string{}
	for _, exact := range []bool{true, false} {
		var buf strings.Builder
		res, err := CheckFile(context.Background(), path, Options{Out: &buf, Exact: exact})
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != ExitInvariant || len(res.Trace) != 4 {
			t.Fatalf("exact=%v: exit %d, trace of %d states; want 12 and 4\n%s", exact, res.ExitCode, len(res.Trace), buf.String())
		}
		outputs[exact] = regexp.MustCompile(`(?m)^(Storing states|Starting|Finished).*\n`).ReplaceAllString(buf.String(), "")
	}
	if outputs[true] != outputs[false] {
		t.Errorf("fingerprint mode printed\n%s\nexact mode\n%s", outputs[false], outputs[true])
	}
}

// TestStoreTablesGrowByAQuarter stores many states and checks, as the store grows,
// that no table is more than 3/4 full and that large ones stay well filled: a table
// grows by a quarter, not by doubling.
func TestStoreTablesGrowByAQuarter(t *testing.T) {
	st := newStateStore(false, 0)
	defer st.free()
	const n = 600_000
	for i := range n {
		st.add(fmt.Appendf(nil, "s%d", i), nil, -1)
		if i%50_000 != 0 && i != n-1 {
			continue
		}
		for j := range st.shards {
			sh := &st.shards[j]
			size := len(sh.table.s)
			if size%shardPage != 0 || 4*sh.used > 3*size {
				t.Fatalf("after %d states, shard %d: %d of %d entries used", i+1, j, sh.used, size)
			}
			if size >= 16*shardPage && float64(sh.used) < 0.55*float64(size) {
				t.Fatalf("after %d states, shard %d: only %d of %d entries used", i+1, j, sh.used, size)
			}
		}
	}
	for i := range n {
		if _, ok := st.lookup(fmt.Appendf(nil, "s%d", i)); !ok {
			t.Fatalf("state %d not found", i)
		}
	}
}

// TestStoreProbesWrapAround stores states whose first slot is a table's last, so
// that their probes wrap to its start, in both modes.
func TestStoreProbesWrapAround(t *testing.T) {
	for _, exact := range []bool{false, true} {
		st := newStateStore(exact, 0)
		// shard 0, and every bit that chooses the slot set (in exact mode those
		// of the high half): the first slot is the last of any table
		fp := func(i int) uint64 { return (uint64(1)<<58 - 1) &^ uint64(i) }
		key := func(i int) []byte { return fmt.Appendf(nil, "k%d", i) }
		for i := range 5 {
			st.addFP(fp(i), key(i), nil, -1)
		}
		tab := st.shards[0].table.s
		if tab[len(tab)-1] == 0 || tab[0] == 0 || tab[3] == 0 {
			t.Fatalf("exact=%v: entries not at the end and the start of the table", exact)
		}
		for i := range 5 {
			if _, ok := st.lookupFP(fp(i), key(i)); !ok {
				t.Fatalf("exact=%v: state %d not found", exact, i)
			}
		}
		if _, ok := st.lookupFP(fp(9), key(9)); ok {
			t.Fatalf("exact=%v: found a state never stored", exact)
		}
		st.free()
	}
}
