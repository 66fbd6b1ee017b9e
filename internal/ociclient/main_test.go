package ociclient_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/ociclient"
	"github.com/gvisorfsm/gvisorfsm/internal/runsctest"
	gvrt "github.com/gvisorfsm/gvisorfsm/runtime"
)

// repoRoot is the module's root, from this package's directory (where go test runs).
const repoRoot = "../.."

// frontEndPkg is the runc-compatible front-end; when it is in the tree, every check runs
// against it too, beside raw runsc.
const frontEndPkg = "./cmd/gvisorfsm-oci"

var buildDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// need skips t unless the real runsc can run (runsctest.Need) and every program of bins
// is installed; under CI=true a missing one fails instead.
func need(t testing.TB, bins ...string) {
	t.Helper()
	runsctest.Need(t)
	var missing []string
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s missing (tools/install-clients.sh installs them)", strings.Join(missing, ", "))
	}
	t.Skipf("SKIPPING: needs %s (run tools/install-clients.sh)", strings.Join(missing, ", "))
}

// subject is one runtime binary under test: a column of the side-by-side results.
type subject struct {
	// name is the column's name: "runsc" (raw, behind a wrapper) or "gvisorfsm-oci".
	name string
	// path is the binary the clients are given.
	path string
	// root is the --root its wrapper gives it: its state lives there, not on the host.
	root string
	// noExec is whether it refuses exec by design (the front-end: a process exec'd into a
	// sandbox has no place in the lifecycle); the exec checks skip for it, loudly.
	noExec bool
	// raw is whether it is runsc itself, which is known to break some OCI rules: its
	// results are the baseline the front-end is compared with.
	raw bool
}

var (
	frontEndOnce sync.Once
	frontEndBin  string
	frontEndErr  error
)

// subjects writes, into dir, the runtimes the clients are run with: raw runsc behind a
// one-line wrapper with the flags it needs here (runsctest.GlobalFlags), and, when
// cmd/gvisorfsm-oci exists, the front-end built from it (once per test binary), told the
// runsc under test and the same platform and network by its own flags. Each gets a --root of its own under dir, in front of the
// client's flags: podman passes none (runsc would use the host's /var/run/runsc), and a
// client that passes one (containerd's shim) overrides it.
func subjects(t testing.TB, dir string) []subject {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	root := func(name string) string { return filepath.Join(dir, name+"-root") }
	argv := append(append([]string{runsctest.Path()}, runsctest.GlobalFlags()...), "--root", root("runsc"))
	raw, err := ociclient.Wrapper(dir, "runsc", nil, argv...)
	if err != nil {
		t.Fatal(err)
	}
	subs := []subject{{name: "runsc", path: raw, root: root("runsc"), raw: true}}
	t.Logf("runsc line: %s (%s)", runsctest.Version(), runsctest.Path())
	if _, err := os.Stat(filepath.Join(repoRoot, frontEndPkg)); err != nil {
		return subs
	}
	frontEndOnce.Do(func() {
		buildDir, frontEndErr = os.MkdirTemp("", "ociclient-build-")
		if frontEndErr != nil {
			return
		}
		frontEndBin = filepath.Join(buildDir, "gvisorfsm-oci")
		cmd := exec.Command("go", "build", "-o", frontEndBin, frontEndPkg)
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			frontEndErr = &buildError{err: err, out: string(out)}
		}
	})
	if frontEndErr != nil {
		t.Fatalf("building %s: %v", frontEndPkg, frontEndErr)
	}
	fe, err := ociclient.Wrapper(dir, "gvisorfsm-oci", nil, frontEndBin, "--root", root("gvisorfsm-oci"),
		"--runsc", runsctest.Path(), "--platform", "ptrace", "--network", "none")
	if err != nil {
		t.Fatal(err)
	}
	return append(subs, subject{name: "gvisorfsm-oci", path: fe, root: root("gvisorfsm-oci"), noExec: true})
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// noLeftovers registers a check, run when t ends (after the cleanups registered later,
// which stop the clients), that nothing naming dir or any of stateDirs is left: no
// process, no nsfs mount, and the clients' stateDirs removed. What is found is reaped,
// and is an error.
func noLeftovers(t testing.TB, dir string, stateDirs ...string) {
	t.Helper()
	before := len(ociclient.NsfsMounts())
	t.Cleanup(func() {
		find := func() *ociclient.Leftovers {
			l := &ociclient.Leftovers{}
			for _, d := range append([]string{dir}, stateDirs...) {
				f := ociclient.FindLeftovers(d)
				l.Processes = append(l.Processes, f.Processes...)
				l.Mounts = append(l.Mounts, f.Mounts...)
			}
			return l
		}
		l := find()
		if !l.Empty() {
			// A sandbox may still be on its way out after its client returned.
			time.Sleep(time.Second)
			l = find()
		}
		if !l.Empty() {
			l.Reap()
			t.Errorf("left behind:\n%s", l)
		}
		for _, d := range stateDirs {
			if _, err := os.Stat(d); err == nil {
				t.Errorf("client state %s not removed", d)
				os.RemoveAll(d)
			}
		}
		t.Logf("nsfs mounts on the host: %d before, %d after (other users' included)", before, len(ociclient.NsfsMounts()))
	})
}

// needExec skips t, loudly, for a runtime that refuses exec by design.
func needExec(t *testing.T, sub subject) {
	t.Helper()
	if sub.noExec {
		t.Skipf("SKIPPING: %s refuses exec by design", sub.name)
	}
}

// tempDir is t.TempDir opened to others (0755, and its parent too): runsc's gofer,
// which drops its capabilities, must reach the bundles under it.
func tempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// uniqueName is a container name or ID no other run on the machine uses.
func uniqueName(prefix string) string { return prefix + "-" + gvrt.NewID()[:16] }

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
