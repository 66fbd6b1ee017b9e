package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// The summary table carries every number the report quotes.
func TestSummary(t *testing.T) {
	var s Stats
	s.Update("fake", func(ts *TierStats) {
		ts.Cases = 2
		ts.Record(fsm.Absent, fsm.EventCreate, steptrace.OK, NoFault)
		ts.Record(fsm.Created, fsm.EventStart, steptrace.Unknown, FaultHangAfter)
		ts.Record(fsm.Created, fsm.EventPause, steptrace.Refused, NoFault)
		ts.Record(fsm.Running, fsm.EventKill, steptrace.Failed, FaultExit128)
		ts.RunscCalls = 7
		ts.Tolerated["a known divergence"] = 1
	})
	s.Update("real", func(ts *TierStats) {
		ts.Cases = 4
		ts.WrapperCalls, ts.ObserverCalls = 150, 50
		ts.RunscCalls = 200
		ts.Elapsed = 40 * time.Second
	})
	s.Update("concurrent", func(ts *TierStats) {
		ts.Histories, ts.HistoryOps, ts.Clients = 2, 30, 4
		ts.CheckTimes = []time.Duration{time.Millisecond, 3 * time.Millisecond}
	})
	s.AddMutant(MutantResult{Name: "m1", Killed: true, Time: 2 * time.Second})
	s.AddMutant(MutantResult{Name: "m2", Killed: false})
	var b strings.Builder
	s.WriteSummary(&b)
	out := b.String()
	t.Log("\n" + out)
	for _, want := range []string{
		"fake                 2      4      2.0      7", // cases, steps, mean steps, runsc calls
		// every runsc process, split, a case and a call
		"runsc[real]: 200 processes (wrapper 150, observer 50), 50.0 a case, 10.0s a case, 0.20s a call",
		"25.00%",     // unknown share
		"4/54",       // transition coverage
		"15.0",       // ops per history
		"1ms", "3ms", // porcupine p50, p99
		"exit-128=1 hang-after=1", // faults by kind
		"KNOWN DIVERGENCE [fake] tolerated 1 times: a known divergence",
		"mutation score: 1/2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
}

// TestMutantsApply checks that every seeded bug still applies to runtime/ and
// compiles: a patch that no longer applies is a mutant `make mutants` cannot
// run, and one that no longer compiles is killed by the compiler, not by the
// tests. The tree drifts away from the patches with every change to runtime/.
func TestMutantsApply(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("SKIP: no git to check the patches with")
	}
	patches, _ := filepath.Glob("mutants/*.patch")
	if len(patches) < 8 {
		t.Fatalf("%d mutants, want at least 8", len(patches))
	}
	for _, p := range patches {
		abs, _ := filepath.Abs(p)
		cmd := exec.Command(git, "apply", "--check", "-p1", abs)
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s does not apply to runtime/: %v\n%s", p, err, out)
			continue
		}
		if testing.Short() {
			continue
		}
		if err := buildMutant(t, git, abs); err != nil {
			t.Errorf("%s does not compile: %v", p, err)
		}
	}
}

// buildMutant compiles the runtime package with the patch applied to copies of
// the files it changes (go build -overlay), leaving the tree as it is.
func buildMutant(t *testing.T, git, patch string) error {
	data, err := os.ReadFile(patch)
	if err != nil {
		return err
	}
	dir := t.TempDir()
	repo, _ := filepath.Abs("..")
	replace := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		f, ok := strings.CutPrefix(line, "+++ b/")
		if !ok {
			continue
		}
		src, err := os.ReadFile(filepath.Join(repo, f))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f), src, 0o644); err != nil {
			return err
		}
		replace[filepath.Join(repo, f)] = filepath.Join(dir, f)
	}
	apply := exec.Command(git, "apply", "-p1", patch)
	apply.Dir = dir
	if out, err := apply.CombinedOutput(); err != nil {
		return fmt.Errorf("git apply: %v\n%s", err, out)
	}
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return err
	}
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		return err
	}
	build := exec.Command("go", "build", "-overlay", ov, "./runtime")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	return nil
}
