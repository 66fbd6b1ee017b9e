package tla

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// expectation is one entry of testdata/corpus/expected.json, recorded from a real TLC run.
type expectation struct {
	TLC       string   `json:"tlc"`
	Exit      int      `json:"exit"`
	Generated int64    `json:"generated"`
	Distinct  int64    `json:"distinct"`
	Violation string   `json:"violation"`
	Violated  string   `json:"violated"`
	TraceLen  int      `json:"trace_len"`
	Workers   int      `json:"workers"`
	Flags     []string `json:"flags"`

	// Models of tlaplus/Examples (testdata/examples) also record where the model
	// is in a checkout, whether it takes long, and the depth of the search.
	Spec   string `json:"spec"`
	Config string `json:"config"`
	Large  bool   `json:"large"`
	Depth  int    `json:"depth"`
}

// corpusDir holds one directory per corpus spec and expected.json.
var corpusDir = filepath.Join("testdata", "corpus")

// readCorpus reads the corpus's expected.json: TLC's recorded result per spec name.
func readCorpus() (map[string]expectation, error) {
	return readExpected(corpusDir)
}

// readExpected reads dir/expected.json, written by tools/record-tlc.sh.
func readExpected(dir string) (map[string]expectation, error) {
	path := filepath.Join(dir, "expected.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var exp map[string]expectation
	if err := json.Unmarshal(raw, &exp); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return exp, nil
}

// TestCorpus checks every corpus spec and compares the verdict and counts with TLC's.
func TestCorpus(t *testing.T) {
	dir := corpusDir
	exp, err := readCorpus()
	if os.IsNotExist(err) {
		t.Skip("SKIPPING: no corpus yet (testdata/corpus/expected.json missing)")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(exp)) {
		e := exp[name]
		t.Run(name, func(t *testing.T) {
			opts := Options{Workers: e.Workers}
			for _, f := range e.Flags {
				if f == "-deadlock" {
					opts.NoDeadlock = true
				}
			}
			specPath := filepath.Join(dir, name, name+".tla")
			res, err := CheckFile(context.Background(), specPath, opts)
			if err != nil {
				t.Fatal(err)
			}
			if e.Violation == "temporal" {
				compareTemporalWithTLC(t, name, specPath, "", res, e)
				return
			}
			compareWithTLC(t, res, e)
		})
	}
}

func compareWithTLC(t *testing.T, res *Result, e expectation) {
	t.Helper()
	if res.ExitCode != e.Exit {
		t.Errorf("exit code %d, TLC %d (%s)", res.ExitCode, e.Exit, res.Message)
	}
	if res.Violation != e.Violation && !(e.Violation == "" && res.Violation == "") {
		t.Errorf("violation %q, TLC %q", res.Violation, e.Violation)
	}
	if res.ViolatedName != e.Violated {
		t.Errorf("violated name %q, TLC %q", res.ViolatedName, e.Violated)
	}
	if res.Generated != e.Generated || res.Distinct != e.Distinct {
		t.Errorf("generated/distinct %d/%d, TLC %d/%d", res.Generated, res.Distinct, e.Generated, e.Distinct)
	}
	if len(res.Trace) != e.TraceLen {
		t.Errorf("trace length %d, TLC %d", len(res.Trace), e.TraceLen)
	}
}
