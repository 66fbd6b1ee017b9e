package tla

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const checkpointSpec = `---- MODULE CP ----
EXTENDS Naturals
CONSTANTS N, Limit
VARIABLES x, y, s
Init == x = 0 /\ y = 0 /\ s = "a"
Next == \/ x < N /\ x' = x + 1 /\ UNCHANGED <<y, s>>
        \/ y < N /\ y' = y + 1 /\ UNCHANGED x /\ s' \in {"b", "a"}
        \/ x > 0 /\ y > 0 /\ x' = x - 1 /\ y' = (y * 7) % (N + 1) /\ UNCHANGED s
Inv == x + y < Limit
====
`

func summary(r *Result) string {
	return fmt.Sprint(r.ExitCode, r.Violation, r.ViolatedName, r.Generated, r.Distinct, r.Depth, r.Trace)
}

// TestCheckpointRecover takes a checkpoint every 1,024 expansions (the interval is
// a nanosecond), then recovers from the last one, which the search took with states
// still queued: the recovered run must end as the uninterrupted one did, with the
// same counts and, where an invariant fails, the same counterexample (rebuilt from
// the checkpoint's trail), on one worker and on two.
func TestCheckpointRecover(t *testing.T) {
	for _, c := range []struct{ name, limit string }{{"holds", "1000"}, {"violated", "230"}} {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/%dw", c.name, workers), func(t *testing.T) {
				dir := t.TempDir()
				path := writeFiles(t, dir, [2]string{"CP.tla", checkpointSpec},
					[2]string{"CP.cfg", "CONSTANTS N = 150\nLimit = " + c.limit + "\nINIT Init\nNEXT Next\nINVARIANT Inv\n"})
				plain, _ := checkOutput(t, path, Options{Workers: workers})
				cp := filepath.Join(dir, "cp")
				taken, out := checkOutput(t, path, Options{Workers: workers, Checkpoint: time.Nanosecond, CheckpointDir: cp})
				if summary(taken) != summary(plain) {
					t.Fatalf("with checkpoints:\n%s\nwithout:\n%s", summary(taken), summary(plain))
				}
				if n := strings.Count(out, "Checkpointing completed at"); n < 2 {
					t.Fatalf("%d checkpoints taken, want several:\n%s", n, out)
				}
				rec, out := checkOutput(t, path, Options{Workers: workers, Recover: cp})
				if !strings.Contains(out, "Starting recovery from checkpoint "+cp+"\n") || !strings.Contains(out, "Recovery completed. ") {
					t.Errorf("no recovery report:\n%s", out)
				}
				if strings.Contains(out, "Computing initial states") || strings.Contains(out, " 0 states on queue.") {
					t.Errorf("recovery started over, or from a finished search:\n%s", out)
				}
				if summary(rec) != summary(plain) {
					t.Errorf("recovered:\n%s\nuninterrupted:\n%s", summary(rec), summary(plain))
				}
			})
		}
	}
}

// TestCheckpointRefused checks that a checkpoint of other modules or another
// configuration, a damaged one, and a checkpoint asked of a search that needs
// exact storage are refused with an error that says so.
func TestCheckpointRefused(t *testing.T) {
	dir := t.TempDir()
	path := writeFiles(t, dir, [2]string{"CP.tla", checkpointSpec},
		[2]string{"CP.cfg", "CONSTANTS N = 150\nLimit = 1000\nINIT Init\nNEXT Next\nINVARIANT Inv\n"})
	cp := filepath.Join(dir, "cp")
	if res, out := checkOutput(t, path, Options{Checkpoint: time.Nanosecond, CheckpointDir: cp}); res.ExitCode != ExitOK {
		t.Fatalf("exit %d:\n%s", res.ExitCode, out)
	}
	refused := func(name string, opts Options, want string) {
		t.Helper()
		res, out := checkOutput(t, path, opts)
		if res.ExitCode != ExitEval || !strings.Contains(res.Message, want) || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, message %q; want %d and %q:\n%s", name, res.ExitCode, res.Message, ExitEval, want, out)
		}
	}
	refused("another -fp", Options{Recover: cp, FP: 3}, "taken of other modules, another configuration or another -fp")
	writeFiles(t, dir, [2]string{"Other.cfg", "CONSTANTS N = 151\nLimit = 1000\nINIT Init\nNEXT Next\nINVARIANT Inv\n"})
	refused("another configuration", Options{Recover: cp, Config: filepath.Join(dir, "Other.cfg")}, "taken of other modules")
	refused("exact mode", Options{Recover: cp, Exact: true}, "-recover needs a search in fingerprint mode")
	refused("exact mode", Options{Checkpoint: time.Minute, Exact: true}, "-checkpoint needs a search in fingerprint mode")
	refused("no checkpoint", Options{Recover: filepath.Join(dir, "none")}, "no checkpoint in")
	q := filepath.Join(cp, "queue")
	raw, err := os.ReadFile(q)
	if err != nil || len(raw) < 10 {
		t.Fatalf("queue file: %d bytes, %v", len(raw), err)
	}
	if err := os.WriteFile(q, raw[:len(raw)-5], 0o644); err != nil {
		t.Fatal(err)
	}
	refused("damaged queue", Options{Recover: cp}, "damaged checkpoint file")
}
