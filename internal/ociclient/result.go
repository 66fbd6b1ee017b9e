package ociclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Result is what one client command did: its exit status and its output.
type Result struct {
	// Args is the command line, for messages.
	Args []string
	// ExitCode is the command's exit status; -1 if it was ended by a signal.
	ExitCode int
	// Stdout and Stderr are the command's output.
	Stdout, Stderr string
}

// String describes r for test messages: the command, its status and its error output.
func (r *Result) String() string {
	return fmt.Sprintf("%s: exit %d: %s", strings.Join(r.Args, " "), r.ExitCode, strings.TrimSpace(r.Stderr))
}

// run runs cmd to the end. A non-zero exit status is a Result, not an error; the error
// is for a command that could not run, or whose context ended.
func run(ctx context.Context, cmd *exec.Cmd) (*Result, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := &Result{Args: cmd.Args, Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return r, fmt.Errorf("ociclient: %s: %w", strings.Join(cmd.Args, " "), ctx.Err())
	case errors.As(err, &ee):
		r.ExitCode = ee.ExitCode()
	default:
		return r, fmt.Errorf("ociclient: %w", err)
	}
	return r, nil
}
