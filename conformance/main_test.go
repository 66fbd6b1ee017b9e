package conformance

import (
	"fmt"
	"os"
	"testing"
)

// summary collects every tier's counters in this test binary.
var summary Stats

func TestMain(m *testing.M) {
	code := m.Run()
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
