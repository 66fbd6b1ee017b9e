package conformance

import (
	"context"
	"strings"
	"testing"
)

func refConcurrent(bug string) *Concurrent {
	d := newRefDriver(bug)
	return &Concurrent{Driver: d, Observer: d, Env: d, Clients: 6, Ops: 15, CancelRate: 0.1}
}

func TestConcurrentPassesTheReferenceWrapper(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		c := refConcurrent("")
		if h, err := c.RunHistory(context.Background(), seed, t.TempDir()); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, h)
		}
	}
}

func TestConcurrentCatchesACheckThenActRace(t *testing.T) {
	dir := t.TempDir()
	for seed := uint64(0); seed < 200; seed++ {
		_, err := refConcurrent("check-then-act").RunHistory(context.Background(), seed, dir)
		if err != nil {
			if !strings.Contains(err.Error(), "not linearizable") {
				t.Fatalf("seed %d: %v", seed, err)
			}
			t.Logf("seed %d: %v", seed, err)
			return
		}
	}
	t.Fatal("200 histories of a wrapper that drops its lock between check and act were all linearizable")
}
