package runtime

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// tracer appends steps to memory, an optional NDJSON writer and a slog logger.
type tracer struct {
	mu    sync.Mutex
	seq   int64
	steps []steptrace.Step
	w     io.Writer
	log   *slog.Logger
}

func (t *tracer) add(s steptrace.Step) steptrace.Step {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	s.Seq = t.seq
	s.Time = time.Now().UTC()
	t.steps = append(t.steps, s)
	if t.w != nil {
		// A failing trace sink must not fail the operation it describes.
		_ = steptrace.Write(t.w, s)
	}
	if t.log != nil {
		lvl := slog.LevelInfo
		switch s.Result {
		case steptrace.Failed, steptrace.Unknown:
			lvl = slog.LevelWarn
		case steptrace.Refused:
			lvl = slog.LevelDebug
		}
		t.log.LogAttrs(context.Background(), lvl, "runsc step",
			slog.Int64("seq", s.Seq), slog.String("op", s.Op), slog.String("id", s.ID),
			slog.String("from", string(s.From)), slog.String("to", string(s.To)), slog.String("result", string(s.Result)),
			slog.Int("exit", s.Exit), slog.String("error", s.Error), slog.String("note", s.Note))
	}
	return s
}

func (t *tracer) all() []steptrace.Step {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]steptrace.Step(nil), t.steps...)
}
