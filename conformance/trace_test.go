package conformance

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

func traceLine(seq int, op, id string, from, to fsm.State, result string) string {
	ts := time.Date(2026, 1, 1, 0, 0, 0, seq*1000, time.UTC).Format(time.RFC3339Nano)
	return fmt.Sprintf(`{"seq":%d,"time":%q,"op":%q,"id":%q,"from":%q,"to":%q,"result":%q,"exit":0,"error":"","note":""}`,
		seq, ts, op, id, from, to, result)
}

// lifecycle is a runtime's trace that the model and the spec both accept: an ID
// reused after its delete, refusals inside and outside the spec, an unknown outcome
// that a query settles, a failed create, a Run and a cleanup at Close.
var lifecycle = []string{
	traceLine(1, "Resolve", "", fsm.Unresolved, fsm.Resolved, "ok"),
	traceLine(2, "Probe", "", fsm.Resolved, fsm.Available, "ok"),
	traceLine(3, "Start", "a", fsm.Absent, fsm.Absent, "refused"),
	traceLine(4, "Create", "a", fsm.Absent, fsm.Created, "ok"),
	traceLine(5, "Pause", "a", fsm.Created, fsm.Created, "refused"),
	traceLine(6, "Start", "a", fsm.Created, fsm.Running, "unknown"),
	traceLine(7, "State", "a", fsm.Running, fsm.Running, "ok"),
	traceLine(8, "Kill", "a", fsm.Running, fsm.Running, "ok"),
	traceLine(9, "Exit", "a", fsm.Running, fsm.Stopped, "ok"),
	traceLine(10, "Delete", "a", fsm.Stopped, fsm.Deleted, "ok"),
	traceLine(11, "Create", "a", fsm.Absent, fsm.Created, "ok"),
	traceLine(12, "Create", "b", fsm.Absent, fsm.Absent, "failed"),
	traceLine(13, "Run", "b", fsm.Absent, fsm.Deleted, "ok"),
	traceLine(14, "Close", "", fsm.Available, fsm.Closing, "ok"),
	traceLine(15, "ForceDelete", "a", fsm.Created, fsm.Deleted, "cleanup"),
	traceLine(16, "CloseDone", "", fsm.Closing, fsm.Closed, "ok"),
}

// The model accepts the lifecycle that the spec accepts (TestValidateSpecTrace).
func TestValidateTraceAcceptsALifecycle(t *testing.T) {
	if _, err := ValidateTrace(specSteps(t, lifecycle...)); err != nil {
		t.Fatal(err)
	}
}

func TestValidateTraceRejects(t *testing.T) {
	base := []string{
		traceLine(1, "Create", "a", fsm.Absent, fsm.Created, "ok"),
	}
	for name, line := range map[string]string{
		"pause from created":         traceLine(2, "Pause", "a", fsm.Created, fsm.Paused, "ok"),
		"failed step moved":          traceLine(2, "Start", "a", fsm.Created, fsm.Running, "failed"),
		"unknown outside outcomes":   traceLine(2, "Start", "a", fsm.Created, fsm.Paused, "unknown"),
		"from the model disallows":   traceLine(2, "Resume", "a", fsm.Paused, fsm.Running, "ok"),
		"delete of a created":        traceLine(2, "Delete", "a", fsm.Created, fsm.Deleted, "ok"),
		"seq gap":                    traceLine(3, "Start", "a", fsm.Created, fsm.Running, "ok"),
		"a query that moved":         traceLine(2, "State", "a", fsm.Created, fsm.Running, "ok"),
		"an operation nobody knows":  traceLine(2, "Exec", "a", fsm.Created, fsm.Created, "ok"),
		"a result nobody knows":      traceLine(2, "Start", "a", fsm.Created, fsm.Running, "maybe"),
		"exit of a created":          traceLine(2, "Exit", "a", fsm.Created, fsm.Stopped, "ok"),
		"runtime step from nowhere":  traceLine(2, "Close", "", fsm.Closing, fsm.Closed, "ok"),
		"create while it is created": traceLine(2, "Create", "a", fsm.Created, fsm.Created, "ok"),
	} {
		t.Run(name, func(t *testing.T) {
			steps, err := steptrace.Read(strings.NewReader(base[0] + "\n" + line + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ValidateTrace(steps); err == nil {
				t.Errorf("accepted %s", line)
			}
		})
	}
}
