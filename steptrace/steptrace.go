package steptrace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

// Result is how a step ended.
type Result string

// Step results.
const (
	OK      Result = "ok"      // runsc did it; the state moved From -> To
	Refused Result = "refused" // refused before runsc ran (lifecycle or validation); From == To
	Failed  Result = "failed"  // runsc ran and failed; state unchanged
	Unknown Result = "unknown" // outcome unknown; To is what `runsc state` showed afterwards
	Cleanup Result = "cleanup" // a step the runtime took on its own (e.g. force-delete after cancellation)
)

// Step is one line of the step trace.
type Step struct {
	Seq    int64     `json:"seq"`  // 1, 2, ... in the order the steps took effect
	Time   time.Time `json:"time"` // RFC 3339 with nanoseconds
	Op     string    `json:"op"`   // a lifecycle event name (fsm.Event), or a query (IsQuery)
	ID     string    `json:"id"`   // container ID; "" for runtime steps
	From   fsm.State `json:"from"`
	To     fsm.State `json:"to"`
	Result Result    `json:"result"`
	Exit   int       `json:"exit"` // runsc's exit status (for Exit steps, the workload's); -1 if it did not run
	Error  string    `json:"error"`
	Note   string    `json:"note"`
}

// queries are the operations that read and change nothing.
var queries = []string{"State", "List", "Version", "ProbePlatforms"}

// IsQuery reports whether op is a query: State, List, Version or ProbePlatforms.
// A query step has From == To and is no step of the lifecycle.
func IsQuery(op string) bool { return slices.Contains(queries, op) }

// keys is the key order the format fixes (Step's field order).
var keys = []string{"seq", "time", "op", "id", "from", "to", "result", "exit", "error", "note"}

// Write writes s as one line of the trace.
func Write(w io.Writer, s Step) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Parse reads one line of the trace, checking it has exactly the format's keys in
// the format's order.
func Parse(line []byte) (Step, error) {
	var s Step
	got, err := objectKeys(line)
	if err != nil {
		return s, err
	}
	if !slices.Equal(got, keys) {
		return s, fmt.Errorf("keys %v, want %v", got, keys)
	}
	err = json.Unmarshal(line, &s)
	return s, err
}

// Read reads a trace: every line a step (Parse), every line ended by a newline.
// Empty lines are skipped.
func Read(r io.Reader) ([]Step, error) {
	var out []Step
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return out, err
		}
		if errors.Is(err, io.EOF) && len(bytes.TrimSpace(line)) != 0 {
			return out, fmt.Errorf("trace line %d: no newline at its end", n)
		}
		if b := bytes.TrimSpace(line); len(b) != 0 {
			s, perr := Parse(b)
			if perr != nil {
				return out, fmt.Errorf("trace line %d: %w", n, perr)
			}
			out = append(out, s)
		}
		if err != nil {
			return out, nil
		}
	}
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
