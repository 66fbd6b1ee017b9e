package tla

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// parallelCase is a spec with one of its configurations.
type parallelCase struct {
	name, spec, cfg string
	noDeadlock      bool
	big             bool // over 10^4 states: fewer runs, no dot dump or graph
}

// parallelCases lists the corpus, the specs made for the parallel search (whose
// outcome depends on evaluation order, or that stop in the middle of a large level),
// and the project's spec with its mutants (liveness included).
func parallelCases(t *testing.T) []parallelCase {
	t.Helper()
	var cases []parallelCase
	dir := corpusDir
	exp, err := readCorpus()
	if err != nil {
		t.Fatalf("the corpus is needed: %v", err)
	}
	for name, e := range exp {
		c := parallelCase{name: "corpus/" + name, spec: filepath.Join(dir, name, name+".tla"), big: e.Distinct > 10000}
		for _, f := range e.Flags {
			if f == "-deadlock" {
				c.noDeadlock = true
			}
		}
		cases = append(cases, c)
	}
	pdir := filepath.Join("testdata", "parallel")
	cfgs, err := filepath.Glob(filepath.Join(pdir, "*.cfg"))
	if err != nil || len(cfgs) == 0 {
		t.Fatalf("no configurations in %s: %v", pdir, err)
	}
	for _, cfg := range cfgs {
		base := strings.TrimSuffix(filepath.Base(cfg), ".cfg")
		spec := filepath.Join(pdir, base+".tla")
		if strings.HasPrefix(base, "Grid") {
			spec = filepath.Join(pdir, "Grid.tla")
		}
		cases = append(cases, parallelCase{name: "parallel/" + base, spec: spec, cfg: cfg})
	}
	proj := filepath.Join("..", "spec", projectModule+".tla")
	if _, err := os.Stat(proj); err != nil {
		t.Fatalf("the project spec is needed: %v", err)
	}
	cases = append(cases, parallelCase{name: "spec/" + projectModule, spec: proj})
	mutants, _ := filepath.Glob(filepath.Join("..", "spec", "mutants", "*", projectModule+".tla"))
	for _, m := range mutants {
		cases = append(cases, parallelCase{name: "mutant/" + filepath.Base(filepath.Dir(m)), spec: m})
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].name < cases[j].name })
	return cases
}

// parallelRun is everything a check reports.
type parallelRun struct {
	res   *Result
	out   string // output, times removed
	dot   string // -dump dot
	graph *Graph // StateGraph, nil when the check fails
}

var (
	clockTimes  = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)
	elapsed     = regexp.MustCompile(`in (\d+min )?\d+s at`)
	workerCount = regexp.MustCompile(`search with \d+ workers?`)
)

func runParallelCase(t *testing.T, c parallelCase, workers, batch int, withGraph bool) parallelRun {
	t.Helper()
	var out, dot bytes.Buffer
	opts := Options{Config: c.cfg, NoDeadlock: c.noDeadlock, Workers: workers, batch: batch, Out: &out}
	if !c.big {
		opts.DumpDot = &dot
	}
	res, err := CheckFile(context.Background(), c.spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	o := clockTimes.ReplaceAllString(out.String(), "TIME")
	o = elapsed.ReplaceAllString(o, "in ELAPSED at")
	o = workerCount.ReplaceAllString(o, "search with WORKERS")
	var lines []string
	for _, l := range strings.SplitAfter(o, "\n") {
		if !strings.HasPrefix(l, "Progress: ") {
			lines = append(lines, l)
		}
	}
	run := parallelRun{res: res, out: strings.Join(lines, ""), dot: dot.String()}
	if !withGraph || c.big || res.ExitCode != ExitOK {
		return run
	}
	g, gres, err := StateGraph(context.Background(), c.spec, Options{Config: c.cfg, NoDeadlock: c.noDeadlock, Workers: workers, batch: batch})
	if err != nil {
		t.Fatal(err)
	}
	if gres.ExitCode != res.ExitCode {
		t.Errorf("StateGraph exit %d, CheckFile %d", gres.ExitCode, res.ExitCode)
	}
	run.graph = g
	return run
}

// TestParallelSameAsOneWorker checks every spec with 2 and 3 workers and requires the
// single-worker result: output line for line (counts, verdict, messages, traces with
// their actions), the Result (exit code, violated name, trace values, depth), the dot
// dump and, for one configuration, the state graph. Small batches are dealt round
// robin, so consecutive states go to different workers and each worker expands
// several states of a batch; the default batch is checked too. The largest specs run once more, with 2 workers.
func TestParallelSameAsOneWorker(t *testing.T) {
	for _, c := range parallelCases(t) {
		t.Run(c.name, func(t *testing.T) {
			if c.big && testing.Short() {
				t.Skip("SKIPPING in -short: over 10^4 states")
			}
			// StateGraph enumerates Next again, with TLCGet registers unset
			graph := c.name != "parallel/Registers"
			one := runParallelCase(t, c, 1, 0, graph)
			configs := []struct{ workers, batch int }{{2, 1}, {3, 2}, {2, 64}, {2, 0}}
			if c.big {
				configs = configs[3:]
			}
			for i, cf := range configs {
				got := runParallelCase(t, c, cf.workers, cf.batch, graph && i == 0)
				if i > 0 {
					got.graph = one.graph
				}
				diffParallel(t, fmt.Sprintf("workers %d batch %d", cf.workers, cf.batch), one, got)
			}
		})
	}
}

func diffParallel(t *testing.T, what string, want, got parallelRun) {
	t.Helper()
	if got.out != want.out {
		t.Errorf("%s: output differs from one worker's\n--- one worker:\n%s\n--- %s:\n%s", what, want.out, what, got.out)
	}
	if !reflect.DeepEqual(got.res, want.res) {
		t.Errorf("%s: result differs from one worker's:\n%+v\n%+v", what, got.res, want.res)
	}
	if got.dot != want.dot {
		t.Errorf("%s: dot dump differs from one worker's (%d vs %d bytes)", what, len(got.dot), len(want.dot))
	}
	if !reflect.DeepEqual(got.graph, want.graph) {
		t.Errorf("%s: state graph differs from one worker's", what)
	}
}

// TestCheckedOutcomesByKey records outcomes of different keys under one fingerprint
// and finds each by its key, never another's; a new batch forgets them.
func TestCheckedOutcomesByKey(t *testing.T) {
	w := &pworker{}
	w.reset()
	const fp = 42
	a, b := w.add([]byte("state a")), w.add([]byte("state b"))
	w.recordChecked(fp, checkedSucc{key: a, flags: succOutside, depth: 1})
	w.recordChecked(fp, checkedSucc{key: b, depth: 2})
	w.recordChecked(fp+1, checkedSucc{key: w.add([]byte("state c")), depth: 3})
	for _, c := range []struct {
		key   string
		depth int32
	}{{"state a", 1}, {"state b", 2}} {
		o, ok := w.lookupChecked(fp, []byte(c.key))
		if !ok || o.depth != c.depth || string(o.key.in(w.arena)) != c.key {
			t.Errorf("%s: outcome %+v %v, want depth %d", c.key, o, ok, c.depth)
		}
	}
	if o, ok := w.lookupChecked(fp, []byte("state c")); ok {
		t.Errorf("state c found under another fingerprint: %+v", o)
	}
	w.reset()
	if o, ok := w.lookupChecked(fp, []byte("state a")); ok {
		t.Errorf("outcome kept across batches: %+v", o)
	}
}
