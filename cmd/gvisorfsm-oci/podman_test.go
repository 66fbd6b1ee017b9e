package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/internal/runsctest"
	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// needPodman skips the test unless podman is installed (fails under CI=true).
func needPodman(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("podman")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but podman is missing (apt-get install podman)")
	}
	t.Skip("SKIPPING: podman is missing (apt-get install podman)")
	return ""
}

// TestPodmanSmoke runs podman with the command as its runtime (`podman --runtime`), on a
// busybox root filesystem: the workload's output reaches podman and its exit status is
// podman's (conmon, the sandbox's parent, collects it), and nothing is left.
func TestPodmanSmoke(t *testing.T) {
	runsc := runsctest.Need(t)
	podman := needPodman(t)
	rootfs := filepath.Join(busyboxBundle(t, "true"), "rootfs")
	bin := binary(t)
	for _, tc := range []struct {
		cmd  []string
		code int
		out  string
	}{{[]string{"/bin/true"}, 0, ""}, {[]string{"/bin/sh", "-c", "echo hello; exit 3"}, 3, "hello\n"}} {
		name := "oci-" + runtime.NewID()
		cidFile := filepath.Join(t.TempDir(), "cid")
		args := append([]string{"--runtime", bin, "--runtime-flag", "runsc=" + runsc, "--runtime-flag", "platform=ptrace",
			"run", "--rm", "--name", name, "--cidfile", cidFile, "--network", "none", "--rootfs", rootfs}, tc.cmd...)
		cmd := exec.Command(podman, args...)
		outf, err := os.Create(filepath.Join(t.TempDir(), "out"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = outf, outf
		err = cmd.Run()
		outf.Close()
		out, _ := os.ReadFile(outf.Name())
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code || string(out) != tc.out {
			t.Errorf("podman run %q: exit %d, output %q; want %d, %q", tc.cmd, code, out, tc.code, tc.out)
		}
		if ps, _ := exec.Command(podman, "ps", "-a", "--filter", "name="+name, "-q").Output(); strings.TrimSpace(string(ps)) != "" {
			t.Errorf("podman still lists %s", name)
		}
		cid, err := os.ReadFile(cidFile)
		if err != nil || len(cid) == 0 {
			t.Fatalf("podman wrote no container ID: %v", err)
		}
		// podman's default --root for a runtime is /run/<its name>.
		if _, err := os.Stat(filepath.Join("/run/gvisorfsm-oci/containers", string(cid))); !os.IsNotExist(err) {
			t.Errorf("the front-end still holds container %s (%v)", cid, err)
		}
	}
}
