package tla

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEvalMatchesTLC evaluates expressions with PrintT and compares the printed values
// with what TLC 2.20 printed for the same expressions.
func TestEvalMatchesTLC(t *testing.T) {
	cases := []struct{ expr, tlc string }{
		{`-7 \div 2`, `-3`},
		{`-7 % 3`, `2`},
		{`2^10`, `1024`},
		{`{3, 1, 2} \cup {2, 5}`, `{1, 2, 3, 5}`},
		{`{1, 2, 3} \ {2}`, `{1, 3}`},
		{`SUBSET {1, 2}`, `{{}, {1}, {2}, {1, 2}}`},
		{`UNION {{1}, {2, 3}}`, `{1, 2, 3}`},
		{`{1, 2} \X {"a"}`, `{<<1, "a">>, <<2, "a">>}`},
		{`[x \in 1..3 |-> x * x]`, `<<1, 4, 9>>`},
		{`[a |-> 1, b |-> "x"]`, `[a |-> 1, b |-> "x"]`},
		{`[r \in {"a", "b"} |-> 0]`, `[a |-> 0, b |-> 0]`},
		{`[[a |-> 1, b |-> 2] EXCEPT !.a = @ + 10]`, `[a |-> 11, b |-> 2]`},
		{`[<<1, 2>> EXCEPT ![2] = 7]`, `<<1, 7>>`},
		{`Append(<<1>>, 2) \o <<3>>`, `<<1, 2, 3>>`},
		{`SubSeq(<<1, 2, 3, 4>>, 2, 3)`, `<<2, 3>>`},
		{`SelectSeq(<<1, 2, 3, 4>>, LAMBDA x : x % 2 = 0)`, `<<2, 4>>`},
		{`Cardinality({x \in 1..10 : x % 3 = 0})`, `3`},
		{`{x * 2 : x \in 1..3}`, `{2, 4, 6}`},
		{`CHOOSE x \in 1..10 : x > 4`, `5`},
		{`DOMAIN [a |-> 1, b |-> 2]`, `{"a", "b"}`},
		{`1 :> "a" @@ 2 :> "b"`, `<<"a", "b">>`},
		{`[x \in {1, 2}, y \in {3} |-> x + y]`, `(<<1, 3>> :> 4 @@ <<2, 3>> :> 5)`},
		{`Permutations({1, 2})`, `{<<1, 2>>, <<2, 1>>}`},
		{`Len(<<>>) = 0 /\ <<>> = [x \in {} |-> 1]`, `TRUE`},
		{`[{1, 2} -> {TRUE}]`, `{<<TRUE, TRUE>>}`},
		{`IF 1 < 2 THEN "y" ELSE "n"`, `"y"`},
		{`CASE 1 = 2 -> "a" [] OTHER -> "b"`, `"b"`},
		{`LET f[n \in 0..5] == IF n = 0 THEN 1 ELSE n * f[n - 1] IN f[5]`, `120`},
		{`\A x \in {} : FALSE`, `TRUE`},
		{`\E <<a, b>> \in {<<1, 2>>} : a < b`, `TRUE`},
		{`SetToBag({1, 2}) (+) SetToBag({2})`, `<<1, 2>>`},
		{`ToString(<<1, "a">>)`, `"<<1, \"a\">>"`},
		{`<<1, 2>> \in Seq(Nat) /\ -1 \notin Nat /\ "s" \in STRING`, `TRUE`},
		{`[a : {1, 2}, b : {"x"}]`, `{[a |-> 1, b |-> "x"], [a |-> 2, b |-> "x"]}`},
	}
	var spec strings.Builder
	spec.WriteString("---- MODULE E ----\nEXTENDS Naturals, Integers, Sequences, FiniteSets, TLC, Bags\n")
	for _, c := range cases {
		spec.WriteString("ASSUME PrintT(" + c.expr + ")\n")
	}
	spec.WriteString("====\n")
	out := checkSource(t, "E", spec.String(), "")
	var got []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" && !strings.Contains(l, "tlacheck") && !strings.HasPrefix(l, "Parsing") && !strings.HasPrefix(l, "Semantic") &&
			!strings.HasPrefix(l, "Model checking") && !strings.Contains(l, "states generated") && !strings.HasPrefix(l, "The depth") &&
			!strings.HasPrefix(l, "Finished") {
			got = append(got, l)
		}
	}
	if len(got) != len(cases) {
		t.Fatalf("got %d printed values, want %d:\n%s", len(got), len(cases), out)
	}
	for i, c := range cases {
		if got[i] != c.tlc {
			t.Errorf("%s = %s, TLC prints %s", c.expr, got[i], c.tlc)
		}
	}
}

// writeFiles writes text files, by name, into dir and returns the path of the first.
func writeFiles(t *testing.T, dir string, files ...[2]string) string {
	t.Helper()
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f[0]), []byte(f[1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, files[0][0])
}

// checkSource model-checks a module given as text and returns the output.
func checkSource(t *testing.T, name, spec, cfg string) string {
	t.Helper()
	path := writeFiles(t, t.TempDir(), [2]string{name + ".tla", spec}, [2]string{name + ".cfg", cfg})
	var buf bytes.Buffer
	res, err := CheckFile(context.Background(), path, Options{Out: &buf})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != ExitOK {
		t.Fatalf("exit %d: %s\n%s", res.ExitCode, res.Message, buf.String())
	}
	return buf.String()
}

// TestParseErrorPositions checks that syntax errors name file, line and column.
func TestParseErrorPositions(t *testing.T) {
	cases := []struct {
		src  string
		want string
	}{
		{"---- MODULE M ----\nA == 1 +\n====\n", "m.tla:3:1:"},
		{"---- MODULE M ----\nA == [x \\in S |-> ]\n====\n", "m.tla:2:19:"},
		{"---- MODULE M ----\nA == (1\n", "m.tla:3:1:"},
		{"no module here", "m.tla:1:15:"},
	}
	for _, c := range cases {
		_, err := parseModule("m.tla", c.src)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("ParseModule(%q) error %v, want prefix %s", c.src, err, c.want)
		}
	}
}

// TestJunctionIndentation checks that bulleted lists nest by column, as in SANY.
func TestJunctionIndentation(t *testing.T) {
	src := "---- MODULE M ----\n" +
		"A == \\/ /\\ FALSE\n" +
		"        /\\ TRUE\n" +
		"     \\/ TRUE\n" +
		"ASSUME A\n" +
		"B == /\\ TRUE\n" +
		"     /\\ \\/ FALSE\n" +
		"        \\/ TRUE\n" +
		"     /\\ FALSE\n" +
		"ASSUME ~B\n" +
		"====\n"
	checkSource(t, "M", src, "")
}

// TestTLCGetLevel checks TLCGet("level") in a constraint: TLC 2.20 reports 3 states
// generated and 2 distinct for this spec (the successor at level 3 fails C).
func TestTLCGetLevel(t *testing.T) {
	spec := "---- MODULE L ----\nEXTENDS Naturals, TLC\nVARIABLE x\nInit == x = 0\nNext == x' = x + 1\n" +
		"C == TLCGet(\"level\") < 3\n====\n"
	checkStats(t, "L", spec, "INIT Init\nNEXT Next\nCONSTRAINT C\n", "3 states generated, 2 distinct states found")
}

// TestNamedAssume checks that ASSUME Name == e defines Name for later ASSUMEs and
// definitions (MultiPaxos's PaxosAssume), in the root module and in one it extends.
func TestNamedAssume(t *testing.T) {
	spec := "---- MODULE NA ----\nEXTENDS Naturals, NABase\nASSUME BothPos == NPos /\\ N > 0\n" +
		"VARIABLE x\nInit == x = 0\nNext == x < N /\\ x' = x + 1\nInv == BothPos => x <= N\n====\n"
	base := "---- MODULE NABase ----\nEXTENDS Naturals\nCONSTANT N\nASSUME NPos == N > 0\n====\n"
	dir := t.TempDir()
	for n, want := range map[int]int{3: ExitOK, 0: ExitAssume} {
		cfg := fmt.Sprintf("CONSTANT N = %d\nINIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n", n)
		path := writeFiles(t, dir, [2]string{"NA.tla", spec}, [2]string{"NABase.tla", base}, [2]string{"NA.cfg", cfg})
		var buf bytes.Buffer
		res, err := CheckFile(context.Background(), path, Options{Out: &buf})
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != want || want == ExitOK && res.Distinct != int64(n+1) {
			t.Errorf("N = %d: exit %d, %d distinct; want exit %d\n%s", n, res.ExitCode, res.Distinct, want, buf.String())
		}
	}
}

// TestConstantOnlyDepth checks that a model without variables ends with TLC's depth
// line, which tools parse.
func TestConstantOnlyDepth(t *testing.T) {
	out := checkSource(t, "C", "---- MODULE C ----\nEXTENDS Naturals\nASSUME 1 + 1 = 2\n====\n", "")
	if !strings.Contains(out, "0 states generated, 0 distinct states found, 0 states left on queue.\nThe depth of the complete state graph search is 0.\n") {
		t.Errorf("no depth 0 line after the counts:\n%s", out)
	}
}

// TestContinue checks TLC's -continue: every invariant violation is reported, the
// search goes on through the violating states, and the run ends like a success
// with exit code 0. The expected lines are TLC 2.20's for this spec.
func TestContinue(t *testing.T) {
	spec := "---- MODULE C ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x < 6 /\\ x' = x + 1\n" +
		"Inv == x # 0 /\\ x # 3\n====\n"
	path := writeFiles(t, t.TempDir(), [2]string{"C.tla", spec}, [2]string{"C.cfg", "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n"})
	want := "Error: Invariant Inv is violated by the initial state:\nx = 0\n\n" +
		"Finished computing initial states: 1 distinct state generated at TIME.\n" +
		"Error: Invariant Inv is violated.\nError: The behavior up to this point is:\n" +
		"State 1: <Initial predicate>\nx = 0\n\n" +
		"State 2: <Next line 5, col 9 to line 5, col 27 of module C>\nx = 1\n\n" +
		"State 3: <Next line 5, col 9 to line 5, col 27 of module C>\nx = 2\n\n" +
		"State 4: <Next line 5, col 9 to line 5, col 27 of module C>\nx = 3\n\n" +
		"Model checking completed. No error has been found.\n"
	stamp := regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)
	for _, workers := range []int{1, 2} {
		var buf bytes.Buffer
		res, err := CheckFile(context.Background(), path, Options{Out: &buf, Continue: true, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		out := stamp.ReplaceAllString(buf.String(), "TIME")
		if res.ExitCode != ExitOK || res.Distinct != 7 || !strings.Contains(out, want) {
			t.Errorf("workers %d: exit %d, %d distinct; output\n%s\nwant exit 0, 7 distinct, and\n%s", workers, res.ExitCode, res.Distinct, out, want)
		}
	}
}

// TestSimulateDeadlock checks that random behaviours report a deadlock, with the
// behaviour that reached it, and that a CONSTRAINT ends a behaviour instead.
func TestSimulateDeadlock(t *testing.T) {
	spec := "---- MODULE S ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x < 3 /\\ x' = x + 1\nSmall == x < 2\n====\n"
	dir := t.TempDir()
	for cfg, want := range map[string]int{"INIT Init\nNEXT Next\n": ExitDeadlock, "INIT Init\nNEXT Next\nCONSTRAINT Small\n": ExitOK} {
		path := writeFiles(t, dir, [2]string{"S.tla", spec}, [2]string{"S.cfg", cfg})
		var buf bytes.Buffer
		res, err := CheckFile(context.Background(), path, Options{Out: &buf, Simulation: &Simulation{Traces: 5, Seed: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != want || want == ExitDeadlock && len(res.Trace) != 4 {
			t.Errorf("%q: exit %d, trace of %d states; want exit %d (a trace of 4 states on deadlock)\n%s", cfg, res.ExitCode, len(res.Trace), want, buf.String())
		}
	}
}

// TestModulesAfterRoot checks that a module may extend and instantiate modules
// written after it in the same file, as SANY reads them (tlaplus/Examples' braf does).
func TestModulesAfterRoot(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "Main.tla")
	writeFile(t, spec, `---- MODULE Main ----
EXTENDS Naturals, Later
VARIABLE x
I == INSTANCE Other
Init == x = N
Next == x < I!M /\ x' = x + 1
Inv == x <= I!M
====
---- MODULE Later ----
N == 3
====
---- MODULE Other ----
EXTENDS Naturals
M == 5
====
`)
	writeFile(t, filepath.Join(dir, "Main.cfg"), "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n")
	var out strings.Builder
	res, err := CheckFile(context.Background(), spec, Options{Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != ExitOK || res.Distinct != 3 {
		t.Errorf("exit %d, %d distinct states; want 0 and 3 (x from 3 to 5):\n%s", res.ExitCode, res.Distinct, out.String())
	}
}

// TestParameterizedInstanceSubstitutesParameter checks that P(S) == INSTANCE M
// replaces M's constant S by the parameter S, as SANY's implicit substitution does
// for any name in scope (tlaplus/Examples' ReachabilityTest instantiates its proofs
// module so), and that each argument gets its own instance.
func TestParameterizedInstanceSubstitutesParameter(t *testing.T) {
	dir := t.TempDir()
	spec := writeFiles(t, dir, [2]string{"PI.tla", `---- MODULE PI ----
EXTENDS Naturals, FiniteSets
CONSTANT Sets
P(Succ) == INSTANCE Graph
ASSUME \A s \in Sets : P(s)!Size = Cardinality(s)
VARIABLE x
Init == x \in {P(s)!Size : s \in Sets}
Next == UNCHANGED x
====
`}, [2]string{"Graph.tla", "---- MODULE Graph ----\nEXTENDS FiniteSets\nCONSTANT Succ\nSize == Cardinality(Succ)\n====\n"},
		[2]string{"PI.cfg", "CONSTANT Sets = {{}, {1}, {1, 2}}\nINIT Init\nNEXT Next\n"})
	res, out := checkOutput(t, spec, Options{})
	if res.ExitCode != ExitOK || res.Distinct != 3 {
		t.Errorf("exit %d, %d distinct states; want 0 and 3 (x in {0, 1, 2}):\n%s", res.ExitCode, res.Distinct, out)
	}
}

// TestAssumeEvaluationError checks TLC's report of an assumption that cannot be
// evaluated: the evaluation error alone (not also "is false"), with the assumption
// exit code.
func TestAssumeEvaluationError(t *testing.T) {
	path := writeFiles(t, t.TempDir(), [2]string{"AE.tla", "---- MODULE AE ----\nEXTENDS Integers\nASSUME 1 \\div 0 = 1\nVARIABLE x\nInit == x = 0\nNext == x' = x\n====\n"},
		[2]string{"AE.cfg", "INIT Init\nNEXT Next\n"})
	res, out := checkOutput(t, path, Options{})
	want := "Error: Evaluating assumption line 3, col 8 to line 3, col 19 of module AE failed.\nThe second argument of \\div is 0.\n"
	if res.ExitCode != ExitAssume || !strings.Contains(out, want) || strings.Contains(out, "is false") {
		t.Errorf("exit %d, output\n%s\nwant exit %d and only\n%s", res.ExitCode, out, ExitAssume, want)
	}
}

// TestMembershipOfFilterNotBuilt checks that v \in {y \in B : P} is decided as
// v \in B /\ P(v), as TLC decides it, written out and through a definition that
// reads the state: B here, SUBSET SUBSET 1..5, has 2^32 elements and cannot be
// walked. The counts are TLC 2.20's.
func TestMembershipOfFilterNotBuilt(t *testing.T) {
	spec := `---- MODULE MF ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 2 /\ x' = x + 1
Parts == {DP \in SUBSET SUBSET (1..5) : UNION DP = 1..x}
Inv == /\ {1..x} \in Parts
       /\ {1..x, {7}} \notin Parts
       /\ {{1}, 2..x} \in {DP \in SUBSET SUBSET (1..5) : UNION DP = 1..x} <=> x > 0
====
`
	checkStats(t, "MF", spec, "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n", "3 states generated, 3 distinct states found, 0 states left on queue.")
}

// TestProofLibraries checks that a spec extending modules of the proof system's
// library (for its proofs) is checked without them, with the standard modules they
// extend, and that a module file beside the spec is used instead where there is one.
func TestProofLibraries(t *testing.T) {
	spec := `---- MODULE PL ----
EXTENDS FiniteSetTheorems, SequenceTheorems, NaturalsInduction, TLAPS
VARIABLE x
Init == x = <<>>
Next == Len(x) < 2 /\ x' = Append(x, Cardinality({1, 2}) - 3)
Inv == \A i \in 1..Len(x) : x[i] = -1
THEOREM Init => Inv BY PTL DEF Init, Inv
====
`
	dir := t.TempDir()
	cfg := "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n"
	path := writeFiles(t, dir, [2]string{"PL.tla", spec}, [2]string{"PL.cfg", cfg})
	res, out := checkOutput(t, path, Options{})
	if res.ExitCode != ExitOK || res.Distinct != 3 {
		t.Fatalf("exit %d, %d distinct; want 0 and 3:\n%s", res.ExitCode, res.Distinct, out)
	}
	// The spec's own copy of a library module wins.
	writeFiles(t, dir, [2]string{"FiniteSetTheorems.tla", "---- MODULE FiniteSetTheorems ----\nEXTENDS FiniteSets\nTwo == 2\n====\n"},
		[2]string{"PL.tla", strings.Replace(spec, "Len(x) < 2", "Len(x) < Two", 1)})
	res, out = checkOutput(t, path, Options{})
	if res.ExitCode != ExitOK || res.Distinct != 3 {
		t.Errorf("with FiniteSetTheorems.tla beside the spec: exit %d, %d distinct; want 0 and 3:\n%s", res.ExitCode, res.Distinct, out)
	}
}

// TestSubscriptOfInstance checks [A]_I!vars, a subscript that names an instance's
// definition (tlaplus/Examples' EWD998PCal writes one); the counts are TLC 2.20's.
func TestSubscriptOfInstance(t *testing.T) {
	dir := t.TempDir()
	path := writeFiles(t, dir, [2]string{"Sub.tla", `---- MODULE Sub ----
EXTENDS Naturals
VARIABLE x
I == INSTANCE Inner
Init == x = 0
Next == x < 2 /\ x' = x + 1
Spec == Init /\ [][Next]_I!vars
Prop == [][x' > x]_I!vars
====
`}, [2]string{"Inner.tla", "---- MODULE Inner ----\nVARIABLE x\nvars == <<x>>\n====\n"},
		[2]string{"Sub.cfg", "SPECIFICATION Spec\nPROPERTY Prop\nCHECK_DEADLOCK FALSE\n"})
	res, out := checkOutput(t, path, Options{})
	if res.ExitCode != ExitOK || res.Distinct != 3 {
		t.Errorf("exit %d, %d distinct; want 0 and 3:\n%s", res.ExitCode, res.Distinct, out)
	}
}

// TestCommunityFunctions checks the built-in Functions and Folds modules against
// what each operator means, and that an infix operator can be passed by name.
func TestCommunityFunctions(t *testing.T) {
	spec := `---- MODULE Fn ----
EXTENDS Functions, Sequences, FiniteSets
f == [i \in 1..4 |-> i * i]
ASSUME Range(f) = {1, 4, 9, 16}
ASSUME Restrict(f, {2, 3}) = (2 :> 4 @@ 3 :> 9)
ASSUME RestrictValues(f, LAMBDA v : v > 5) = (3 :> 9 @@ 4 :> 16)
ASSUME IsRestriction(Restrict(f, {1}), f) /\ ~IsRestriction(f, Restrict(f, {1}))
ASSUME FoldFunction(+, 0, f) = 30 /\ SumFunction(f) = 30 /\ SumFunctionOnSet(f, {1, 2}) = 5
ASSUME FoldFunction(LAMBDA x, y : <<x>> \o y, <<>>, f) = <<1, 4, 9, 16>>
ASSUME MapThenFoldSet(LAMBDA x, y : x - y, 0, LAMBDA x : x, LAMBDA s : CHOOSE x \in s : TRUE, {1, 2, 3}) = 2
ASSUME Cardinality(Injection(1..2, 1..3)) = 6 /\ Cardinality(Surjection(1..3, 1..2)) = 6
ASSUME Cardinality(Bijection(1..3, 1..3)) = 6 /\ ~ExistsInjection(1..3, 1..2) /\ ExistsSurjection(1..3, 1..2)
ASSUME AntiFunction(<<"a", "b">>) = [v \in {"a", "b"} |-> IF v = "a" THEN 1 ELSE 2]
ASSUME Pointwise(<<1, 2>>, <<10, 20>>, +) = <<11, 22>>
ASSUME 5 - 7 = -2
====
`
	checkAssumptions(t, "Fn", spec, "= <<1, 4, 9, 16>>", "= <<16, 9, 4, 1>>")
}

// TestQueueLeftAtViolation checks the statistics line after an invariant violation:
// TLC queues a new state only once it has passed the invariants, so the violating
// state is not counted as left on the queue. The line is TLC 2.20's.
func TestQueueLeftAtViolation(t *testing.T) {
	path := writeFiles(t, t.TempDir(), [2]string{"Q.tla", "---- MODULE Q ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x < 10 /\\ x' \\in {x + 1, x + 2}\nInv == x # 3\n====\n"},
		[2]string{"Q.cfg", "INIT Init\nNEXT Next\nINVARIANT Inv\n"})
	for _, workers := range []int{1, 2} {
		res, out := checkOutput(t, path, Options{Workers: workers})
		want := "5 states generated, 4 distinct states found, 1 states left on queue.\n"
		if res.ExitCode != ExitInvariant || !strings.Contains(out, want) {
			t.Errorf("workers %d: exit %d, output\n%s\nwant exit %d and %q", workers, res.ExitCode, out, ExitInvariant, want)
		}
	}
}

// TestCommunityFiniteSetsExt checks the built-in FiniteSetsExt module against what
// each operator means.
func TestCommunityFiniteSetsExt(t *testing.T) {
	spec := `---- MODULE FSE ----
EXTENDS FiniteSetsExt
ASSUME SumSet({1, 2, 3}) = 6 /\ ProductSet({2, 3, 4}) = 24 /\ SumSet({}) = 0
ASSUME FoldSet(LAMBDA x, y : x - y, 0, {1, 2, 3}) = 2 /\ ReduceSet(LAMBDA x, y : x + y, {1, 2}, 10) = 13
ASSUME MapThenSumSet(LAMBDA x : x * x, {1, 2, 3}) = 14
ASSUME FlattenSet({{1}, {2, 3}}) = {1, 2, 3} /\ SymDiff({1, 2}, {2, 3}) = {1, 3}
ASSUME Quantify(1..10, LAMBDA x : x % 3 = 0) = 3
ASSUME kSubset(2, {1, 2, 3}) = {{1, 2}, {1, 3}, {2, 3}}
ASSUME Max({3, 1, 2}) = 3 /\ Min({3, 1, 2}) = 1
ASSUME Choices({{1, 2}, {3}}) = {{1, 3}, {2, 3}}
ASSUME ChooseUnique(1..5, LAMBDA x : x * x = 9) = 3
ASSUME Range(<<1, 1>>) = {1}
====
`
	checkAssumptions(t, "FSE", spec, "= 14", "= 15")
}

// TestTLCGetConfig checks TLCGet("config"), which specs assert on: the mode, the
// workers, and whether deadlock is checked (the -deadlock flag or the
// configuration's CHECK_DEADLOCK).
func TestTLCGetConfig(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		workers    int
		noDeadlock bool
		cfg        string
		mode       string
		deadlock   string
	}{
		{1, false, "", "bfs", "TRUE"},
		{2, true, "", "bfs", "FALSE"},
		{1, false, "CHECK_DEADLOCK FALSE\n", "bfs", "FALSE"},
	} {
		spec := fmt.Sprintf("---- MODULE G ----\nEXTENDS TLC\nASSUME LET c == TLCGet(\"config\") IN c.mode = %q /\\ c.worker = %d /\\ c.deadlock = %s\n"+
			"VARIABLE x\nInit == x = 0\nNext == UNCHANGED x\n====\n", c.mode, c.workers, c.deadlock)
		path := writeFiles(t, dir, [2]string{"G.tla", spec}, [2]string{"G.cfg", "INIT Init\nNEXT Next\n" + c.cfg})
		res, out := checkOutput(t, path, Options{Workers: c.workers, NoDeadlock: c.noDeadlock})
		if res.ExitCode != ExitOK {
			t.Errorf("%+v: exit %d:\n%s", c, res.ExitCode, out)
		}
	}
	path := writeFiles(t, dir, [2]string{"G.tla", "---- MODULE G ----\nEXTENDS TLC\nASSUME TLCGet(\"config\").mode = \"simulate\" /\\ TLCGet(\"config\").depth = 7\nVARIABLE x\nInit == x = 0\nNext == UNCHANGED x\n====\n"},
		[2]string{"G.cfg", "INIT Init\nNEXT Next\n"})
	res, out := checkOutput(t, path, Options{Simulation: &Simulation{Traces: 1, Depth: 7, Seed: 1}})
	if res.ExitCode != ExitOK {
		t.Errorf("simulation: exit %d:\n%s", res.ExitCode, out)
	}
}

// TestCommunitySequencesExt checks the built-in SequencesExt module against what
// each operator means (TLC with the community's own module agrees on every line).
func TestCommunitySequencesExt(t *testing.T) {
	spec := `---- MODULE SE ----
EXTENDS SequencesExt
ASSUME ToSet(<<1, 2, 1>>) = {1, 2} /\ ToBag(<<1, 2, 1>>) = (1 :> 2 @@ 2 :> 1)
ASSUME SetToSeq({3, 1, 2}) = <<1, 2, 3>> /\ Cardinality(SetToSeqs({1, 2, 3})) = 6
ASSUME SetToSortSeq({3, 1, 2}, >) = <<3, 2, 1>> /\ Cardinality(SetToAllKPermutations({1, 2})) = 5
ASSUME TupleOf({0}, 2) = {<<0, 0>>} /\ SeqOf({0}, 2) = {<<>>, <<0>>, <<0, 0>>} /\ BoundedSeq({0}, 1) = {<<>>, <<0>>}
ASSUME Contains(<<1, 2>>, 2) /\ ~Contains(<<1, 2>>, 3) /\ IsSorted(<<1, 2, 2>>, <=) /\ ~IsSorted(<<2, 1>>, <=)
ASSUME Reverse(<<1, 2, 3>>) = <<3, 2, 1>> /\ Remove(<<1, 2, 1>>, 1) = <<2>> /\ ReplaceAll(<<1, 2, 1>>, 1, 0) = <<0, 2, 0>>
ASSUME SelectInSeq(<<5, 6, 5>>, LAMBDA x : x = 5) = 1 /\ SelectLastInSeq(<<5, 6, 5>>, LAMBDA x : x = 5) = 3 /\ SelectInSeq(<<5>>, LAMBDA x : x = 0) = 0
ASSUME SelectInSubSeq(<<5, 6, 5>>, 2, 3, LAMBDA x : x = 5) = 2 /\ SelectLastInSubSeq(<<5, 6, 5, 7>>, 1, 2, LAMBDA x : x = 5) = 1
ASSUME InsertAt(<<1, 3>>, 2, 2) = <<1, 2, 3>> /\ ReplaceAt(<<1, 2>>, 2, 5) = <<1, 5>> /\ RemoveAt(<<1, 2, 3>>, 2) = <<1, 3>>
ASSUME RemoveFirst(<<1, 2, 1>>, 1) = <<2, 1>> /\ RemoveFirst(<<1>>, 7) = <<1>> /\ RemoveFirstMatch(<<1, 2, 3>>, LAMBDA x : x > 1) = <<1, 3>>
ASSUME Cons(0, <<1>>) = <<0, 1>> /\ Snoc(0, <<1>>) = <<1, 0>> /\ Front(<<1, 2>>) = <<1>> /\ Last(<<1, 2>>) = 2
ASSUME IsPrefix(<<1>>, <<1, 2>>) /\ IsPrefix(<<>>, <<>>) /\ ~IsPrefix(<<2>>, <<1, 2>>) /\ IsStrictPrefix(<<1>>, <<1, 2>>) /\ ~IsStrictPrefix(<<1>>, <<1>>)
ASSUME IsSuffix(<<2>>, <<1, 2>>) /\ ~IsSuffix(<<1>>, <<1, 2>>) /\ IsStrictSuffix(<<2>>, <<1, 2>>) /\ ~IsStrictSuffix(<<2>>, <<2>>)
ASSUME Prefixes(<<1, 2>>) = {<<>>, <<1>>, <<1, 2>>} /\ Suffixes(<<1, 2>>) = {<<>>, <<2>>, <<1, 2>>}
ASSUME CommonPrefixes({<<1, 2>>, <<1, 3>>}) = {<<>>, <<1>>} /\ LongestCommonPrefix({<<1, 2>>, <<1, 3>>}) = <<1>>
ASSUME SeqMod(6, 3) = 3 /\ SeqMod(7, 3) = 1
ASSUME FoldSeq(+, 0, <<1, 2, 3>>) = 6 /\ FoldLeft(LAMBDA a, b : a - b, 10, <<1, 2>>) = 7 /\ FoldRight(LAMBDA a, b : a - b, <<1, 2>>, 10) = 9
ASSUME FoldLeftDomain(+, 0, <<7, 7, 7>>) = 6 /\ FoldRightDomain(+, <<7, 7>>, 0) = 3
ASSUME FlattenSeq(<<<<1>>, <<>>, <<2, 3>>>>) = <<1, 2, 3>> /\ FlattenSeq(<<>>) = <<>>
ASSUME Zip(<<1, 2>>, <<3, 4, 5>>) = <<<<1, 3>>, <<2, 4>>>>
ASSUME SubSeqs(<<1, 2>>) = {<<>>, <<1>>, <<2>>, <<1, 2>>}
====
`
	checkAssumptions(t, "SE", spec, "= <<3, 2, 1>> /\\ Remove", "= <<1, 2, 3>> /\\ Remove")
}

// TestLassoClosedInView checks the label of the step that closes a lasso under a
// VIEW: the step reaches a state equal to the first only in the view, and TLC names
// its action all the same. The lines are TLC 2.20's.
func TestLassoClosedInView(t *testing.T) {
	path := writeFiles(t, t.TempDir(), [2]string{"V.tla", `---- MODULE V ----
EXTENDS Naturals
VARIABLES x, y
Init == x = 0 /\ y = 0
Step == x' = x + 1 /\ y' = 1 - y
Next == Step
Spec == Init /\ [][Next]_<<x, y>> /\ WF_<<x, y>>(Next)
Parity == y
Never == <>(y = 2)
====
`}, [2]string{"V.cfg", "SPECIFICATION Spec\nPROPERTY Never\nVIEW Parity\n"})
	res, out := checkOutput(t, path, Options{})
	want := "State 2: <Step line 5, col 9 to line 5, col 32 of module V>\n"
	back := "Back to state 1: <Step line 5, col 9 to line 5, col 32 of module V>\n"
	if res.ExitCode != ExitTemporal || !strings.Contains(out, want) || !strings.Contains(out, back) {
		t.Errorf("exit %d, output\n%s\nwant exit %d and\n%s%s", res.ExitCode, out, ExitTemporal, want, back)
	}
}

// TestMissingInstancedModuleIsParseError checks that a module named by an INSTANCE
// inside a LET is read before the check starts, as SANY reads it: a missing one is a
// parse error, even where no state ever evaluates the LET. The lines are TLC 2.20's.
func TestMissingInstancedModuleIsParseError(t *testing.T) {
	path := writeFiles(t, t.TempDir(), [2]string{"L.tla", "---- MODULE L ----\nVARIABLE x\nInit == x = 0\nNext == UNCHANGED x\nP == LET G == INSTANCE Nowhere IN TRUE\n====\n"},
		[2]string{"L.cfg", "INIT Init\nNEXT Next\n"})
	res, out := checkOutput(t, path, Options{})
	want := "Cannot find source file for module Nowhere imported in module L.\n"
	if res.ExitCode != ExitParse || !strings.Contains(out, want) {
		t.Errorf("exit %d, output\n%s\nwant exit %d and %q", res.ExitCode, out, ExitParse, want)
	}
}

// TestCommunityBitwise checks the built-in Bitwise module: the operators against
// their meaning, over all pairs of small numbers (TLC with the community's own module
// passes the same assumptions).
func TestCommunityBitwise(t *testing.T) {
	spec := "---- MODULE B ----\nEXTENDS Bitwise, Naturals\n" +
		"ASSUME (12 & 10) = 8 /\\ (12 | 10) = 14 /\\ (12 ^^ 10) = 6 /\\ Not(5) = 2 /\\ Not(0) = 0 /\\ shiftR(13, 2) = 3\n" +
		"ASSUME \\A x, y \\in 0..20 : (x ^^ y) ^^ y = x /\\ (x & y) + (x | y) = x + y\n====\n"
	checkAssumptions(t, "B", spec, "Not(5) = 2", "Not(5) = 5")
}

// checkAssumptions checks that the module name, whose text spec holds only ASSUMEs
// about the operators under test, passes, and that it fails once old (an expected
// result) is replaced by new: the assumptions are evaluated, not skipped.
func checkAssumptions(t *testing.T, name, spec, old, new string) {
	t.Helper()
	dir := t.TempDir()
	for _, c := range []struct {
		spec string
		want int
	}{{spec, ExitOK}, {strings.Replace(spec, old, new, 1), ExitAssume}} {
		if c.want == ExitAssume && c.spec == spec {
			t.Fatalf("%q is not in the spec", old)
		}
		path := writeFiles(t, dir, [2]string{name + ".tla", c.spec}, [2]string{name + ".cfg", ""})
		res, out := checkOutput(t, path, Options{})
		if res.ExitCode != c.want {
			t.Errorf("exit %d, want %d:\n%s", res.ExitCode, c.want, out)
		}
	}
}

// checkOutput model-checks the spec at path with opts and returns the result and
// what the check printed.
func checkOutput(t *testing.T, path string, opts Options) (*Result, string) {
	t.Helper()
	var out strings.Builder
	opts.Out = &out
	res, err := CheckFile(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res, out.String()
}

// TestConstantFilterEvaluatedOnce checks that membership in a constant set filter,
// first met in an invariant, keeps the set: its predicate runs for each element
// once in the run (TLC evaluates it once, 3 times here), not again in each of the
// 30 states, whatever the number of workers.
func TestConstantFilterEvaluatedOnce(t *testing.T) {
	path := writeFiles(t, t.TempDir(), [2]string{"CF.tla", `---- MODULE CF ----
EXTENDS Naturals, TLC
VARIABLES x, y
Init == x \in 1..3 /\ y = 0
Next == y < 9 /\ y' = y + 1 /\ UNCHANGED x
Small == {n \in 1..3 : PrintT("pred") /\ n > 0}
Inv == x \in Small
====
`}, [2]string{"CF.cfg", "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n"})
	for _, workers := range []int{1, 2} {
		res, out := checkOutput(t, path, Options{Workers: workers})
		// One element decided alone, then the set built once: 1 + 3.
		if n := strings.Count(out, "\"pred\""); res.ExitCode != ExitOK || res.Distinct != 30 || n > 4 {
			t.Errorf("workers %d: exit %d, %d distinct, predicate evaluated %d times; want 0, 30 and at most 4:\n%s", workers, res.ExitCode, res.Distinct, n, out)
		}
	}
}

// TestFilterOfStateFirstMetOutsideBase checks that a state-reading filter over a
// set too large to build is never built, whichever element it is first asked about:
// here one outside its base, for which the predicate (which reads the state) is not
// evaluated.
func TestFilterOfStateFirstMetOutsideBase(t *testing.T) {
	spec := `---- MODULE FO ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 2 /\ x' = x + 1
Parts == {DP \in SUBSET SUBSET (1..5) : UNION DP = 1..x}
Inv == {{7}} \notin Parts /\ {1..x} \in Parts
====
`
	checkStats(t, "FO", spec, "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n", "3 states generated, 3 distinct states found, 0 states left on queue.")
}

// TestActionArgumentWithoutPrime checks that an operator argument that is an action
// only through the definitions it calls (Guarded(Inc) has no prime of its own) is
// passed by name and enumerated where it is used, as TLC does (tlaplus/Examples'
// LockHS passes NoHistoryChange(l0(self)) so); the counts are TLC 2.20's.
func TestActionArgumentWithoutPrime(t *testing.T) {
	spec := "---- MODULE NS ----\nEXTENDS Naturals\nVARIABLES x, s\nInc == x' = x + 1\nGuarded(A) == A /\\ x < 3\n" +
		"Twice(A) == (s = 0) /\\ A /\\ (s' = s)\nNext == Twice(Guarded(Inc))\nInit == x = 0 /\\ s = 0\n====\n"
	checkStats(t, "NS", spec, "INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n", "4 states generated, 4 distinct states found, 0 states left on queue.")
}

// TestRecursiveFunctionInAction checks that f[a], where f is a LET's recursive
// function with an \E in its body, branches in an action as TLC's does: each
// witness of the \E counts as a generated state (tlaplus/Examples' VoteProof applies
// such a function in SafeAt). The counts are TLC 2.20's.
func TestRecursiveFunctionInAction(t *testing.T) {
	spec := `---- MODULE B ----
EXTENDS Naturals
VARIABLE x
F(n) == LET G[k \in 0..3] == \E i \in 1..5 : i > k IN G[n]
H(n) == \E i \in 1..5 : i > n
A1 == x = 0 /\ (\A i \in 1..5 : i > 0) /\ x' = 1
A2 == x = 0 /\ F(0) /\ x' = 2
A3 == x = 0 /\ H(0) /\ x' = 3
A4 == x = 0 /\ (\A p \in {1, 2} : \A w \in 1..3 : w > 0 => p > 0) /\ x' = 4
Next == A1 \/ A2 \/ A3 \/ A4
Init == x = 0
====
`
	checkStats(t, "B", spec, "INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n", "13 states generated, 5 distinct states found, 0 states left on queue.")
}

// checkStats model-checks a module given as text and checks that it ends with the
// statistics stats ("N states generated, M distinct states found..."), which the
// callers take from TLC.
func checkStats(t *testing.T, name, spec, cfg, stats string) {
	t.Helper()
	if out := checkSource(t, name, spec, cfg); !strings.Contains(out, stats) {
		t.Errorf("want TLC's %q:\n%s", stats, out)
	}
}

// loadModule loads a module with an empty configuration and returns its checker
// and the body of its definition name.
func loadModule(t *testing.T, src, name string) (*checker, *def) {
	t.Helper()
	m, err := parseModule("M.tla", src)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parseConfig("M.cfg", "")
	if err != nil {
		t.Fatal(err)
	}
	ch := &checker{out: io.Discard, cfg: cfg, res: &Result{}}
	if r := ch.load(m, "M.tla"); r != nil {
		t.Fatalf("load: %s", r.Message)
	}
	d := ch.p.root.lookup(name)
	if d == nil {
		t.Fatalf("no definition %s", name)
	}
	return ch, d
}

// TestFieldAccessAllocatesNothing evaluates r.a on a record: the field's name is a
// value made once, when the expression is parsed, not at every access.
func TestFieldAccessAllocatesNothing(t *testing.T) {
	ch, f := loadModule(t, "---- MODULE M ----\nR == [a |-> 1, b |-> 2]\nF == R.b\n====\n", "F")
	body, ok := f.Body.(*dot)
	if !ok {
		t.Fatalf("F's body is %T, want a field access", f.Body)
	}
	if v := ch.c.eval(body, nil, f.scope); v != intV(2) {
		t.Fatalf("R.b = %v, want 2", fmtValue(v))
	}
	if n := testing.AllocsPerRun(100, func() { ch.c.eval(body, nil, f.scope) }); n != 0 {
		t.Errorf("R.b allocates %v times an evaluation", n)
	}
}

// TestParameterBindingsReused checks that a call or LET whose value is a Boolean,
// integer, string or model value leaves its bindings to the next one, and that one
// whose value may keep them (a filter of an infinite set) does not.
func TestParameterBindingsReused(t *testing.T) {
	const src = `---- MODULE M ----
EXTENDS Naturals
P(x) == x > 2
Sum(n) == IF n = 0 THEN 0 ELSE n + Sum(n - 1)
Above(x) == {y \in Nat : y > x}
F == P(5)
G == LET S == Above(3) IN /\ P(7) /\ Sum(4) = 10 /\ 5 \in S /\ ~(2 \in S) /\ Sum(3) = 6 /\ ~(3 \in S)
L == LET a == 2 IN a > 1
Kept == LET k == 3 IN {y \in Nat : y > k}
H == LET S == Kept IN /\ LET j == 7 IN j > 1 /\ 5 \in S /\ ~(3 \in S)
====
`
	ch, f := loadModule(t, src, "F")
	if v := ch.c.eval(f.Body, nil, f.scope); v != boolV(true) {
		t.Fatalf("P(5) = %v", fmtValue(v))
	}
	if n := testing.AllocsPerRun(100, func() { ch.c.eval(f.Body, nil, f.scope) }); n != 0 {
		t.Errorf("P(5) allocates %v times an evaluation", n)
	}
	l := ch.p.root.lookup("L")
	if n := testing.AllocsPerRun(100, func() { ch.c.eval(l.Body, nil, l.scope) }); n != 0 {
		t.Errorf("L allocates %v times an evaluation", n)
	}
	for _, name := range []string{"G", "H"} {
		func() {
			defer func() {
				if x := recover(); x != nil {
					t.Errorf("%s failed: %v: a kept filter lost its binding to a later call", name, x)
				}
			}()
			d := ch.p.root.lookup(name)
			if v := ch.c.eval(d.Body, nil, d.scope); v != boolV(true) {
				t.Errorf("%s = %v: a kept filter lost its binding to a later call", name, fmtValue(v))
			}
		}()
	}
}

// TestConstantLetKept checks which LET definitions are kept as constants across
// evaluations (keepLetConst): one that names nothing bound around it and reads no
// state is; one that names a parameter, a sibling, a bound variable or @, or whose
// value keeps an environment, is not.
func TestConstantLetKept(t *testing.T) {
	const src = `---- MODULE M ----
EXTENDS Naturals, FiniteSets
Const(p) == LET n == {x \in {-1, 0, 1} \X {-1, 0, 1} : x /= <<0, 0>>} IN Cardinality(n) + p
Param(p) == LET a == p + 1 IN a
Sibling(p) == LET a == p  b == {a, 9} IN Cardinality(b)
Lazy(p) == LET s == {k \in Nat : k > 3} IN p \in s
G == /\ Const(1) = 9 /\ Const(2) = 10
     /\ Param(1) = 2 /\ Param(2) = 3
     /\ Sibling(1) = 2 /\ Sibling(9) = 1
     /\ Lazy(1) = FALSE /\ Lazy(5) = TRUE
====
`
	ch, g := loadModule(t, src, "G")
	for range 2 {
		if v := ch.c.eval(g.Body, nil, g.scope); v != boolV(true) {
			t.Fatalf("G = %v", fmtValue(v))
		}
	}
	for name, kept := range map[string][]bool{"Const": {true}, "Param": {false}, "Sibling": {false, false}, "Lazy": {false}} {
		l, ok := ch.p.root.lookup(name).Body.(*let)
		if !ok {
			t.Fatalf("%s's body is not a LET", name)
		}
		for i, d := range l.Defs {
			if got := d.letConst != nil; got != kept[i] {
				t.Errorf("%s's %s kept: %v, want %v", name, d.Name, got, kept[i])
			}
		}
	}
}

// TestConstantLetEffects checks that a LET definition that prints or draws at random
// is evaluated each time, as TLC evaluates it, and that one naming an instance's
// constant is kept per instance.
func TestConstantLetEffects(t *testing.T) {
	path := writeFiles(t, t.TempDir(), [2]string{"LE.tla", `---- MODULE LE ----
EXTENDS Naturals, FiniteSets, TLC
VARIABLES x, y
P(k) == INSTANCE Inner WITH K <- k
Init == x = 0 /\ y = {}
Next == /\ x < 3 /\ x' = x + 1
        /\ y' = y \cup {LET r == RandomElement(1..1000000) IN r}
Inv == /\ LET m == PrintT("evaluated") IN m
       /\ Cardinality(y) = x
       /\ P(x)!Get = 10 * x
====
`}, [2]string{"Inner.tla", "---- MODULE Inner ----\nEXTENDS Naturals\nCONSTANT K\nGet == LET c == 10 * K IN c\n====\n"},
		[2]string{"LE.cfg", "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n"})
	res, out := checkOutput(t, path, Options{})
	if n := strings.Count(out, `"evaluated"`); res.ExitCode != ExitOK || res.Distinct != 4 || n != 4 {
		t.Errorf("exit %d, %d distinct, the LET printed %d times; want 0, 4 and 4 (once a state):\n%s", res.ExitCode, res.Distinct, n, out)
	}
}

// TestFilterOverLargeSetStreamed checks that a filter over a record set or a product
// too large to keep, whose elements are built one at a time rather than listed first,
// yields the set in the normalized order: equal to the same set built another way
// (each side normalized on its own), and with every element found by membership.
func TestFilterOverLargeSetStreamed(t *testing.T) {
	spec := `---- MODULE FS ----
EXTENDS Naturals, FiniteSets
VARIABLES r, p
R == [zb : 0..299, a : {"v", "u"} \X (0..149)]
P == (0..299) \X {"v", "u"} \X (0..149)
Init == /\ r = {x \in R : x.zb % 97 = 0 /\ x.a[2] % 50 = 1}
        /\ p = {t \in P : t[1] % 97 = 0 /\ t[3] % 50 = 1}
Next == UNCHANGED <<r, p>>
Inv == /\ r = {[a |-> <<s, m>>, zb |-> n] : n \in {0, 97, 194, 291}, s \in {"u", "v"}, m \in {1, 51, 101}}
       /\ p = {<<n, s, m>> : n \in {0, 97, 194, 291}, s \in {"u", "v"}, m \in {1, 51, 101}}
       /\ Cardinality(r) = 24 /\ Cardinality(p) = 24
       /\ \A x \in r : x \in r /\ <<x.zb, x.a[1], x.a[2]>> \in p
       /\ [zb |-> 291, a |-> <<"v", 101>>] \in r /\ <<0, "u", 1>> \in p
====
`
	checkStats(t, "FS", spec, "INIT Init\nNEXT Next\nINVARIANT Inv\n", "2 states generated, 1 distinct states found, 0 states left on queue.")
}
