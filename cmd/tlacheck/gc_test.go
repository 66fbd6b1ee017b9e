package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercent(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 400},
		{gcFloor / 4, 400},
		{gcFloor / 2, 200},
		{gcFloor, 100},
		{10 * gcFloor, 100},
	} {
		if got := gcPercent(c.live); got != c.want {
			t.Errorf("gcPercent(%d) = %d, want %d", c.live, got, c.want)
		}
	}
}

// gogc reads the collector's current GOGC.
func gogc() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestPaceGC checks that a search on several workers starts at GOGC 400, falls to
// 100 once the heap keeps gcFloor or more, rises again when it no longer does, and
// that the pace found before is restored; one worker and a set GOGC change nothing.
func TestPaceGC(t *testing.T) {
	t.Setenv("GOGC", "")
	before := gogc()
	paceGC(1)()
	if g := gogc(); g != before {
		t.Fatalf("one worker: GOGC %d, want %d", g, before)
	}
	restore := paceGC(2)
	if g := gogc(); g != 400 {
		restore()
		t.Fatalf("two workers: GOGC %d, want 400", g)
	}
	// waitFor collects until the pacer has set GOGC to want.
	waitFor := func(want uint64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for gogc() != want {
			if time.Now().After(deadline) {
				t.Fatalf("GOGC still %d, want %d", gogc(), want)
			}
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
	}
	kept := make([]byte, 2*gcFloor)
	waitFor(100)
	runtime.KeepAlive(kept)
	waitFor(400)
	restore()
	runtime.GC()
	runtime.GC()
	if g := gogc(); g != before {
		t.Errorf("after the search: GOGC %d, want %d", g, before)
	}
	t.Setenv("GOGC", "300")
	debug.SetGCPercent(300)
	paceGC(2)()
	if g := gogc(); g != 300 {
		t.Errorf("GOGC=300 set: GOGC %d, want 300", g)
	}
	debug.SetGCPercent(int(before))
}
