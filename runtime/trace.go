package runtime

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Step results, as in the trace format.
const (
	ResultOK      = "ok"      // runsc did it; the state moved From -> To
	ResultRefused = "refused" // refused before runsc ran (lifecycle or validation); From == To
	ResultFailed  = "failed"  // runsc ran and failed; state unchanged
	ResultUnknown = "unknown" // outcome unknown; To is what `runsc state` showed afterwards
	ResultCleanup = "cleanup" // a step the runtime took on its own (e.g. force-delete after cancellation)
)

// Step is one line of the step trace (NDJSON; keys in this order).
type Step struct {
	Seq    int64     `json:"seq"`
	Time   time.Time `json:"time"` // RFC 3339 with nanoseconds
	Op     string    `json:"op"`   // a lifecycle event name, or "State", "List", "Version", "ProbePlatforms"
	ID     string    `json:"id"`   // container ID; "" for runtime steps
	From   string    `json:"from"`
	To     string    `json:"to"`
	Result string    `json:"result"`
	Exit   int       `json:"exit"` // runsc's exit status (for Exit steps, the workload's); -1 if it did not run
	Error  string    `json:"error"`
	Note   string    `json:"note"`
}

// tracer appends steps to memory, an optional NDJSON writer and a slog logger.
type tracer struct {
	mu    sync.Mutex
	seq   int64
	steps []Step
	w     io.Writer
	log   *slog.Logger
}

func (t *tracer) add(s Step) Step {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	s.Seq = t.seq
	s.Time = time.Now().UTC()
	t.steps = append(t.steps, s)
	if t.w != nil {
		if b, err := json.Marshal(s); err == nil {
			// A failing trace sink must not fail the operation it describes.
			_, _ = t.w.Write(append(b, '\n'))
		}
	}
	if t.log != nil {
		lvl := slog.LevelInfo
		switch s.Result {
		case ResultFailed, ResultUnknown:
			lvl = slog.LevelWarn
		case ResultRefused:
			lvl = slog.LevelDebug
		}
		t.log.LogAttrs(context.Background(), lvl, "runsc step",
			slog.Int64("seq", s.Seq), slog.String("op", s.Op), slog.String("id", s.ID),
			slog.String("from", s.From), slog.String("to", s.To), slog.String("result", s.Result),
			slog.Int("exit", s.Exit), slog.String("error", s.Error), slog.String("note", s.Note))
	}
	return s
}

func (t *tracer) all() []Step {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Step(nil), t.steps...)
}
