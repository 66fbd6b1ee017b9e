package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/tla"
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
	sameJSON(t, out, tlcTraceJSON)
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

// tlcLoopJSON is what TLC 2.20 wrote with -dumpTrace json for the corpus's
// LiveOscillate, whose counterexample is a cycle: the step back is an action too.
const tlcLoopJSON = `{"action":[[[1,{"light":"off"}],{"name":"Toggle","location":{"beginLine":5,"beginColumn":11,"endLine":5,"endColumn":55,"module":"LiveOscillate"}},[2,{"light":"on"}]],[[2,{"light":"on"}],{"name":"Toggle","location":{"beginLine":5,"beginColumn":11,"endLine":5,"endColumn":55,"module":"LiveOscillate"}},[1,{"light":"off"}]]],"state":[[1,{"light":"off"}],[2,{"light":"on"}]]}`

// TestDumpTraceLoop checks -dumpTrace json on a temporal counterexample against TLC's.
func TestDumpTraceLoop(t *testing.T) {
	out := filepath.Join(t.TempDir(), "trace.json")
	spec := filepath.Join("..", "..", "tla", "testdata", "corpus", "LiveOscillate", "LiveOscillate.tla")
	if code, stdout, stderr := runCaptured(t, "-dumpTrace", "json", out, spec); code != 13 {
		t.Fatalf("exit %d, want 13\n%s%s", code, stdout, stderr)
	}
	sameJSON(t, out, tlcLoopJSON)
}

// sameJSON checks that the JSON file at path has the value of TLC's JSON text.
func sameJSON(t *testing.T, path, tlc string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(tlc), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("-dumpTrace json wrote\n%s\nTLC wrote\n%s", raw, tlc)
	}
}

// TestDumpTraceTLA checks -dumpTrace tla: the module it writes must define the
// CounterExample TLC defines for the same behaviour. TLC's tla form needs the
// Community Modules, so the expected values are TLC's -dumpTrace json files for the
// same specs (J2: a parameterized action; LiveOscillate: a cycle), written in TLA+;
// a module that extends the dump ASSUMEs the two are equal and is checked.
func TestDumpTraceTLA(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	j2 := write("J2.tla", `---- MODULE J2 ----
EXTENDS Naturals, Sequences
VARIABLES s, q, f, r, t
Init == s = {1, 2} /\ q = <<3, 4>> /\ f = [i \in {5, 6} |-> i] /\ r = [a |-> {}, c |-> <<>>] /\ t = 0
Step(k, z) == t < 2 /\ t' = t + k /\ UNCHANGED <<s, q, f, r>>
Next == \E k \in {1} : \E z \in {"zz"} : Step(k, z)
Inv == t < 2
====
`)
	write("J2.cfg", "INIT Init\nNEXT Next\nINVARIANT Inv\n")
	cases := []struct {
		spec string
		exit int
		tlc  string // TLC's CounterExample
	}{
		{j2, 12, `LET S(n) == [f |-> (5 :> 5 @@ 6 :> 6), q |-> <<3, 4>>, r |-> [a |-> {}, c |-> <<>>], s |-> {1, 2}, t |-> n]
		           A == [name |-> "Step", location |-> [beginLine |-> 5, beginColumn |-> 15, endLine |-> 5, endColumn |-> 61, module |-> "J2"],
		                 context |-> [k |-> 1, z |-> "zz"], parameters |-> <<"k", "z">>]
		       IN [state |-> {<<1, S(0)>>, <<2, S(1)>>, <<3, S(2)>>},
		           action |-> {<<<<1, S(0)>>, A, <<2, S(1)>>>>, <<<<2, S(1)>>, A, <<3, S(2)>>>>}]`},
		{filepath.Join("..", "..", "tla", "testdata", "corpus", "LiveOscillate", "LiveOscillate.tla"), 13,
			`LET S(l) == [light |-> l]
			     A == [name |-> "Toggle", location |-> [beginLine |-> 5, beginColumn |-> 11, endLine |-> 5, endColumn |-> 55, module |-> "LiveOscillate"]]
			 IN [state |-> {<<1, S("off")>>, <<2, S("on")>>},
			     action |-> {<<<<1, S("off")>>, A, <<2, S("on")>>>>, <<<<2, S("on")>>, A, <<1, S("off")>>>>}]`},
	}
	for i, c := range cases {
		t.Run(filepath.Base(c.spec), func(t *testing.T) {
			mod := fmt.Sprintf("Dump%d", i)
			if code, stdout, stderr := runCaptured(t, "-dumpTrace", "tla", filepath.Join(dir, mod+".tla"), c.spec); code != c.exit {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.exit, stdout, stderr)
			}
			dump, err := os.ReadFile(filepath.Join(dir, mod+".tla"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(dump), "---- MODULE "+mod+" ----\nLOCAL INSTANCE TLC\n\nCounterExample == \n\t") {
				t.Errorf("the module does not begin as TLC's does:\n%s", dump)
			}
			check := write(fmt.Sprintf("Check%d.tla", i), fmt.Sprintf("---- MODULE Check%d ----\nEXTENDS %s, TLC\nASSUME CounterExample = %s\n====\n", i, mod, c.tlc))
			write(fmt.Sprintf("Check%d.cfg", i), "")
			if code, stdout, _ := runCaptured(t, check); code != 0 {
				t.Errorf("the dump's CounterExample is not TLC's (exit %d):\n%s\n%s", code, dump, stdout)
			}
		})
	}
	write("J2.cfg", "INIT Init\nNEXT Next\n")
	if code, _, _ := runCaptured(t, "-deadlock", "-dumpTrace", "tla", filepath.Join(dir, "None.tla"), j2); code != 0 {
		t.Fatalf("without the invariant: exit %d, want 0", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "None.tla")); !os.IsNotExist(err) {
		t.Errorf("a trace module was written for a successful check: %v", err)
	}
}

// TestCoverageFlag checks -coverage N: the report of the actions before the
// statistics, and a refusal of anything but a number of minutes.
func TestCoverageFlag(t *testing.T) {
	spec := filepath.Join("..", "..", "tla", "testdata", "corpus", "DieHard", "DieHard.tla")
	code, out, _ := runCaptured(t, "-coverage", "1", spec)
	if code != 12 || !regexp.MustCompile(`(?m)^<Fill line 19, col 1 to line 19, col 7 of module DieHard>: \d+:\d+\nEnd of statistics\.|(?s)<Fill .*End of statistics\.\n\d+ states generated`).MatchString(out) {
		t.Errorf("exit %d, want 12 and a coverage report naming Fill:\n%s", code, out)
	}
	for _, bad := range []string{"0", "x"} {
		if code, _, stderr := runCaptured(t, "-coverage", bad, spec); code != 1 || !strings.Contains(stderr, "-coverage needs") {
			t.Errorf("-coverage %s: exit %d, stderr %q", bad, code, stderr)
		}
	}
}

// TestRecover checks -recover on a checkpoint the library took mid-search: the run
// says it recovers, ends with the counts of an uninterrupted run, and exits 0; and
// that -checkpoint takes only a number of minutes, and -recover only an existing
// checkpoint.
func TestRecover(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "R.tla")
	if err := os.WriteFile(spec, []byte(`---- MODULE R ----
EXTENDS Naturals
VARIABLES x, y
Init == x = 0 /\ y = 0
Next == \/ x < 60 /\ x' = x + 1 /\ y' = y
        \/ y < 60 /\ y' = y + 1 /\ x' = x
====
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "R.cfg"), []byte("INIT Init\nNEXT Next\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "cp")
	res, err := tla.CheckFile(context.Background(), spec, tla.Options{NoDeadlock: true, Checkpoint: time.Nanosecond, CheckpointDir: cp})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("checkpointed run: %v, %+v", err, res)
	}
	code, out, stderr := runCaptured(t, "-deadlock", "-recover", cp, spec)
	want := fmt.Sprintf("%d states generated, %d distinct states found, 0 states left on queue.", res.Generated, res.Distinct)
	if code != 0 || !strings.Contains(out, "Starting recovery from checkpoint "+cp) || !strings.Contains(out, want) {
		t.Errorf("-recover: exit %d (stderr %q), want 0 and %q:\n%s", code, stderr, want, out)
	}
	if code, out, _ := runCaptured(t, "-deadlock", "-recover", filepath.Join(dir, "none"), spec); code != 255 || !strings.Contains(out, "no checkpoint in") {
		t.Errorf("-recover of no checkpoint: exit %d, want 255:\n%s", code, out)
	}
	for _, bad := range []string{"-1", "soon"} {
		if code, _, stderr := runCaptured(t, "-checkpoint", bad, spec); code != 1 || !strings.Contains(stderr, "-checkpoint needs a number of minutes") {
			t.Errorf("-checkpoint %s: exit %d, stderr %q", bad, code, stderr)
		}
	}
}
