package ociclient_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/internal/ociclient"
)

// A stream as the suite's programs print it (tap-go): points, YAML diagnostics that
// themselves mention "ok", a skip and a TODO.
const sampleTAP = `TAP version 13
ok 1 - create MUST generate an error if the ID is not provided
  ---
  {
    "stderr": "not ok at all\nok 7 - inside YAML"
  }
  ...
not ok 2 - attempting to ` + "`delete`" + ` a container that is not ` + "`stopped`" + ` MUST generate an error
ok 3 # SKIP cgroup v1 not mounted
not ok 4 # TODO hooks
ok 5 - a description with # a hash
# a comment
1..5
`

func TestParseTAP(t *testing.T) {
	tp, err := ociclient.ParseTAP(strings.NewReader(sampleTAP))
	if err != nil {
		t.Fatal(err)
	}
	if tp.Plan != 5 || len(tp.Points) != 5 || !tp.Complete() {
		t.Fatalf("plan %d, %d points, complete %v; want 5, 5, true", tp.Plan, len(tp.Points), tp.Complete())
	}
	pass, fail, skip := tp.Counts()
	if pass != 2 || fail != 1 || skip != 2 {
		t.Errorf("counts pass %d fail %d skip %d, want 2 1 2", pass, fail, skip)
	}
	f := tp.Failed()
	if len(f) != 1 || f[0].N != 2 || !strings.HasPrefix(f[0].Description, "attempting to `delete`") {
		t.Errorf("failed points %+v", f)
	}
	if p := tp.Points[2]; !p.Skip || p.Description != "cgroup v1 not mounted" {
		t.Errorf("skip point %+v", p)
	}
	if p := tp.Points[3]; !p.Todo || p.OK {
		t.Errorf("todo point %+v", p)
	}
	if p := tp.Points[4]; p.Skip || p.Todo || p.Description != "a description with # a hash" {
		t.Errorf("point with a hash %+v", p)
	}
}

func TestParseTAPIncomplete(t *testing.T) {
	// A program that gave up at a failed create: a plan never printed.
	tp, err := ociclient.ParseTAP(strings.NewReader("TAP version 13\nok 1 - create\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tp.Complete() || tp.Plan != -1 {
		t.Errorf("stream without a plan: complete %v, plan %d", tp.Complete(), tp.Plan)
	}
	o := &ociclient.Outcome{TAP: tp, ExitCode: 1}
	if pass, fail, _ := o.Counts(); pass != 1 || fail != 1 || o.OK() {
		t.Errorf("outcome of an unfinished program: pass %d fail %d ok %v; want 1 1 false", pass, fail, o.OK())
	}
}

func TestParseTAPStreams(t *testing.T) {
	// A program that checks two configurations prints a stream for each.
	two := "TAP version 13\nok 1 - find\nnot ok 2 - data\n1..2\nTAP version 13\nok 1 - find\nok 2 - data\n1..2\n"
	tp, err := ociclient.ParseTAP(strings.NewReader(two))
	if err != nil {
		t.Fatal(err)
	}
	if pass, fail, _ := tp.Counts(); tp.Plan != 4 || !tp.Complete() || pass != 3 || fail != 1 {
		t.Errorf("two streams: plan %d complete %v pass %d fail %d; want 4 true 3 1", tp.Plan, tp.Complete(), pass, fail)
	}
	// The suite's way of failing before any point: an empty plan and the error in YAML.
	empty, _ := ociclient.ParseTAP(strings.NewReader("TAP version 13\n  ---\n  {\"error\": \"hooks\"}\n  ...\n1..0\n"))
	o := &ociclient.Outcome{TAP: empty}
	if _, fail, _ := o.Counts(); fail != 1 || o.OK() {
		t.Errorf("a program that printed no point: fail %d ok %v; want 1 false", fail, o.OK())
	}
	// A complete plan and a non-zero exit status (util.Fatal after the last point).
	o = &ociclient.Outcome{TAP: tp, ExitCode: 1}
	if _, fail, _ := o.Counts(); fail != 2 {
		t.Errorf("complete plan, exit 1: fail %d, want 2", fail)
	}
}

func TestWrapper(t *testing.T) {
	dir := t.TempDir()
	p, err := ociclient.Wrapper(dir, "w", []string{"GREETING=it's here"}, "/bin/sh", "-c", `echo "$GREETING" "$@"`, "argv0", "--flag=a b")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(p, "client-arg").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), "it's here --flag=a b client-arg\n"; got != want {
		t.Errorf("wrapper printed %q, want %q", got, want)
	}
	if st, _ := os.Stat(filepath.Join(dir, "w")); st.Mode().Perm()&0o111 == 0 {
		t.Errorf("wrapper is not executable: %v", st.Mode())
	}
}
