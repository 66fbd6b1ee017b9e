package tla

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// livenessBenchSpecs are the corpus entries whose cfg has temporal properties, and
// the project's spec.
var livenessBenchSpecs = []string{
	filepath.Join("testdata", "corpus", "BenchLive", "BenchLive.tla"),
	filepath.Join("testdata", "corpus", "LeadsToFifo", "LeadsToFifo.tla"),
	filepath.Join("testdata", "corpus", "QuantFair", "QuantFair.tla"),
	filepath.Join("testdata", "corpus", "LeadsToStarve", "LeadsToStarve.tla"),
	filepath.Join("testdata", "corpus", "LiveSF", "LiveSF.tla"),
	filepath.Join("testdata", "corpus", "Refinement", "Refinement.tla"),
	filepath.Join("..", "spec", projectModule+".tla"),
}

// BenchmarkLiveness checks specs with liveness properties. With TLA_BENCH_TLC=1 and the
// official jar (TLA2TOOLS_JAR, default /opt/tla/tla2tools.jar) it also runs TLC once
// per spec and reports TLC's wall time over ours ("tlc/go", above 1 means faster than
// TLC) and TLC's peak resident memory.
func BenchmarkLiveness(b *testing.B) {
	jar := os.Getenv("TLA2TOOLS_JAR")
	if jar == "" {
		jar = "/opt/tla/tla2tools.jar"
	}
	withTLC := os.Getenv("TLA_BENCH_TLC") == "1"
	if _, err := os.Stat(jar); err != nil {
		withTLC = false
	}
	for _, spec := range livenessBenchSpecs {
		if _, err := os.Stat(spec); err != nil {
			continue
		}
		b.Run(filepath.Base(spec[:len(spec)-4]), func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				res, err := CheckFile(context.Background(), spec, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if res.ExitCode != ExitOK && res.ExitCode != ExitTemporal {
					b.Fatalf("exit %d: %s", res.ExitCode, res.Message)
				}
			}
			perRun := time.Since(start) / time.Duration(b.N)
			b.StopTimer()
			if !withTLC {
				return
			}
			dir, base := filepath.Split(spec)
			cmd := exec.Command("java", "-XX:+UseParallelGC", "-cp", jar, "tlc2.TLC", "-workers", "1",
				"-noGenerateSpecTE", "-metadir", b.TempDir(), "-config", base[:len(base)-4]+".cfg", base)
			cmd.Dir = dir
			t0 := time.Now()
			if err := cmd.Run(); err != nil {
				if _, ok := err.(*exec.ExitError); !ok {
					b.Fatal(err)
				}
			}
			tlc := time.Since(t0)
			b.ReportMetric(float64(tlc)/float64(perRun), "tlc/go")
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				b.ReportMetric(float64(ru.Maxrss)/1024, "tlc-maxrss-MB")
			}
		})
	}
}
