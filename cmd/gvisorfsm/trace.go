package main

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// traceSink is the --trace file. Each runtime.Runtime numbers its steps from 1; when run
// has to open more than one (trying platforms in turn), the sink renumbers every step in
// one sequence and records the move to the next attempt as the lifecycle's Retry, so the
// file stays one trace of one runtime machine.
type traceSink struct {
	mu  sync.Mutex
	w   io.Writer
	seq int64
}

// Write takes one NDJSON step from a runtime.
func (t *traceSink) Write(p []byte) (int, error) {
	var s steptrace.Step
	if err := json.Unmarshal(p, &s); err != nil {
		// Not a step: pass it through rather than lose it.
		t.mu.Lock()
		defer t.mu.Unlock()
		return t.w.Write(p)
	}
	t.add(s)
	return len(p), nil
}

// retry records that run gives up on a runtime that ended Unavailable and opens another.
func (t *traceSink) retry(note string) {
	t.add(steptrace.Step{Time: time.Now().UTC(), Op: string(fsm.EventRetry), From: fsm.Unavailable,
		To: fsm.Unresolved, Result: steptrace.OK, Exit: -1, Note: note})
}

func (t *traceSink) add(s steptrace.Step) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	s.Seq = t.seq
	// Like the runtime's own tracer: a failing trace file must not fail the run.
	_ = steptrace.Write(t.w, s)
}
