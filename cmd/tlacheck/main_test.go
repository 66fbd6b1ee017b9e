package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// runCaptured runs tlacheck with args and returns its exit code, stdout and stderr.
func runCaptured(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	outF, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	errF, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	saveOut, saveErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = outF, errF
	code := run(args)
	os.Stdout, os.Stderr = saveOut, saveErr
	outF.Close()
	errF.Close()
	stdout, _ := os.ReadFile(outF.Name())
	stderr, _ := os.ReadFile(errF.Name())
	return code, string(stdout), string(stderr)
}

var runTimes = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|in (\d+min )?\d+s|with \d+ workers?`)

// TestWorkers checks that -workers N and -workers auto give one worker's output and
// exit code, and that a count below one is refused with a message.
func TestWorkers(t *testing.T) {
	spec := filepath.Join("..", "..", "tla", "testdata", "corpus", "DieHard", "DieHard.tla")
	code1, out1, _ := runCaptured(t, "-workers", "1", spec)
	if code1 != 12 || !strings.Contains(out1, "Invariant NoFourGallons is violated") {
		t.Fatalf("one worker: exit %d, want 12 (invariant violated):\n%s", code1, out1)
	}
	for _, w := range []string{"2", "auto"} {
		code, out, _ := runCaptured(t, "-workers", w, spec)
		if code != code1 || runTimes.ReplaceAllString(out, "") != runTimes.ReplaceAllString(out1, "") {
			t.Errorf("-workers %s: exit %d, output\n%s\none worker: exit %d, output\n%s", w, code, out, code1, out1)
		}
	}
	for _, bad := range []string{"0", "-2", "many"} {
		code, _, stderr := runCaptured(t, "-workers", bad, spec)
		if code != 1 || !strings.Contains(stderr, "-workers needs") {
			t.Errorf("-workers %s: exit %d, stderr %q; want exit 1 naming the flag", bad, code, stderr)
		}
	}
}

// TestTLCCommandLine checks that -h prints the flags and exits 0, and that a TLC
// command line with its file-steering flags checks the spec as without them.
func TestTLCCommandLine(t *testing.T) {
	for _, h := range []string{"-h", "-help"} {
		code, out, _ := runCaptured(t, h)
		if code != 0 || !strings.Contains(out, "-workers N|auto") || !strings.Contains(out, "-metadir DIR") {
			t.Errorf("%s: exit %d, output\n%s", h, code, out)
		}
	}
	spec := filepath.Join("..", "..", "tla", "testdata", "corpus", "DieHard", "DieHard.tla")
	code1, out1, _ := runCaptured(t, spec)
	code2, out2, stderr := runCaptured(t, "-noTE", "-noGenerateSpecTE", "-metadir", t.TempDir(), "-nowarning", "-terse", "-cleanup", "-fp", "3", spec)
	if code2 != code1 || code1 != 12 || runTimes.ReplaceAllString(out1, "") != strings.ReplaceAll(runTimes.ReplaceAllString(out2, ""), "(fp 3)", "(fp 0)") {
		t.Errorf("with TLC's flags: exit %d (stderr %q), output\n%s\nwithout: exit %d, output\n%s", code2, stderr, out2, code1, out1)
	}
	if code, _, stderr := runCaptured(t, "-metadir"); code != 1 || !strings.Contains(stderr, "usage:") {
		t.Errorf("-metadir without its directory: exit %d, stderr %q", code, stderr)
	}
}

// tlcTraceJSON is what TLC 2.20 wrote for J.tla below with -dumpTrace json.
const tlcTraceJSON = `{"action":[[[1,{"str":"x","mv":"m1","b":true,"f":{"5":5,"6":6},"q":[3,4],"r":{"a":[],"c":[]},"s":[1,2],"t":0}],{"name":"Step","location":{"beginLine":6,"beginColumn":15,"endLine":6,"endColumn":73,"module":"J"},"context":{"k":1,"z":"zz"},"parameters":["k","z"]},[2,{"str":"x","mv":"m1","b":true,"f":{"5":5,"6":6},"q":[3,4],"r":{"a":[],"c":[]},"s":[1,2],"t":1}]]],"state":[[1,{"str":"x","mv":"m1","b":true,"f":{"5":5,"6":6},"q":[3,4],"r":{"a":[],"c":[]},"s":[1,2],"t":0}],[2,{"str":"x","mv":"m1","b":true,"f":{"5":5,"6":6},"q":[3,4],"r":{"a":[],"c":[]},"s":[1,2],"t":1}]]}`

// TestDumpTraceJSON checks -dumpTrace json against TLC's file for the same spec, and
// that no file is written when there is no counterexample.
func TestDumpTraceJSON(t *testing.T) {
	dir := t.TempDir()
	spec := `---- MODULE J ----
EXTENDS Naturals, Sequences
CONSTANT m1
VARIABLES s, q, f, b, r, mv, str, t
Init == s = {1, 2} /\ q = <<3, 4>> /\ f = [i \in {5, 6} |-> i] /\ b = TRUE /\ r = [a |-> {}, c |-> <<>>] /\ mv = m1 /\ str = "x" /\ t = 0
Step(k, z) == t < 1 /\ t' = t + k /\ UNCHANGED <<s, q, f, b, r, mv, str>>
Next == \E k \in {1} : \E z \in {"zz"} : Step(k, z)
Inv == t < 1
====
`
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	path := write("J.tla", spec)
	write("J.cfg", "CONSTANT m1 = m1\nINIT Init\nNEXT Next\nINVARIANT Inv\n")
	out := filepath.Join(dir, "trace.json")
	if code, stdout, stderr := runCaptured(t, "-dumpTrace", "json", out, path); code != 12 {
		t.Fatalf("exit %d, want 12\n%s%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(tlcTraceJSON), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("-dumpTrace json wrote\n%s\nTLC wrote\n%s", raw, tlcTraceJSON)
	}
	write("J.cfg", "CONSTANT m1 = m1\nINIT Init\nNEXT Next\n")
	none := filepath.Join(dir, "none.json")
	if code, _, _ := runCaptured(t, "-deadlock", "-dumpTrace", "json", none, path); code != 0 {
		t.Fatalf("without the invariant: exit %d, want 0", code)
	}
	if _, err := os.Stat(none); !os.IsNotExist(err) {
		t.Errorf("a trace file was written for a successful check: %v", err)
	}
}

// TestSimulate checks -simulate: with num and depth, TLC's count of states checked
// (the initial state, then depth states per behaviour); without num, behaviours
// until one violates the invariant, whose trace ends in a violating state; the same
// seed, the same behaviours.
func TestSimulate(t *testing.T) {
	spec := filepath.Join("..", "..", "tla", "testdata", "corpus", "DieHard", "DieHard.tla")
	code, out, stderr := runCaptured(t, "-simulate", "num=3", "-depth", "5", "-seed", "7", spec)
	if code != 0 || !strings.Contains(out, "Progress: 16 states checked, 3 traces generated (trace length: mean=5, var(x)=0, sd=0)\n") ||
		!strings.Contains(out, "Simulation using seed 7 and aril 0\n") {
		t.Errorf("num=3 -depth 5: exit %d (stderr %q), output\n%s", code, stderr, out)
	}
	code1, out1, _ := runCaptured(t, "-simulate", "-seed", "11", spec)
	code2, out2, _ := runCaptured(t, "-simulate", "-seed", "11", spec)
	if code1 != 12 || !strings.Contains(out1, "Error: Invariant NoFourGallons is violated.") {
		t.Fatalf("until a violation: exit %d, output\n%s", code1, out1)
	}
	states := regexp.MustCompile(`(?m)^water = .*$`).FindAllString(out1, -1)
	if len(states) < 2 || !strings.Contains(states[len(states)-1], "large |-> 4") || strings.Contains(out1, "<Action>") {
		t.Errorf("the trace does not end in a violating state, or has an unlabelled step:\n%s", out1)
	}
	if code2 != code1 || runTimes.ReplaceAllString(out2, "") != runTimes.ReplaceAllString(out1, "") {
		t.Errorf("the same seed gave another run:\n%s\nthen\n%s", out1, out2)
	}
	if code, _, stderr := runCaptured(t, "-simulate", "num=0", spec); code != 1 || !strings.Contains(stderr, "num=N") {
		t.Errorf("num=0: exit %d, stderr %q", code, stderr)
	}
}
