package tla

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const projectModule = "NucleusSecurity_GVisor_GVisorRuntime"

// TestProjectSpecLiveness checks the project's lifecycle spec with its cfg, liveness
// properties included: no temporal formula may be left unchecked.
func TestProjectSpecLiveness(t *testing.T) {
	spec := filepath.Join("..", "spec", projectModule+".tla")
	if _, err := os.Stat(spec); err != nil {
		t.Skipf("SKIPPING: no project spec at %s: %v", spec, err)
	}
	var out strings.Builder
	res, err := CheckFile(context.Background(), spec, Options{Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != ExitOK {
		t.Fatalf("exit %d (%s):\n%s", res.ExitCode, res.Message, out.String())
	}
	if strings.Contains(out.String(), "not checked") {
		t.Errorf("a temporal formula was not checked:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Finished checking temporal properties") {
		t.Errorf("no temporal property was checked:\n%s", out.String())
	}
}

// TestProjectSpecMutants runs the spec's mutants (spec/mutants, each breaking one
// invariant or property) and compares with the exit code and message TLC gave
// (spec/mutants/expected.txt). Temporal counterexamples are verified on the lasso.
func TestProjectSpecMutants(t *testing.T) {
	dir := filepath.Join("..", "spec", "mutants")
	f, err := os.Open(filepath.Join(dir, "expected.txt"))
	if err != nil {
		t.Skipf("SKIPPING: no mutants: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 {
			t.Fatalf("bad line in expected.txt: %q", line)
		}
		name, msg := parts[0], parts[2]
		code, err := strconv.Atoi(parts[1])
		if err != nil {
			t.Fatalf("bad exit code in %q", line)
		}
		n++
		t.Run(name, func(t *testing.T) {
			spec := filepath.Join(dir, name, projectModule+".tla")
			var out strings.Builder
			res, err := CheckFile(context.Background(), spec, Options{Out: &out})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != code || !strings.Contains(out.String(), msg+"\n") {
				t.Fatalf("exit %d, TLC %d with %q:\n%s", res.ExitCode, code, msg, out.String())
			}
			if res.Violation == "temporal" {
				verifyLasso(t, spec, "", res)
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("expected.txt lists no mutant")
	}
}
