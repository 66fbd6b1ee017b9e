package conformance

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func traceLine(seq int, op, id string, from, to State, result string) string {
	ts := time.Date(2026, 1, 1, 0, 0, 0, seq*1000, time.UTC).Format(time.RFC3339Nano)
	return fmt.Sprintf(`{"seq":%d,"time":%q,"op":%q,"id":%q,"from":%q,"to":%q,"result":%q,"exit":0,"error":"","note":""}`,
		seq, ts, op, id, from, to, result)
}

func TestValidateTraceAcceptsALifecycle(t *testing.T) {
	lines := []string{
		traceLine(1, "Resolve", "", Unresolved, Resolved, "ok"),
		traceLine(2, "Probe", "", Resolved, Available, "ok"),
		traceLine(3, "Create", "a", Absent, Created, "ok"),
		traceLine(4, "Pause", "a", Created, Created, "refused"),
		traceLine(5, "Start", "a", Created, Running, "unknown"),
		traceLine(6, "State", "a", Running, Running, "ok"),
		traceLine(7, "Kill", "a", Running, Running, "ok"),
		traceLine(8, "Exit", "a", Running, Stopped, "ok"),
		traceLine(9, "Delete", "a", Stopped, Deleted, "ok"),
		traceLine(10, "Close", "", Available, Closing, "ok"),
		traceLine(11, "CloseDone", "", Closing, Closed, "ok"),
	}
	steps, err := ReadTrace(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ValidateTrace(steps); err != nil {
		t.Fatal(err)
	}
}

func TestValidateTraceRejects(t *testing.T) {
	base := []string{
		traceLine(1, "Create", "a", Absent, Created, "ok"),
	}
	for name, line := range map[string]string{
		"pause from created":         traceLine(2, "Pause", "a", Created, Paused, "ok"),
		"failed step moved":          traceLine(2, "Start", "a", Created, Running, "failed"),
		"unknown outside outcomes":   traceLine(2, "Start", "a", Created, Paused, "unknown"),
		"from the model disallows":   traceLine(2, "Resume", "a", Paused, Running, "ok"),
		"delete of a created":        traceLine(2, "Delete", "a", Created, Deleted, "ok"),
		"seq gap":                    traceLine(3, "Start", "a", Created, Running, "ok"),
		"a query that moved":         traceLine(2, "State", "a", Created, Running, "ok"),
		"an operation nobody knows":  traceLine(2, "Exec", "a", Created, Created, "ok"),
		"a result nobody knows":      traceLine(2, "Start", "a", Created, Running, "maybe"),
		"exit of a created":          traceLine(2, "Exit", "a", Created, Stopped, "ok"),
		"runtime step from nowhere":  traceLine(2, "Close", "", Closing, Closed, "ok"),
		"create while it is created": traceLine(2, "Create", "a", Created, Created, "ok"),
	} {
		t.Run(name, func(t *testing.T) {
			steps, err := ReadTrace(strings.NewReader(base[0] + "\n" + line + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ValidateTrace(steps); err == nil {
				t.Errorf("accepted %s", line)
			}
		})
	}
}

func TestReadTraceChecksKeyOrder(t *testing.T) {
	bad := `{"time":"2026-01-01T00:00:00Z","seq":1,"op":"Create","id":"a","from":"Absent","to":"Created","result":"ok","exit":0,"error":"","note":""}`
	if _, err := ReadTrace(strings.NewReader(bad)); err == nil {
		t.Error("accepted keys out of order")
	}
	missing := `{"seq":1,"time":"2026-01-01T00:00:00Z","op":"Create","id":"a","from":"Absent","to":"Created","result":"ok","exit":0,"error":""}`
	if _, err := ReadTrace(strings.NewReader(missing)); err == nil {
		t.Error("accepted a line without note")
	}
}
