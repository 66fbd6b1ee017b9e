// Package fakerunsc builds and configures a fake runsc for unit tests that must not
// need root or a real gVisor. The fake (cmd/fakerunsc) emulates the CLI of the runsc
// described in the project's runsc facts: global flags before the subcommand, exit
// codes (128 for its own errors, 2 for flag errors and panics), indented state JSON,
// --log JSON errors, ID prefix matching, the duplicate-create trap, the pause-of-created
// panic, a sandbox process that inherits create's stdio and exits with the workload's
// status, `wait` that only reports while the sandbox lives, and create failing for IDs
// longer than 92 characters (the sandbox's control socket name).
//
// A test injects faults by writing a Faults profile next to the binary (SetFaults);
// the fake reads it on every invocation, so a profile can change between calls.
package fakerunsc

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc/profile"
)

// Faults is the fault profile (see profile.Faults).
type Faults = profile.Faults

// Call is one recorded invocation (see profile.Call).
type Call = profile.Call

// State is what the fake keeps for one container (see profile.State).
type State = profile.State

// StateFile is where the fake keeps container id's state under root.
func StateFile(root, id string) string { return profile.StateFile(root, id) }

// ReadState reads a state file; a container whose sandbox died reads as stopped.
func ReadState(path string) (*State, error) { return profile.ReadState(path) }

// WriteState replaces s's state file under root atomically.
func WriteState(root string, s *State) error { return profile.WriteState(root, s) }

// FiredPath is where the fake at bin records that a one-shot fault has fired.
// SetFaults removes it, re-arming the profile.
func FiredPath(bin string) string { return profile.FiredPath(bin) }

// ProfilePath is where the fake at bin looks for its fault profile.
func ProfilePath(bin string) string { return profile.ProfilePath(bin) }

// CallsPath is where the fake at bin appends one JSON line per invocation:
// {"args":[...],"env":[...]} (argv without argv[0]).
func CallsPath(bin string) string { return profile.CallsPath(bin) }

// SetFaults writes f as the fault profile of the fake at bin.
func SetFaults(bin string, f Faults) error {
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if err := os.Remove(FiredPath(bin)); err != nil && !os.IsNotExist(err) {
		return err
	}
	// Written aside and renamed, so that a runsc starting meanwhile reads the old
	// profile or the new one, never half of one.
	tmp := ProfilePath(bin) + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, ProfilePath(bin))
}

// Calls returns the recorded invocations of the fake at bin.
func Calls(bin string) ([]Call, error) {
	data, err := os.ReadFile(CallsPath(bin))
	if err != nil {
		return nil, err
	}
	var out []Call
	dec := json.NewDecoder(bytesReader(data))
	for dec.More() {
		var c Call
		if err := dec.Decode(&c); err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}

var (
	buildOnce sync.Once
	built     []byte // the compiled fake, kept in memory so no build directory lingers
	buildErr  error
)

// Build compiles the fake once per test process and returns a fresh copy named runsc
// (mode 0755, in the test's temp dir, so it passes the runtime's trust checks).
func Build(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fakerunsc-build-")
		if err != nil {
			buildErr = err
			return
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "fakerunsc")
		// Without symbols or DWARF: the fake is started thousands of times per run.
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "github.com/gvisorfsm/gvisorfsm/internal/fakerunsc/cmd/fakerunsc")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{out: string(out), err: err}
			return
		}
		built, buildErr = os.ReadFile(bin)
	})
	if buildErr != nil {
		t.Fatalf("building the fake runsc: %v", buildErr)
	}
	p := filepath.Join(t.TempDir(), "runsc")
	if err := os.WriteFile(p, built, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }
