package ociclient_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/ociclient"
	"github.com/gvisorfsm/gvisorfsm/internal/runsctest"
)

// mustPass are the validation programs the front-end must pass whatever raw runsc does:
// raw runsc orphans the first container's sandbox on a duplicate create (create) and
// deletes a created container without --force (delete).
var mustPass = []string{"create", "delete"}

// programResult is one program's outcome against one runtime, with what it left.
type programResult struct {
	*ociclient.Outcome
	leftovers *ociclient.Leftovers
}

func (r programResult) ok() bool { return r.OK() && r.leftovers.Empty() }

// lifecycle are the programs that check the runtime's lifecycle verbs (create, start,
// state, kill, delete) and the files it writes: what a front-end over runsc changes (about
// two minutes together here). The other programs check what runsc does inside the sandbox
// (mounts, cgroups, namespaces, hooks) and take 8 to 14 minutes more.
const lifecycle = `^(create|delete|delete_only_create_resources|delete_resources|kill|kill_no_effect|killsig|pidfile|start|state)$`

// suite finds the built validation suite, skipping loudly (failing under CI=true) when
// there is none. OCI_VALIDATION_RUN, a regular expression, selects programs: by default
// the lifecycle programs, "." for every one.
func suite(t *testing.T) (*ociclient.Suite, []string) {
	t.Helper()
	need(t, "tar")
	dir, err := ociclient.SuiteDir(repoRoot)
	s := &ociclient.Suite{Dir: dir}
	var progs []string
	if err == nil {
		progs, err = s.Programs()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but the validation suite is missing: %v", err)
		}
		t.Skipf("SKIPPING: %v", err)
	}
	re := os.Getenv("OCI_VALIDATION_RUN")
	if re == "" {
		re = lifecycle
	}
	m, err := regexp.Compile(re)
	if err != nil {
		t.Fatalf("OCI_VALIDATION_RUN: %v", err)
	}
	var sel []string
	for _, p := range progs {
		if m.MatchString(p) {
			sel = append(sel, p)
		}
	}
	t.Logf("validation programs matching %s: %d of %d", re, len(sel), len(progs))
	return s, sel
}

// TestValidationSuite runs the OCI runtime validation suite against each runtime under
// test, one program at a time, each in a TMPDIR of its own by which what it leaves (a
// sandbox a runtime lost track of) is found and reaped. Raw runsc's results are the
// baseline, logged per program; the front-end must pass every program raw runsc passes,
// and the lifecycle programs raw runsc fails or leaks in.
func TestValidationSuite(t *testing.T) {
	s, progs := suite(t)
	if len(progs) == 0 {
		t.Fatal("no validation program selected")
	}
	dir := tempDir(t)
	results := map[string]map[string]programResult{}
	subs := subjects(t, filepath.Join(dir, "bin"))
	for _, sub := range subs {
		t.Run(sub.name, func(t *testing.T) {
			res := map[string]programResult{}
			results[sub.name] = res
			for _, prog := range progs {
				tmp := filepath.Join(dir, sub.name, prog)
				if err := os.MkdirAll(tmp, 0o755); err != nil {
					t.Fatal(err)
				}
				// The programs run one at a time and this package's tests one after
				// another (-p 1), so a cgroup directory that appears meanwhile is the
				// program's.
				cgroups := ociclient.CgroupTree()
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				o, err := s.Run(ctx, prog, sub.path, tmp)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				find := func() *ociclient.Leftovers {
					l := ociclient.FindLeftovers(tmp)
					l.Cgroups = ociclient.NewCgroups(cgroups)
					return l
				}
				l := find()
				if !l.Empty() {
					time.Sleep(time.Second) // a sandbox on its way out is not a leak
					l = find()
				}
				l.Reap()
				if err := os.RemoveAll(tmp); err != nil {
					t.Errorf("%s: removing its TMPDIR: %v", prog, err)
				}
				res[prog] = programResult{Outcome: o, leftovers: l}
				if os.Getenv("OCI_VALIDATION_VERBOSE") != "" {
					t.Logf("%s:\n%s\nstderr:\n%s", prog, o.Stdout, o.Stderr)
				}
			}
			logTable(t, sub, progs, res)
			if !sub.raw {
				for prog, r := range res {
					if !r.leftovers.Empty() {
						t.Errorf("%s left behind:\n%s", prog, r.leftovers)
					}
				}
			}
		})
	}
	raw := results["runsc"]
	total := 0
	for _, r := range raw {
		pass, _, _ := r.Counts()
		total += pass
	}
	if total == 0 {
		t.Errorf("raw runsc passed no point of %d programs: the harness, not runsc, is broken", len(progs))
	}
	fe, ok := results["gvisorfsm-oci"]
	if !ok {
		return
	}
	for _, prog := range progs {
		if raw[prog].ok() && !fe[prog].ok() {
			t.Errorf("%s: raw runsc passes, the front-end does not: %s", prog, describe(fe[prog]))
		}
	}
	for _, prog := range mustPass {
		if r, ok := fe[prog]; ok && !r.ok() {
			t.Errorf("%s: the front-end must pass it: %s", prog, describe(r))
		}
	}
}

// logTable logs one runtime's results, program by program, with totals: the numbers the
// README's comparison quotes.
func logTable(t *testing.T, sub subject, progs []string, res map[string]programResult) {
	var b strings.Builder
	fmt.Fprintf(&b, "validation suite against %s (%s):\n", sub.name, runsctest.Version())
	fmt.Fprintf(&b, "%-34s %4s %4s %4s %5s %6s  %s\n", "program", "pass", "fail", "skip", "exit", "secs", "notes")
	var tp, tf, ts, clean, leaky int
	var elapsed time.Duration
	for _, prog := range progs {
		r := res[prog]
		pass, fail, skip := r.Counts()
		tp, tf, ts = tp+pass, tf+fail, ts+skip
		elapsed += r.Elapsed
		if r.ok() {
			clean++
		}
		notes := ""
		switch {
		case len(r.TAP.Points) == 0:
			notes += "no point printed; "
		case !r.TAP.Complete():
			notes += fmt.Sprintf("plan unfinished (%d of %d); ", len(r.TAP.Points), r.TAP.Plan)
		}
		if !r.leftovers.Empty() {
			leaky++
			notes += fmt.Sprintf("LEFT %d processes, %d nsfs mounts, %d cgroups; ", len(r.leftovers.Processes), len(r.leftovers.Mounts), len(r.leftovers.Cgroups))
		}
		for _, f := range r.TAP.Failed() {
			notes += fmt.Sprintf("not ok %d %q; ", f.N, f.Description)
		}
		fmt.Fprintf(&b, "%-34s %4d %4d %4d %5d %6.1f  %s\n", prog, pass, fail, skip, r.ExitCode, r.Elapsed.Seconds(), strings.TrimSuffix(notes, "; "))
	}
	fmt.Fprintf(&b, "total: %d programs, %d clean (all points passed or skipped, nothing left), %d leaked; points: %d passed, %d failed, %d skipped; %.0f s",
		len(progs), clean, leaky, tp, tf, ts, elapsed.Seconds())
	t.Log(b.String())
}

func describe(r programResult) string {
	var parts []string
	for _, f := range r.TAP.Failed() {
		parts = append(parts, fmt.Sprintf("not ok %d %s", f.N, f.Description))
	}
	if !r.TAP.Complete() {
		parts = append(parts, fmt.Sprintf("exit %d, plan unfinished: %s", r.ExitCode, strings.TrimSpace(r.Stderr)))
	}
	if !r.leftovers.Empty() {
		parts = append(parts, "left: "+r.leftovers.String())
	}
	return strings.Join(parts, "; ")
}
