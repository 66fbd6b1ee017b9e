package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"
)

// largeModel is a model of tlaplus/Examples: its spec and config, as paths under
// the checkout's specifications directory, and the flags TLC was given.
type largeModel struct {
	dir, spec, cfg string
	flags          []string
}

// largeModels are models of tlaplus/Examples where a checker's memory per state and
// throughput decide: these, with up to 10^6 distinct states and minutes of TLC's
// time, and every model of the checker's recorded corpus with 10^5 distinct states or
// more (corpusLarge).
var largeModels = []largeModel{
	{dir: "lamport_mutex", spec: "MCLamportMutex.tla", cfg: "MCLamportMutex.cfg"},
	{dir: "CheckpointCoordination", spec: "MCCheckpointCoordination.tla", cfg: "MCCheckpointCoordination.cfg"},
	{dir: "SimplifiedFastPaxos", spec: "Paxos.tla", cfg: "Paxos.cfg"},
	{dir: "MultiPaxos-SMR", spec: "MultiPaxos_MC.tla", cfg: "MultiPaxos_MC_small.cfg"},
	{dir: "GameOfLife", spec: "GameOfLife.tla", cfg: "GameOfLife.cfg"},
}

// corpusExpected is the checker's record of TLC's results on tlaplus/Examples models.
const corpusExpected = "../../tla/testdata/examples/expected.json"

// corpusLarge are the models of the recorded corpus with at least 10^5 distinct
// states that largeModels does not already name.
func corpusLarge(b *testing.B) []largeModel {
	raw, err := os.ReadFile(corpusExpected)
	if err != nil {
		b.Fatal(err)
	}
	var exp map[string]struct {
		Spec     string   `json:"spec"`
		Config   string   `json:"config"`
		Flags    []string `json:"flags"`
		Distinct int64    `json:"distinct"`
	}
	if err := json.Unmarshal(raw, &exp); err != nil {
		b.Fatalf("%s: %v", corpusExpected, err)
	}
	var out []largeModel
	for _, name := range slices.Sorted(maps.Keys(exp)) {
		e := exp[name]
		if e.Distinct < 100_000 {
			continue
		}
		m := largeModel{dir: filepath.Dir(strings.TrimPrefix(e.Spec, "specifications/")), spec: filepath.Base(e.Spec), cfg: e.Config, flags: e.Flags}
		if !slices.ContainsFunc(largeModels, func(l largeModel) bool { return l.dir == m.dir && l.cfg == m.cfg }) {
			out = append(out, m)
		}
	}
	return out
}

var statsLine = regexp.MustCompile(`(?m)^([\d,]+) states generated, ([\d,]+) distinct states found, \d+ states left on queue\.`)

// engineRun is one run of a checker as a separate process.
type engineRun struct {
	generated, distinct int64
	exit                int
	wall                time.Duration
	rssKB               int64 // peak resident set size
}

// BenchmarkLargeModels runs tlacheck (1 and 2 workers) and, when the official jar is
// present (TLA2TOOLS_JAR, default /opt/tla/tla2tools.jar), TLC with one worker on the
// large models of a tlaplus/Examples checkout (TLA_EXAMPLES, its root directory), each
// as its own process, one after the other, and prints wall time, peak RSS and peak RSS
// per distinct state side by side. The counts of every run must agree.
//
//	TLA_EXAMPLES=~/Examples go test -run '^$' -bench BenchmarkLargeModels -benchtime 1x ./cmd/tlacheck
func BenchmarkLargeModels(b *testing.B) {
	root := os.Getenv("TLA_EXAMPLES")
	if root == "" {
		b.Skip("SKIPPING: set TLA_EXAMPLES to a checkout of github.com/tlaplus/Examples")
	}
	bin := filepath.Join(b.TempDir(), "tlacheck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	jar := os.Getenv("TLA2TOOLS_JAR")
	if jar == "" {
		jar = "/opt/tla/tla2tools.jar"
	}
	noTLC := ""
	if _, err := os.Stat(jar); err != nil {
		noTLC = fmt.Sprintf("no TLC jar (set TLA2TOOLS_JAR): %v", err)
	} else if _, err := exec.LookPath("java"); err != nil {
		noTLC = fmt.Sprintf("no java on PATH: %v", err)
	}
	type row struct {
		name          string
		tlc, go1, go2 engineRun
	}
	var rows []row
	loadBefore := loadAverage()
	for _, m := range append(slices.Clone(largeModels), corpusLarge(b)...) {
		dir := filepath.Join(root, "specifications", m.dir)
		if _, err := os.Stat(filepath.Join(dir, m.spec)); err != nil {
			b.Fatalf("%s: %v", m.spec, err)
		}
		name := strings.TrimSuffix(m.cfg, ".cfg")
		b.Run(name, func(b *testing.B) {
			r := row{name: name}
			for b.Loop() {
				if noTLC == "" {
					args := append([]string{"-XX:+UseParallelGC", "-cp", jar, "tlc2.TLC", "-workers", "1",
						"-noGenerateSpecTE", "-metadir", b.TempDir()}, m.flags...)
					r.tlc = runEngine(b, dir, "java", append(args, "-config", m.cfg, m.spec)...)
				}
				for _, w := range []struct {
					run *engineRun
					n   string
				}{{&r.go1, "1"}, {&r.go2, "2"}} {
					args := append(append([]string{"-workers", w.n}, m.flags...), "-config", m.cfg, m.spec)
					*w.run = runEngine(b, dir, bin, args...)
				}
			}
			for _, o := range []engineRun{r.go2, r.tlc} {
				if o.distinct != 0 && (o.distinct != r.go1.distinct || o.generated != r.go1.generated || o.exit != r.go1.exit) {
					b.Fatalf("runs disagree: tlacheck -workers 1 %+v, other %+v", r.go1, o)
				}
			}
			// the benchmark's own line carries the row too, so a run cut short still
			// shows the models it finished
			b.ReportMetric(float64(r.go1.distinct), "distinct")
			b.ReportMetric(float64(r.go1.rssKB*1024)/float64(max(1, r.go1.distinct)), "rssB/state")
			b.ReportMetric(float64(r.go2.rssKB*1024)/float64(max(1, r.go2.distinct)), "rss2B/state")
			b.ReportMetric(r.tlc.wall.Seconds(), "tlc-s")
			b.ReportMetric(r.go1.wall.Seconds(), "go-s")
			b.ReportMetric(r.go2.wall.Seconds(), "go2-s")
			rows = append(rows, r)
		})
	}
	fmt.Println()
	if noTLC != "" {
		fmt.Printf("TLC COLUMNS SKIPPED: %s\n", noTLC)
	}
	fmt.Println("large models, each run a fresh process, one after the other; RSS is the peak resident set, B/state is it over distinct states")
	// the machine may be shared: the load says how far the wall times are to be trusted
	fmt.Printf("load average (1, 5, 15 min) before: %s, after: %s\n", loadBefore, loadAverage())
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "model\tdistinct\ttlc wall\tgo wall\tgo -workers 2\tgo/tlc\t1w/2w\ttlc RSS MB\tgo RSS MB\tgo2 RSS MB\ttlc B/state\tgo B/state\tgo2 B/state\t")
	for _, r := range rows {
		mb := func(e engineRun) string {
			if e.rssKB == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1f", float64(e.rssKB)/1024)
		}
		perState := func(e engineRun) string {
			if e.rssKB == 0 || e.distinct == 0 {
				return "-"
			}
			return fmt.Sprintf("%.0f", float64(e.rssKB*1024)/float64(e.distinct))
		}
		tlcWall, ratio := "-", "-"
		if r.tlc.wall > 0 {
			tlcWall = r.tlc.wall.Round(10 * time.Millisecond).String()
			ratio = fmt.Sprintf("%.2f", float64(r.go1.wall)/float64(r.tlc.wall))
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.name, r.go1.distinct, tlcWall,
			r.go1.wall.Round(10*time.Millisecond), r.go2.wall.Round(10*time.Millisecond), ratio,
			float64(r.go1.wall)/float64(r.go2.wall), mb(r.tlc), mb(r.go1), mb(r.go2), perState(r.tlc), perState(r.go1), perState(r.go2))
	}
	w.Flush()
}

// loadAverage returns the system's load averages over 1, 5 and 15 minutes, or "-"
// where the system does not say.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "-"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "-"
	}
	return strings.Join(f[:3], " ")
}

// runEngine runs a checker in dir and returns its counts, exit code, wall time and
// peak RSS.
func runEngine(b *testing.B, dir, name string, args ...string) engineRun {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r := engineRun{wall: time.Since(start)}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		b.Fatalf("%s: %v", name, err)
	}
	r.exit = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.rssKB = ru.Maxrss
	}
	m := statsLine.FindSubmatch(out)
	if m == nil {
		b.Fatalf("%s %s: no statistics line (%v):\n%s", name, strings.Join(args, " "), err, out)
	}
	r.generated, _ = strconv.ParseInt(strings.ReplaceAll(string(m[1]), ",", ""), 10, 64)
	r.distinct, _ = strconv.ParseInt(strings.ReplaceAll(string(m[2]), ",", ""), 10, 64)
	return r
}

// syntheticSpec has N^4 distinct states (four counters modulo N, one stepping at a
// time) and 4·N^4+1 generated: with N = 85, 52,200,625 distinct states.
const syntheticSpec = `---- MODULE Big ----
EXTENDS Naturals
CONSTANT N
VARIABLES a, b, c, d
Init == a = 0 /\ b = 0 /\ c = 0 /\ d = 0
Next == \/ a' = (a + 1) % N /\ UNCHANGED <<b, c, d>>
        \/ b' = (b + 1) % N /\ UNCHANGED <<a, c, d>>
        \/ c' = (c + 1) % N /\ UNCHANGED <<a, b, d>>
        \/ d' = (d + 1) % N /\ UNCHANGED <<a, b, c>>
Inv == a + b + c + d < 4 * N
====
`

// BenchmarkSynthetic50M checks a model of 52 million distinct states with one worker
// and reports its wall time and peak RSS. It takes minutes and about 1.5 GB, so it
// runs only when TLACHECK_BIG=1.
//
//	TLACHECK_BIG=1 go test -run '^$' -bench BenchmarkSynthetic50M -benchtime 1x -timeout 60m ./cmd/tlacheck
func BenchmarkSynthetic50M(b *testing.B) {
	if os.Getenv("TLACHECK_BIG") != "1" {
		b.Skip("SKIPPING: set TLACHECK_BIG=1 to check a model of 52 million states")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "tlacheck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "Big.tla"), []byte(syntheticSpec), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Big.cfg"), []byte("CONSTANT N = 85\nINIT Init\nNEXT Next\nINVARIANT Inv\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	var r engineRun
	for b.Loop() {
		r = runEngine(b, dir, bin, "Big.tla")
	}
	const n = 85 * 85 * 85 * 85
	if r.exit != 0 || r.distinct != n || r.generated != 4*n+1 {
		b.Fatalf("exit %d, %d generated, %d distinct; want 0, %d, %d", r.exit, r.generated, r.distinct, 4*n+1, n)
	}
	b.ReportMetric(float64(r.distinct), "distinct")
	b.ReportMetric(float64(r.rssKB)/1024, "rssMB")
	b.ReportMetric(float64(r.rssKB*1024)/float64(r.distinct), "rssB/state")
	fmt.Printf("\nsynthetic model: %d distinct states in %s, peak RSS %.0f MB (%.1f bytes a state)\n",
		r.distinct, r.wall.Round(time.Second), float64(r.rssKB)/1024, float64(r.rssKB*1024)/float64(r.distinct))
}
