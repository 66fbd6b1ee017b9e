package conformance

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// summary collects every tier's counters in this test binary.
var summary Stats

func TestMain(m *testing.M) {
	code := m.Run()
	// The mutation run (conformance/mutants/run.sh with MUTANT_RESULTS)
	// leaves "name result seconds" lines; the summary shows them.
	if path := os.Getenv("CONFORMANCE_MUTANT_RESULTS"); path != "" {
		if data, err := os.ReadFile(path); err == nil {
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				var name, result string
				var secs float64
				if n, _ := fmt.Sscan(line, &name, &result, &secs); n == 3 {
					summary.AddMutant(MutantResult{Name: name, Killed: result == "killed", Time: time.Duration(secs * float64(time.Second))})
				}
			}
		}
	}
	summary.WriteSummary(os.Stdout)
	if path := os.Getenv("CONFORMANCE_SUMMARY"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			summary.WriteSummary(f)
			f.Close()
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}
