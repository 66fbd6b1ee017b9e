package tla

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// covLines returns the action lines of the last coverage report in out.
func covLines(t *testing.T, out string) []string {
	t.Helper()
	i := strings.LastIndex(out, "The coverage statistics at ")
	if i < 0 {
		t.Fatalf("no coverage report:\n%s", out)
	}
	var lines []string
	for _, l := range strings.Split(out[i:], "\n")[1:] {
		if l == "End of statistics." {
			return lines
		}
		lines = append(lines, l)
	}
	t.Fatalf("the coverage report does not end:\n%s", out[i:])
	return nil
}

// TestCoverage compares the action lines of the coverage report with TLC's (2.20,
// -workers 1 -coverage 1; TLC's expression and variable lines are not printed):
// actions in the order of their definitions, one never enabled (0:0), disjuncts of
// Next located by their own span, a LET body as a part of its definition.
func TestCoverage(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "Cov.tla")
	writeFile(t, spec, `---- MODULE Cov ----
EXTENDS Naturals
VARIABLES x, y
Init == x \in 0..1 /\ y = 0
Inc(k) == x < 4 /\ x' = x + k /\ UNCHANGED y
Never == x > 10 /\ x' = 0 /\ UNCHANGED y
Next == \/ \E k \in 1..2 : Inc(k)
        \/ Never
        \/ y < 2 /\ y' = y + 1 /\ UNCHANGED x
        \/ x = 4 /\ x' = 0 /\ y' = 0
====
`)
	// With deadlock checking on, TLC 2.20's counts exceed the states it generates
	// (Init 6:6 for two initial states): it counts evaluations made for other
	// purposes too. Without it they are the counts below.
	writeFile(t, filepath.Join(dir, "Cov.cfg"), "INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n")
	cases := []struct {
		spec string
		tlc  []string
	}{
		{spec, []string{
			"<Init line 4, col 1 to line 4, col 4 of module Cov>: 2:2",
			"<Inc line 5, col 1 to line 5, col 6 of module Cov>: 4:24",
			"<Never line 6, col 1 to line 6, col 5 of module Cov>: 0:0",
			"<Next line 7, col 1 to line 7, col 4 of module Cov (9 12 9 45)>: 12:12",
			"<Next line 7, col 1 to line 7, col 4 of module Cov (10 12 10 36)>: 0:3",
		}},
		{filepath.Join(corpusDir, "TwoPhase", "TwoPhase.tla"), []string{ // with SYMMETRY
			"<Init line 23, col 1 to line 23, col 4 of module TwoPhase>: 1:1",
			"<VoteYes line 29, col 1 to line 29, col 10 of module TwoPhase>: 21:66",
			"<VoteNo line 35, col 1 to line 35, col 9 of module TwoPhase>: 43:66",
			"<Receive line 41, col 1 to line 41, col 10 of module TwoPhase>: 13:42",
			"<Decide line 48, col 1 to line 48, col 6 of module TwoPhase>: 1:1",
			"<GiveUp line 54, col 1 to line 54, col 6 of module TwoPhase>: 14:35",
			"<Learn line 59, col 1 to line 59, col 8 of module TwoPhase>: 66:141",
		}},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.spec), func(t *testing.T) {
			for _, workers := range []int{1, 2} {
				var out strings.Builder
				res, err := CheckFile(context.Background(), c.spec, Options{Out: &out, Coverage: time.Minute, Workers: workers})
				if err != nil {
					t.Fatal(err)
				}
				if res.ExitCode != ExitOK {
					t.Fatalf("exit %d:\n%s", res.ExitCode, out.String())
				}
				if got := covLines(t, out.String()); strings.Join(got, "\n") != strings.Join(c.tlc, "\n") {
					t.Errorf("-workers %d: coverage\n%s\nTLC's\n%s", workers, strings.Join(got, "\n"), strings.Join(c.tlc, "\n"))
				}
			}
		})
	}
}

// TestCoveragePeriodic checks that the report is printed during the search when it
// is due, and that the final report accounts for every state: the actions' counts
// add up to the run's distinct and generated states.
func TestCoveragePeriodic(t *testing.T) {
	var out strings.Builder
	res, err := CheckFile(context.Background(), filepath.Join(corpusDir, "BenchSliding", "BenchSliding.tla"), Options{Out: &out, Coverage: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != ExitOK {
		t.Fatalf("exit %d:\n%s", res.ExitCode, out.String())
	}
	if n := strings.Count(out.String(), "The coverage statistics at "); n < 3 {
		t.Errorf("%d coverage reports for %d expanded states, want one every 4096 and one at the end", n, res.Distinct)
	}
	end := strings.LastIndex(out.String(), "End of statistics.")
	if !strings.HasPrefix(out.String()[end:], "End of statistics.\n"+strconv.FormatInt(res.Generated, 10)+" states generated") {
		t.Errorf("the last report is not just before the statistics line:\n%s", out.String()[end:])
	}
	counts := regexp.MustCompile(`>: (\d+):(\d+)$`)
	var distinct, generated int64
	for _, l := range covLines(t, out.String()) {
		m := counts.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("not an action line: %q", l)
		}
		d, _ := strconv.ParseInt(m[1], 10, 64)
		g, _ := strconv.ParseInt(m[2], 10, 64)
		distinct, generated = distinct+d, generated+g
	}
	if distinct != res.Distinct || generated != res.Generated {
		t.Errorf("the actions found %d distinct and generated %d states; the run %d and %d", distinct, generated, res.Distinct, res.Generated)
	}
}
