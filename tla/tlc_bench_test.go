package tla

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"
)

// vsTLCSpecs are the corpus specs BenchmarkVsTLC compares: small ones, where TLC's
// cost is mostly the JVM starting, and ones of 10^4 to 10^5 distinct states, where
// throughput decides.
var vsTLCSpecs = []string{
	"DieHard",
	"Peterson",
	"Hanoi",
	"TwoPhase",
	"Records",
	"BenchSliding",
	"BenchTwoPhase",
	"BenchSliding9",
}

// tlcStatsLine is TLC's final statistics line (progress lines use thousands separators).
var tlcStatsLine = regexp.MustCompile(`(?m)^([\d,]+) states generated, ([\d,]+) distinct states found, \d+ states left on queue\.`)

// vsTLCRow is one line of the table BenchmarkVsTLC prints.
type vsTLCRow struct {
	spec          string
	distinct      int64
	goWall        time.Duration
	tlcWall       time.Duration // 0 when TLC did not run
	heapPerState  float64
	allocPerState float64
}

// BenchmarkVsTLC checks corpus specs with this engine and, when the official jar
// (TLA2TOOLS_JAR, default /opt/tla/tla2tools.jar) and java are present, runs TLC once
// per spec the way TLC users do (one worker, fresh JVM), then prints both side by side.
// TLC's wall time includes the JVM start, which is what a user waits for. Distinct and
// generated counts must match TLC's (or, without the jar, the counts TLC recorded in
// expected.json): a mismatch is a correctness failure, not a slow run.
//
//	go test -run '^$' -bench BenchmarkVsTLC -benchtime 1x ./tla
func BenchmarkVsTLC(b *testing.B) {
	dir := corpusDir
	exp, err := readCorpus()
	if os.IsNotExist(err) {
		b.Skipf("SKIPPING: no corpus: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	jar, whyNoTLC := tlcJar()

	var rows []vsTLCRow
	for _, name := range vsTLCSpecs {
		e, ok := exp[name]
		if !ok {
			b.Fatalf("%s is not in expected.json", name)
		}
		b.Run(name, func(b *testing.B) {
			specPath := filepath.Join(dir, name, name+".tla")
			opts := Options{}
			for _, f := range e.Flags {
				if f == "-deadlock" {
					opts.NoDeadlock = true
				}
			}
			// One untimed run under memory sampling, before the timer starts.
			res, heap, alloc := checkMeasuringHeap(b, specPath, opts)
			if res.Distinct != e.Distinct || res.Generated != e.Generated {
				b.Fatalf("generated/distinct %d/%d, TLC recorded %d/%d", res.Generated, res.Distinct, e.Generated, e.Distinct)
			}
			for b.Loop() {
				if _, err := CheckFile(context.Background(), specPath, opts); err != nil {
					b.Fatal(err)
				}
			}
			row := vsTLCRow{spec: name, distinct: res.Distinct, goWall: b.Elapsed() / time.Duration(b.N)}
			if res.Distinct > 0 {
				row.heapPerState = float64(heap) / float64(res.Distinct)
				row.allocPerState = float64(alloc) / float64(res.Distinct)
			}
			b.ReportMetric(float64(res.Distinct), "distinct")
			b.ReportMetric(float64(res.Distinct)/row.goWall.Seconds(), "states/s")
			b.ReportMetric(row.heapPerState, "heapB/state")
			if jar != "" {
				gen, dist, wall := runTLC(b, jar, filepath.Join(dir, name), name, e.Flags)
				if dist != res.Distinct || gen != res.Generated {
					b.Fatalf("generated/distinct %d/%d, TLC %d/%d", res.Generated, res.Distinct, gen, dist)
				}
				row.tlcWall = wall
				b.ReportMetric(float64(wall)/float64(row.goWall), "tlc/go")
			}
			rows = append(rows, row)
		})
	}
	printVsTLC(rows, whyNoTLC)
}

// tlcJar returns the jar to run, or "" and why TLC is skipped.
func tlcJar() (jar, why string) {
	jar = os.Getenv("TLA2TOOLS_JAR")
	if jar == "" {
		jar = "/opt/tla/tla2tools.jar"
	}
	if _, err := os.Stat(jar); err != nil {
		return "", fmt.Sprintf("no TLC jar (set TLA2TOOLS_JAR): %v", err)
	}
	if _, err := exec.LookPath("java"); err != nil {
		return "", fmt.Sprintf("no java on PATH: %v", err)
	}
	return jar, ""
}

// checkMeasuringHeap checks the spec once and returns the peak heap growth over the
// run (HeapAlloc sampled with runtime.ReadMemStats) and the bytes allocated in total.
// Sampling stops the world briefly, which is why this run is not the timed one.
func checkMeasuringHeap(b *testing.B, specPath string, opts Options) (*Result, uint64, uint64) {
	b.Helper()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var (
		mu   sync.Mutex
		peak = before.HeapAlloc
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak = max(peak, m.HeapAlloc)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	res, err := CheckFile(context.Background(), specPath, opts)
	close(done)
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	// Until the next collection the heap still holds everything the run built; a
	// run shorter than one sampling tick is measured here.
	sample()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	return res, peak - before.HeapAlloc, after.TotalAlloc - before.TotalAlloc
}

// runTLC runs the official TLC once on dir/name.tla with one worker in a scratch
// metadir and returns its generated and distinct counts and its wall time.
func runTLC(b *testing.B, jar, dir, name string, flags []string) (generated, distinct int64, wall time.Duration) {
	b.Helper()
	abs, err := filepath.Abs(jar)
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"-XX:+UseParallelGC", "-cp", abs, "tlc2.TLC", "-workers", "1",
		"-noGenerateSpecTE", "-fp", "0", "-metadir", b.TempDir()}
	args = append(args, flags...)
	args = append(args, "-config", name+".cfg", name+".tla")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "java", args...)
	cmd.Dir = dir
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(start)
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		b.Fatalf("running TLC: %v", err)
	}
	m := tlcStatsLine.FindSubmatch(out)
	if m == nil {
		b.Fatalf("no statistics line in TLC's output (%v):\n%s", err, out)
	}
	parse := func(s []byte) int64 {
		n, err := strconv.ParseInt(strings.ReplaceAll(string(s), ",", ""), 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return parse(m[1]), parse(m[2]), wall
}

// printVsTLC prints the side-by-side table. States/s is distinct states over wall
// time for both engines, so TLC's figure includes its JVM start.
func printVsTLC(rows []vsTLCRow, whyNoTLC string) {
	if len(rows) == 0 {
		return
	}
	fmt.Println()
	if whyNoTLC != "" {
		fmt.Printf("TLC COLUMN SKIPPED: %s\n", whyNoTLC)
	}
	fmt.Println("go vs TLC (1 worker); states/s is distinct states over wall time, TLC's including its JVM start")
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "spec\tdistinct\tgo wall\ttlc wall\tgo/tlc\tgo states/s\ttlc states/s\tgo heap B/state\tgo alloc B/state\t")
	var goTotal, tlcTotal time.Duration
	for _, r := range rows {
		tlcWall, ratio, tlcRate := "-", "-", "-"
		if r.tlcWall > 0 {
			tlcWall = r.tlcWall.Round(time.Millisecond).String()
			ratio = fmt.Sprintf("%.3g", float64(r.goWall)/float64(r.tlcWall))
			tlcRate = fmt.Sprintf("%.0f", float64(r.distinct)/r.tlcWall.Seconds())
			tlcTotal += r.tlcWall
		}
		goTotal += r.goWall
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%.0f\t%s\t%.0f\t%.0f\t\n", r.spec, r.distinct,
			roundDuration(r.goWall), tlcWall, ratio, float64(r.distinct)/r.goWall.Seconds(), tlcRate,
			r.heapPerState, r.allocPerState)
	}
	if tlcTotal > 0 {
		fmt.Fprintf(w, "total\t\t%s\t%s\t%.3g\t\t\t\t\t\n", roundDuration(goTotal),
			tlcTotal.Round(time.Millisecond), float64(goTotal)/float64(tlcTotal))
	} else {
		fmt.Fprintf(w, "total\t\t%s\t-\t-\t\t\t\t\t\n", roundDuration(goTotal))
	}
	w.Flush()
}

// roundDuration keeps three significant digits or so, down to microseconds.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
