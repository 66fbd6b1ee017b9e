package main

import (
	"errors"
	"slices"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// run's bundle: the host's / read-only, a private /tmp, a fixed environment and the
// container ID as host name.
func TestWorkloadBundle(t *testing.T) {
	t.Setenv("TERM", "xterm-test")
	t.Setenv("SECRET", "must-not-leak")
	dir := t.TempDir()
	b, err := runtime.BuildBundle(dir, workloadSpec([]string{"sh", "-c", "echo hi"}, "/", "c1"))
	if err != nil {
		t.Fatal(err)
	}
	s := b.Spec
	if b.Root != "/" || s.Root == nil || !s.Root.Readonly {
		t.Errorf("root %q (%+v), want / read-only", b.Root, s.Root)
	}
	if !slices.Equal(s.Process.Args, []string{"sh", "-c", "echo hi"}) || s.Process.Cwd != "/" || s.Process.Terminal {
		t.Errorf("process %+v", s.Process)
	}
	if s.Hostname != "c1" {
		t.Errorf("hostname %q, want c1", s.Hostname)
	}
	wantEnv := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "TERM=xterm-test"}
	if !slices.Equal(s.Process.Env, wantEnv) {
		t.Errorf("env %q, want %q", s.Process.Env, wantEnv)
	}
	var tmp int
	for _, m := range s.Mounts {
		if m.Destination == "/tmp" {
			tmp++
			if m.Type != "tmpfs" || !slices.Contains(m.Options, "nosuid") || !slices.Contains(m.Options, "nodev") {
				t.Errorf("/tmp mount %+v, want a nosuid, nodev tmpfs", m)
			}
		}
	}
	if tmp != 1 {
		t.Errorf("%d mounts on /tmp, want 1: %+v", tmp, s.Mounts)
	}

	// A second bundle in the same directory is refused, not written over.
	if _, err := runtime.BuildBundle(dir, workloadSpec([]string{"true"}, "/", "c2")); !errors.Is(err, runtime.ErrInvalidBundle) {
		t.Errorf("bundle over an existing config.json: %v, want ErrInvalidBundle", err)
	}
}
