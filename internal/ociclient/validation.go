package ociclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// SuiteEnv names the directory of a built validation suite, when it is not where
// tools/install-clients.sh puts it.
const SuiteEnv = "OCI_VALIDATION"

// SuiteDir is where the validation suite is: $OCI_VALIDATION if set, else what
// `tools/install-clients.sh --path` prints, the script found under repoRoot. It does not
// check that the suite is built there (see Suite.Programs).
func SuiteDir(repoRoot string) (string, error) {
	if d := os.Getenv(SuiteEnv); d != "" {
		return d, nil
	}
	out, err := exec.Command(filepath.Join(repoRoot, "tools", "install-clients.sh"), "--path").Output()
	if err != nil {
		return "", fmt.Errorf("ociclient: tools/install-clients.sh --path: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Suite is a built OCI runtime validation suite: one program per area of the runtime
// spec (create, delete, kill, state, hooks, linux_*...), each printing TAP, with
// runtimetest (the checker the programs run inside containers) and the rootfs tarball the
// programs unpack into every bundle, all in Dir.
type Suite struct {
	// Dir holds the programs.
	Dir string
	// Timeout bounds one program's run; zero means two minutes.
	Timeout time.Duration
}

// Programs are the names of the suite's programs, sorted: every executable in Dir but
// runtimetest. It fails if Dir has no runtimetest, the sign of an unbuilt suite.
func (s *Suite) Programs() ([]string, error) {
	if _, err := os.Stat(filepath.Join(s.Dir, "runtimetest")); err != nil {
		return nil, fmt.Errorf("ociclient: no validation suite in %s (run tools/install-clients.sh): %w", s.Dir, err)
	}
	ents, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, err
	}
	var progs []string
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o100 == 0 || e.Name() == "runtimetest" {
			continue
		}
		progs = append(progs, e.Name())
	}
	sort.Strings(progs)
	return progs, nil
}

// Outcome is what one validation program did against one runtime.
type Outcome struct {
	// Program is the program's name.
	Program string
	// TAP is what it printed.
	TAP *TAP
	// ExitCode is its exit status (-1: ended by a signal, as on timeout).
	ExitCode int
	// Stdout is what it printed: the TAP stream with its YAML diagnostics.
	Stdout string
	// Stderr is its error output: the runtime's messages the program passed on.
	Stderr string
	// Elapsed is how long it ran.
	Elapsed time.Duration
}

// Counts are the outcome's passed, failed and skipped points. A program that did not
// finish cleanly counts one failure more: one that ended without finishing its plan (it
// gave up at a failed step, crashed or timed out), exited non-zero, or printed no point
// at all (the suite's programs print an empty plan with the error when a container
// they need cannot be run).
func (o *Outcome) Counts() (pass, fail, skip int) {
	pass, fail, skip = o.TAP.Counts()
	if !o.TAP.Complete() || o.ExitCode != 0 || len(o.TAP.Points) == 0 {
		fail++
	}
	return pass, fail, skip
}

// OK is whether every point passed or was skipped and the plan was complete.
func (o *Outcome) OK() bool {
	_, fail, _ := o.Counts()
	return fail == 0
}

// Run runs program with runtime as its RUNTIME, in Dir (the programs read runtimetest and
// the rootfs tarball from their working directory) and with tmp as TMPDIR, where they make
// their bundles. A program that outlives Timeout or ctx is killed with its process group.
func (s *Suite) Run(ctx context.Context, program, runtime, tmp string) (*Outcome, error) {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.Dir, program))
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), "RUNTIME="+runtime, "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	o := &Outcome{Program: program, Stdout: stdout.String(), Stderr: stderr.String(), Elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		o.ExitCode = ee.ExitCode()
	default:
		return nil, fmt.Errorf("ociclient: validation program %s: %w", program, err)
	}
	o.TAP, err = ParseTAP(strings.NewReader(o.Stdout))
	return o, err
}
