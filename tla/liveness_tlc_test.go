package tla

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestLivenessAgainstTLC generates random small specs with random fairness and random
// temporal properties, and compares the verdict and the counts with the official TLC.
// It runs only when TLA_DIFF_TLC names how many specs to try (each starts a JVM), and
// the jar is present (TLA2TOOLS_JAR, default /opt/tla/tla2tools.jar).
//
// One kind of difference is expected and only logged: TLC reports a violating prefix
// with exit code 12 where the property holds (see tlcSafetyPrefix).
func TestLivenessAgainstTLC(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("TLA_DIFF_TLC"))
	if n <= 0 {
		t.Skip("SKIPPING: set TLA_DIFF_TLC=N to compare N random specs with TLC")
	}
	jar := os.Getenv("TLA2TOOLS_JAR")
	if jar == "" {
		jar = "/opt/tla/tla2tools.jar"
	}
	if _, err := os.Stat(jar); err != nil {
		t.Skipf("SKIPPING: no TLC jar: %v", err)
	}
	seed := int64(1)
	if s, err := strconv.ParseInt(os.Getenv("TLA_DIFF_SEED"), 10, 64); err == nil {
		seed = s
	}
	tlcStates := regexp.MustCompile(`(?m)^State \d+: <`) // not the closing "State k: Stuttering"
	stats := regexp.MustCompile(`(?m)^(\d+) states generated, (\d+) distinct states found, (\d+) states left on queue\.$`)
	falseAlarms := 0
	for i := 0; i < n; i++ {
		s := seed + int64(i)
		dir := t.TempDir()
		spec := filepath.Join(dir, "R.tla")
		writeFile(t, spec, randomLiveSpec(rand.New(rand.NewSource(s))))
		writeFile(t, filepath.Join(dir, "R.cfg"), "SPECIFICATION Spec\nPROPERTY Prop\nCHECK_DEADLOCK FALSE\n")
		var out strings.Builder
		res, err := CheckFile(context.Background(), spec, Options{Out: &out})
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("java", "-XX:+UseParallelGC", "-cp", jar, "tlc2.TLC", "-workers", "1",
			"-noGenerateSpecTE", "-metadir", filepath.Join(dir, "states"), "-config", "R.cfg", "R.tla")
		cmd.Dir = dir
		tlcOut, _ := cmd.CombinedOutput()
		tlcExit := cmd.ProcessState.ExitCode()
		ours := stats.FindStringSubmatch(out.String())
		theirs := stats.FindStringSubmatch(string(tlcOut))
		same := res.ExitCode == tlcExit && fmt.Sprint(ours) == fmt.Sprint(theirs)
		if res.Violation == "temporal" && tlcExit == ExitTemporal {
			// the counterexample must be a real one and no longer than TLC's
			verifyLasso(t, spec, "", res)
			if n := len(tlcStates.FindAllString(string(tlcOut), -1)); len(res.Trace) > n {
				t.Errorf("seed %d: counterexample of %d states, TLC's %d", s, len(res.Trace), n)
			}
		}
		switch {
		case same:
		case tlcExit == ExitInvariant && res.ExitCode == ExitOK:
			falseAlarms++
			t.Logf("seed %d: TLC reports a violating prefix, the property holds here", s)
		default:
			src, _ := os.ReadFile(spec)
			t.Errorf("seed %d: exit %d %v, TLC exit %d %v\n%s", s, res.ExitCode, ours, tlcExit, theirs, src)
		}
	}
	t.Logf("%d specs compared with TLC, %d TLC false alarms", n, falseAlarms)
}

// randomLiveSpec writes a spec over x \in 0..2, y \in 0..1 with a few guarded actions,
// random WF/SF, and a property drawn from the temporal forms real specs use.
func randomLiveSpec(r *rand.Rand) string {
	pred := func() string {
		v, k := "x", r.Intn(3)
		if r.Intn(2) == 0 {
			v, k = "y", r.Intn(2)
		}
		return fmt.Sprintf("(%s %s %d)", v, []string{"=", "#"}[r.Intn(2)], k)
	}
	sp := func() string {
		if r.Float64() < 0.3 {
			return "(" + pred() + " /\\ " + pred() + ")"
		}
		return pred()
	}
	n := 2 + r.Intn(3)
	var b strings.Builder
	b.WriteString("---- MODULE R ----\nEXTENDS Naturals\nVARIABLES x, y\nvars == <<x, y>>\n")
	fmt.Fprintf(&b, "Init == x = %d /\\ y \\in {0, %d}\n", r.Intn(3), r.Intn(2))
	var acts, fair []string
	for i := 0; i < n; i++ {
		var a string
		switch r.Intn(3) {
		case 0:
			a = fmt.Sprintf("x' = (x + %d) %% 3 /\\ UNCHANGED y", 1+r.Intn(2))
		case 1:
			a = "y' = 1 - y /\\ UNCHANGED x"
		default:
			a = fmt.Sprintf("x' \\in {%d, %d} /\\ y' = %d", r.Intn(3), r.Intn(3), r.Intn(2))
		}
		fmt.Fprintf(&b, "A%d == %s /\\ %s\n", i, sp(), a)
		acts = append(acts, fmt.Sprintf("A%d", i))
		switch f := r.Float64(); {
		case f < 0.3:
			fair = append(fair, fmt.Sprintf("WF_vars(A%d)", i))
		case f < 0.5:
			fair = append(fair, fmt.Sprintf("SF_vars(A%d)", i))
		}
	}
	if r.Float64() < 0.2 {
		fair = append(fair, "WF_vars(Next)")
	}
	fmt.Fprintf(&b, "Next == %s\n", strings.Join(acts, " \\/ "))
	fmt.Fprintf(&b, "Spec == Init /\\ [][Next]_vars%s\n", strings.Join(append([]string{""}, fair...), " /\\ "))
	var prop func(depth int) string
	prop = func(depth int) string {
		p, q := sp(), sp()
		forms := []string{
			"<>" + p, "[]<>" + p, "<>[]" + p, p + " ~> " + q, p + " => <>" + q, "[](" + p + " => <>" + q + ")",
			"<>[]" + p + " => []<>" + q, fmt.Sprintf("[]<><<A%d>>_vars", r.Intn(n)), "[]<>" + p + " => <>[]" + q,
			"~<>[]" + p, p + " => []" + q, "IF " + p + " THEN []" + q + " ELSE <>" + sp(),
			"[](" + p + " => [](~" + q + "))", "<>" + p + " /\\ [](" + q + " => []" + sp() + ")",
			"[](ENABLED A0 => <>" + p + ")", "<>[](ENABLED A1) => []<><<A1>>_vars",
			"\\A k \\in 0..1 : (y = k) ~> (y # k)", "<>[][" + p + " => " + q + "']_vars",
		}
		f := forms[r.Intn(len(forms))]
		if depth == 0 && r.Float64() < 0.2 {
			f = "(" + f + ") /\\ (" + prop(1) + ")"
		}
		if depth == 0 && r.Float64() < 0.1 {
			f = "(" + f + ") \\/ (" + prop(1) + ")"
		}
		return f
	}
	fmt.Fprintf(&b, "Prop == %s\n====\n", prop(0))
	return b.String()
}
