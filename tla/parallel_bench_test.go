package tla

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"
)

// parallelBenchSpecs are the corpus specs large enough for workers to matter.
var parallelBenchSpecs = []string{"BenchSliding9", "BenchTwoPhase", "BenchSliding", "Records"}

// BenchmarkParallel checks each spec with one worker and with two, alternating run by
// run so both see the same machine load, and prints wall and CPU time side by side
// with the speedup. The results must be the same.
//
//	go test -run '^$' -bench BenchmarkParallel -benchtime 3x ./tla
func BenchmarkParallel(b *testing.B) {
	type row struct {
		spec         string
		distinct     int64
		wall, cpu    [2]time.Duration
		runs         int
		load0, load1 string
		gomaxprocs   int
	}
	var rows []row
	for _, name := range parallelBenchSpecs {
		spec := filepath.Join("testdata", "corpus", name, name+".tla")
		if _, err := os.Stat(spec); err != nil {
			b.Skipf("SKIPPING: no corpus: %v", err)
		}
		b.Run(name, func(b *testing.B) {
			r := row{spec: name, load0: loadAvg(), gomaxprocs: runtime.GOMAXPROCS(0)}
			for b.Loop() {
				var res [2]*Result
				for i, w := range []int{1, 2} {
					runtime.GC()
					cpu0, t0 := cpuTime(), time.Now()
					out, err := CheckFile(context.Background(), spec, Options{Workers: w})
					r.wall[i] += time.Since(t0)
					r.cpu[i] += cpuTime() - cpu0
					if err != nil {
						b.Fatal(err)
					}
					res[i] = out
				}
				if res[0].Generated != res[1].Generated || res[0].Distinct != res[1].Distinct ||
					res[0].ExitCode != res[1].ExitCode || res[0].Depth != res[1].Depth {
					b.Fatalf("2 workers: %d/%d states, depth %d, exit %d; 1 worker: %d/%d, depth %d, exit %d",
						res[1].Generated, res[1].Distinct, res[1].Depth, res[1].ExitCode,
						res[0].Generated, res[0].Distinct, res[0].Depth, res[0].ExitCode)
				}
				r.distinct = res[0].Distinct
				r.runs++
			}
			r.load1 = loadAvg()
			b.ReportMetric(float64(r.wall[0])/float64(r.wall[1]), "speedup")
			rows = append(rows, r)
		})
	}
	if len(rows) == 0 {
		return
	}
	fmt.Println()
	fmt.Printf("1 vs 2 workers, mean per run; GOMAXPROCS %d, %d CPUs; load average before and after each spec\n",
		rows[0].gomaxprocs, runtime.NumCPU())
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "spec\tdistinct\truns\twall 1w\twall 2w\twall 1w/2w\tcpu 1w\tcpu 2w\tcpu 2w/1w\tload before\tload after\t")
	for _, r := range rows {
		n := time.Duration(r.runs)
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%.2f\t%s\t%s\t%.2f\t%s\t%s\t\n", r.spec, r.distinct, r.runs,
			roundDuration(r.wall[0]/n), roundDuration(r.wall[1]/n), float64(r.wall[0])/float64(r.wall[1]),
			roundDuration(r.cpu[0]/n), roundDuration(r.cpu[1]/n), float64(r.cpu[1])/float64(r.cpu[0]),
			r.load0, r.load1)
	}
	w.Flush()
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg is the one-minute load average, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
