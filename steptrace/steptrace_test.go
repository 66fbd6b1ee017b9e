package steptrace

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

func TestWriteThenRead(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.UTC)
	want := []Step{
		{Seq: 1, Time: at, Op: "Resolve", From: fsm.Unresolved, To: fsm.Resolved, Result: OK, Exit: -1, Note: "/usr/bin/runsc"},
		{Seq: 2, Time: at.Add(time.Millisecond), Op: "Pause", ID: "a", From: fsm.Created, To: fsm.Created, Result: Refused, Exit: -1, Error: "not permitted"},
	}
	var buf bytes.Buffer
	for _, s := range want {
		if err := Write(&buf, s); err != nil {
			t.Fatal(err)
		}
	}
	line, _, _ := strings.Cut(buf.String(), "\n")
	const first = `{"seq":1,"time":"2026-01-01T00:00:00.123456789Z","op":"Resolve","id":"","from":"Unresolved","to":"Resolved","result":"ok","exit":-1,"error":"","note":"/usr/bin/runsc"}`
	if line != first {
		t.Errorf("first line\n%s\nwant\n%s", line, first)
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d steps, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) {
			t.Errorf("step %d: time %v, want %v", i, got[i].Time, want[i].Time)
		}
		got[i].Time = want[i].Time
		if got[i] != want[i] {
			t.Errorf("step %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReadChecksTheFormat(t *testing.T) {
	good := `{"seq":1,"time":"2026-01-01T00:00:00Z","op":"Create","id":"a","from":"Absent","to":"Created","result":"ok","exit":0,"error":"","note":""}`
	if steps, err := Read(strings.NewReader(good + "\n\n")); err != nil || len(steps) != 1 {
		t.Fatalf("Read(a good line) = %v, %v", steps, err)
	}
	for name, in := range map[string]string{
		"keys out of order": `{"time":"2026-01-01T00:00:00Z","seq":1,"op":"Create","id":"a","from":"Absent","to":"Created","result":"ok","exit":0,"error":"","note":""}` + "\n",
		"a key missing":     `{"seq":1,"time":"2026-01-01T00:00:00Z","op":"Create","id":"a","from":"Absent","to":"Created","result":"ok","exit":0,"error":""}` + "\n",
		"a key too many":    strings.TrimSuffix(good, "}") + `,"extra":1}` + "\n",
		"not an object":     `["seq"]` + "\n",
		"a bad time":        strings.Replace(good, "2026-01-01T00:00:00Z", "yesterday", 1) + "\n",
		"no final newline":  good,
	} {
		if _, err := Read(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted %q", name, in)
		}
	}
}

func TestIsQuery(t *testing.T) {
	for _, op := range []string{"State", "List", "Version", "ProbePlatforms"} {
		if !IsQuery(op) {
			t.Errorf("IsQuery(%q) = false", op)
		}
	}
	for _, e := range append(fsm.RuntimeEvents(), fsm.ContainerEvents()...) {
		if IsQuery(string(e)) {
			t.Errorf("IsQuery(%q) = true for a lifecycle event", e)
		}
	}
}
