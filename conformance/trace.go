package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

// TraceStep is one line of the runtime's NDJSON step trace.
type TraceStep struct {
	Seq    int       `json:"seq"`
	Time   string    `json:"time"`
	Op     string    `json:"op"`
	ID     string    `json:"id"`
	From   fsm.State `json:"from"`
	To     fsm.State `json:"to"`
	Result string    `json:"result"`
	Exit   int       `json:"exit"`
	Error  string    `json:"error"`
	Note   string    `json:"note"`
}

// traceKeys is the key order the trace format fixes.
var traceKeys = []string{"seq", "time", "op", "id", "from", "to", "result", "exit", "error", "note"}

// ResultCleanup marks a step the wrapper took on its own (e.g. a force-delete
// after a cancelled context).
const ResultCleanup Result = "cleanup"

// Queries are trace operations that change nothing.
var Queries = []string{"State", "List", "Version", "ProbePlatforms"}

// ReadTrace parses an NDJSON step trace, checking every line has exactly the
// format's keys in the format's order.
func ReadTrace(r io.Reader) ([]TraceStep, error) {
	var out []TraceStep
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		keys, err := objectKeys(b)
		if err != nil {
			return out, fmt.Errorf("trace line %d: %w", line, err)
		}
		if !slices.Equal(keys, traceKeys) {
			return out, fmt.Errorf("trace line %d: keys %v, want %v", line, keys, traceKeys)
		}
		var s TraceStep
		if err := json.Unmarshal(b, &s); err != nil {
			return out, fmt.Errorf("trace line %d: %w", line, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

func objectKeys(b []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := tok.(string)
		keys = append(keys, k)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// ValidateTrace replays a trace in the model, starting from a fresh runtime
// (or, if the trace starts with a container step, an Available one): every
// step's from must be a state the model allows, and its result and to an
// outcome the model allows. It returns the model after the last step.
func ValidateTrace(steps []TraceStep) (Model, error) {
	m := NewModel()
	if len(steps) > 0 && steps[0].ID != "" {
		m = AvailableModel()
	}
	var last time.Time
	for i, s := range steps {
		if i > 0 && s.Seq != steps[i-1].Seq+1 {
			return m, fmt.Errorf("trace step seq %d follows %d", s.Seq, steps[i-1].Seq)
		}
		ts, err := time.Parse(time.RFC3339Nano, s.Time)
		if err != nil {
			return m, fmt.Errorf("trace step seq %d: time: %v", s.Seq, err)
		}
		if ts.Before(last) {
			return m, fmt.Errorf("trace step seq %d: time goes back", s.Seq)
		}
		last = ts
		if m, err = m.Replay(s); err != nil {
			return m, err
		}
	}
	return m, nil
}

// Replay applies one trace step: its from must be a state the model allows
// (the model settles there), and its result and to an outcome the model
// allows from it. Queries change nothing; a cleanup step is the wrapper's own
// ok step if it moved, and changes nothing if not.
func (m Model) Replay(s TraceStep) (Model, error) {
	fail := func(format string, args ...any) (Model, error) {
		return m, fmt.Errorf("trace step seq %d (%s %q %s->%s %s, error %q): %s", s.Seq, s.Op, s.ID, s.From, s.To, s.Result, s.Error, fmt.Sprintf(format, args...))
	}
	r := Result(s.Result)
	if !slices.Contains(Results, r) && r != ResultCleanup {
		return fail("unknown result")
	}
	if slices.Contains(Queries, s.Op) {
		if s.From != s.To {
			return fail("a query changed the state")
		}
		return m, nil
	}
	if (r == ResultRefused || r == ResultFailed) && s.From != s.To {
		return fail("a %s step changed the state", r)
	}
	cleanupNoop, own := false, r == ResultCleanup
	if own {
		// The wrapper's own step: ok if it moved; if not, nothing happened
		// (e.g. nothing was left to clean up).
		r = ResultOK
		cleanupNoop = s.From == s.To
	}
	ev := fsm.Event(s.Op)
	var err error
	if s.ID == "" {
		if s.From != m.Phase {
			return fail("the model's runtime is %s", m.Phase)
		}
		if m, err = m.StepRuntime(ev, r, s.To); err != nil {
			return fail("%v", err)
		}
		return m, nil
	}
	if !slices.Contains(ContainerOps, ev) && !IsEnvironment(ev) {
		return fail("unknown operation")
	}
	from := []fsm.State{s.From}
	if gone(s.From) {
		from = []fsm.State{fsm.Absent, fsm.Deleted} // the wrapper may forget a deleted ID
	}
	n, err := m.Settle(s.ID, from...)
	if err != nil {
		return fail("%v", err)
	}
	if cleanupNoop {
		return n, nil
	}
	step := n.Step
	if own {
		step = n.StepOwn
	}
	if n, err = step(s.ID, ev, r, s.To); err != nil {
		return fail("%v", err)
	}
	return n, nil
}
