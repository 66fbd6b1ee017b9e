package tla

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// examplesDir holds TLC's results for models of tlaplus/Examples (expected.json,
// recorded by tools/record-tlc.sh --examples from the list in models). The specs
// are not part of this repository.
var examplesDir = filepath.Join("testdata", "examples")

// TestExamples checks each recorded tlaplus/Examples model in the checkout that
// TLA_EXAMPLES names and compares the verdict, counts, depth and counterexample
// with TLC's; temporal counterexamples are replayed independently (verifyLasso).
// Models marked large (10^5 states or more, or minutes of checking) run only with
// TLA_EXAMPLES_LARGE=1.
//
//	TLA_EXAMPLES=~/Examples TLA_EXAMPLES_LARGE=1 go test -run TestExamples -timeout 60m ./tla
func TestExamples(t *testing.T) {
	root := os.Getenv("TLA_EXAMPLES")
	if root == "" {
		t.Skip("SKIPPING: set TLA_EXAMPLES to a checkout of github.com/tlaplus/Examples")
	}
	exp, err := readExpected(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	large := os.Getenv("TLA_EXAMPLES_LARGE") == "1"
	for _, name := range slices.Sorted(maps.Keys(exp)) {
		e := exp[name]
		t.Run(name, func(t *testing.T) {
			if e.Large && !large {
				t.Skipf("SKIPPING: %d distinct states; set TLA_EXAMPLES_LARGE=1", e.Distinct)
			}
			specPath := filepath.Join(root, e.Spec)
			cfgPath := filepath.Join(filepath.Dir(specPath), e.Config)
			if _, err := os.Stat(specPath); err != nil {
				t.Fatalf("not in the checkout: %v", err)
			}
			opts := Options{Config: cfgPath}
			for _, f := range e.Flags {
				if f == "-deadlock" {
					opts.NoDeadlock = true
				}
			}
			res, err := CheckFile(context.Background(), specPath, opts)
			if err != nil {
				t.Fatal(err)
			}
			if e.Violation == "temporal" {
				compareTemporalWithTLC(t, name, specPath, cfgPath, res, e)
				return
			}
			compareWithTLC(t, res, e)
			if e.Exit == ExitOK && res.Depth != e.Depth {
				t.Errorf("depth %d, TLC %d", res.Depth, e.Depth)
			}
		})
	}
}
