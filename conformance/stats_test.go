package conformance

import (
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

// The summary table carries every number the report quotes.
func TestSummary(t *testing.T) {
	var s Stats
	s.Update("fake", func(ts *TierStats) {
		ts.Cases = 2
		ts.Record(fsm.Absent, fsm.EventCreate, ResultOK, NoFault)
		ts.Record(fsm.Created, fsm.EventStart, ResultUnknown, FaultHangAfter)
		ts.Record(fsm.Created, fsm.EventPause, ResultRefused, NoFault)
		ts.Record(fsm.Running, fsm.EventKill, ResultFailed, FaultExit128)
		ts.RunscCalls = 7
		ts.Tolerated["a known divergence"] = 1
	})
	s.Update("real", func(ts *TierStats) {
		ts.Cases = 4
		ts.WrapperCalls, ts.ObserverCalls = 150, 50
		ts.RunscCalls = 200
		ts.Elapsed = 40 * time.Second
	})
	s.Update("concurrent", func(ts *TierStats) {
		ts.Histories, ts.HistoryOps, ts.Clients = 2, 30, 4
		ts.CheckTimes = []time.Duration{time.Millisecond, 3 * time.Millisecond}
	})
	s.AddMutant(MutantResult{Name: "m1", Killed: true, Time: 2 * time.Second})
	s.AddMutant(MutantResult{Name: "m2", Killed: false})
	var b strings.Builder
	s.WriteSummary(&b)
	out := b.String()
	t.Log("\n" + out)
	for _, want := range []string{
		"fake                 2      4      2.0      7", // cases, steps, mean steps, runsc calls
		// every runsc process, split, a case and a call
		"runsc[real]: 200 processes (wrapper 150, observer 50), 50.0 a case, 10.0s a case, 0.20s a call",
		"25.00%",     // unknown share
		"4/54",       // transition coverage
		"15.0",       // ops per history
		"1ms", "3ms", // porcupine p50, p99
		"exit-128=1 hang-after=1", // faults by kind
		"KNOWN DIVERGENCE [fake] tolerated 1 times: a known divergence",
		"mutation score: 1/2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
}
