package ociclient

import (
	"os"
	"path/filepath"
	"strings"
)

// Wrapper writes dir/name, a shell script that runs argv followed by the arguments its
// client passes, with env (KEY=value entries) added to the environment, and returns its
// path. Clients take a runtime as one binary; the wrapper is how raw runsc gets the flags
// it needs here (`--platform=ptrace --network=none`) in front of the client's.
func Wrapper(dir, name string, env []string, argv ...string) (string, error) {
	var b strings.Builder
	b.WriteString("#!/bin/sh\nexec")
	if len(env) > 0 {
		b.WriteString(" env")
		for _, e := range env {
			b.WriteString(" " + shellQuote(e))
		}
	}
	for _, a := range argv {
		b.WriteString(" " + shellQuote(a))
	}
	b.WriteString(" \"$@\"\n")
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o755); err != nil {
		return "", err
	}
	return p, nil
}

// shellQuote quotes s for sh, in single quotes unless it needs none.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
