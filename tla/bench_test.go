package tla

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCheck model-checks the project's lifecycle spec, or the spec named by
// TLA_BENCH_SPEC, and reports distinct states per second.
func BenchmarkCheck(b *testing.B) {
	spec := os.Getenv("TLA_BENCH_SPEC")
	if spec == "" {
		spec = filepath.Join("..", "spec", "NucleusSecurity_GVisor_GVisorRuntime.tla")
	}
	if _, err := os.Stat(spec); err != nil {
		b.Skipf("SKIPPING: %v", err)
	}
	var distinct int64
	for i := 0; i < b.N; i++ {
		res, err := CheckFile(context.Background(), spec, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if res.ExitCode != ExitOK && res.ExitCode != ExitTemporal {
			b.Fatalf("exit %d: %s", res.ExitCode, res.Message)
		}
		distinct += res.Distinct
	}
	b.ReportMetric(float64(distinct)/b.Elapsed().Seconds(), "states/s")
}
