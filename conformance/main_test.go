package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// summary collects every tier's counters in this test binary.
var summary Stats

// mutantResults is where conformance/mutants/run.sh leaves its results unless
// MUTANT_RESULTS says otherwise.
var mutantResults = filepath.Join(os.TempDir(), "gvisorfsm-mutant-results.txt")

func TestMain(m *testing.M) {
	code := m.Run()
	// The mutation run (conformance/mutants/run.sh) leaves "name result
	// seconds" lines in MUTANT_RESULTS (by default mutantResults); the summary
	// shows the latest run's.
	path := os.Getenv("CONFORMANCE_MUTANT_RESULTS")
	if path == "" {
		path = mutantResults
	}
	if data, err := os.ReadFile(path); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var name, result string
			var secs float64
			if n, _ := fmt.Sscan(line, &name, &result, &secs); n == 3 {
				summary.AddMutant(MutantResult{Name: name, Killed: result == "killed", Time: time.Duration(secs * float64(time.Second))})
			}
		}
	}
	summary.WriteSummary(os.Stdout)
	// A fake-tier shard is a child of the run: only the run writes the file.
	if path := os.Getenv("CONFORMANCE_SUMMARY"); path != "" && os.Getenv("CONFORMANCE_FAKE_SHARD") == "" {
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
