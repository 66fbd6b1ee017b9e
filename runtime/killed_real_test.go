package runtime

import (
	"bufio"
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// readyBundle is a bundle whose workload runs script, which says "ready" once it is
// (if it does not, it is said first).
func readyBundle(t *testing.T, script string) string {
	if !strings.Contains(script, "echo ready") {
		script = "echo ready; " + script
	}
	return busyboxBundle(t, "sh", "-c", script)
}

// awaitReady reads lines from rd until the workload's "ready". It may run on a
// goroutine of its own: it reports with Errorf.
func awaitReady(t *testing.T, rd *os.File) bool {
	t.Helper()
	rd.SetReadDeadline(time.Now().Add(30 * time.Second))
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		if sc.Text() == "ready" {
			return true
		}
	}
	t.Errorf("the workload never said ready: %v", sc.Err())
	return false
}

// sandboxProcs is the sandbox and gofer pids runsc recorded for id (0, 0 after an
// Errorf if none).
func sandboxProcs(t *testing.T, root, id string) (sandbox, gofer int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if p := recordedPids(root, id); len(p) == 2 && p[0] > 0 && p[1] > 0 {
			return p[0], p[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("runsc recorded no sandbox and gofer for %s", id)
	return 0, 0
}

// TestRealSandboxKilledFromOutside: a sandbox whose process or gofer is ended from
// outside the workload reports ErrExitUnknown (a *SandboxKilledError naming what
// ended, how), for Run and for Create/Start/Wait, on the trace too; a workload that
// kills itself with a signal is still reported as that signal, and a catchable signal
// sent to the sandbox process reaches the workload, whose own status is reported.
func TestRealSandboxKilledFromOutside(t *testing.T) {
	r, _ := newReal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	type outside struct {
		process string // "sandbox" or "gofer"
		sig     syscall.Signal
	}
	killed := []outside{{"sandbox", syscall.SIGKILL}, {"gofer", syscall.SIGKILL}, {"gofer", syscall.SIGTERM}, {"gofer", syscall.SIGINT}}
	// hit ends id's sandbox or gofer with sig once the workload runs.
	// It runs on a goroutine of its own for Run: it reports with Errorf.
	hit := func(id string, o outside, rd *os.File) {
		if !awaitReady(t, rd) {
			return
		}
		s, g := sandboxProcs(t, r.Root(), id)
		if pid := map[string]int{"sandbox": s, "gofer": g}[o.process]; pid > 0 {
			syscall.Kill(pid, o.sig)
		}
	}
	wantKilled := func(what string, code int, err error, o outside) {
		t.Helper()
		var ke *SandboxKilledError
		if code != -1 || !errors.Is(err, ErrExitUnknown) || !errors.As(err, &ke) {
			t.Errorf("%s: %s killed by %v from outside: (%d, %v), want -1 and a *SandboxKilledError", what, o.process, o.sig, code, err)
			return
		}
		if !strings.Contains(err.Error(), "outside") {
			t.Errorf("%s: the message does not say what happened: %v", what, err)
		}
	}
	for _, o := range killed {
		// Run.
		rd, wr, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		id := NewID()
		done := make(chan struct{})
		go func() { defer close(done); hit(id, o, rd) }()
		code, err := r.Run(ctx, id, readyBundle(t, "sleep 30"), &RunOpts{Stdout: wr})
		<-done
		rd.Close()
		wr.Close()
		wantKilled("Run", code, err, o)
		if !hasStep(r, id, "Run", steptrace.Unknown) {
			t.Errorf("Run with the %s killed by %v: no Run step of unknown outcome: %v", o.process, o.sig, steps(r, id))
		}

		// Create, Start, Wait.
		rd, wr, err = os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		id = NewID()
		mustStart(t, ctx, r, id, readyBundle(t, "sleep 30"), &CreateOpts{Stdout: wr})
		hit(id, o, rd)
		code, err = r.Wait(ctx, id)
		rd.Close()
		wr.Close()
		wantKilled("Wait", code, err, o)
		if !hasStep(r, id, "SandboxDied", steptrace.OK) || hasStep(r, id, "Exit", steptrace.OK) {
			t.Errorf("Wait with the %s killed by %v: want SandboxDied, no Exit: %v", o.process, o.sig, steps(r, id))
		}
		if err := r.Delete(ctx, id, &DeleteOpts{Force: true}); err != nil {
			t.Fatal(err)
		}
	}

	// The workload's own signals, and signals forwarded to it, are its status.
	for _, c := range []struct {
		name    string
		script  string
		forward syscall.Signal // sent to the sandbox process once the workload runs
		want    int
	}{
		{"kills itself with SIGKILL", "kill -KILL $$", 0, 137},
		{"kills itself with SIGTERM", "kill -TERM $$", 0, 143},
		{"kills itself with SIGABRT", "kill -ABRT $$", 0, 134},
		{"exits 137", "exit 137", 0, 137},
		{"SIGTERM to the sandbox, trapped", `trap "exit 7" TERM; echo ready; sleep 30 & wait`, syscall.SIGTERM, 7},
		{"SIGINT to the sandbox", `sleep 30`, syscall.SIGINT, 130},
	} {
		for _, via := range []string{"Run", "Wait"} {
			rd, wr, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			id := NewID()
			b := readyBundle(t, c.script)
			send := func() { // on a goroutine of its own for Run
				if awaitReady(t, rd) && c.forward != 0 {
					if s, _ := sandboxProcs(t, r.Root(), id); s > 0 {
						syscall.Kill(s, c.forward)
					}
				}
			}
			var code int
			if via == "Run" {
				done := make(chan struct{})
				go func() { defer close(done); send() }()
				code, err = r.Run(ctx, id, b, &RunOpts{Stdout: wr})
				<-done
			} else {
				mustStart(t, ctx, r, id, b, &CreateOpts{Stdout: wr})
				send()
				code, err = r.Wait(ctx, id)
				if derr := r.Delete(ctx, id, nil); derr != nil {
					t.Errorf("%s: Delete: %v", c.name, derr)
				}
			}
			rd.Close()
			wr.Close()
			if code != c.want || err != nil {
				t.Errorf("%s, by %s: (%d, %v), want (%d, nil)", c.name, via, code, err, c.want)
			}
		}
	}
}

// TestRunChildrenKilled: the rule that tells a workload's status from runsc run's
// children's ends, on the orders both runsc lines were seen to produce.
func TestRunChildrenKilled(t *testing.T) {
	exit := func(n int) syscall.WaitStatus { return syscall.WaitStatus(n << 8) }
	sig := func(s syscall.Signal) syscall.WaitStatus { return syscall.WaitStatus(s) }
	for _, c := range []struct {
		ends   []syscall.WaitStatus
		exit   int
		killed bool
	}{
		{[]syscall.WaitStatus{exit(0), exit(3)}, 3, false},              // gofer first, then the sandbox
		{[]syscall.WaitStatus{exit(3), sig(syscall.SIGKILL)}, 3, false}, // teardown kills the gofer
		{[]syscall.WaitStatus{exit(0), exit(137), sig(9)}, 137, false},  // helper, workload killed itself
		{[]syscall.WaitStatus{exit(0), sig(9)}, 0, false},               // workload exit 0, teardown
		{[]syscall.WaitStatus{sig(9), sig(9)}, 137, true},               // sandbox killed
		{[]syscall.WaitStatus{exit(0), sig(9), exit(137)}, 137, true},   // gofer killed
		{[]syscall.WaitStatus{exit(2), exit(137)}, 137, true},           // gofer ended by SIGTERM
		{[]syscall.WaitStatus{exit(0), exit(0)}, 143, true},             // nothing passed 143 on
		{nil, 137, false}, // nothing known
	} {
		var ends []childEnd
		for i, ws := range c.ends {
			ends = append(ends, childEnd{pid: 100 + i, ws: ws})
		}
		err := runChildrenKilled("c", ends, c.exit)
		if got := err != nil; got != c.killed || (got && !errors.Is(err, ErrExitUnknown)) {
			t.Errorf("ends %v, runsc exit %d: %v, want killed=%v", c.ends, c.exit, err, c.killed)
		}
	}
}

// TestSandboxLost: runsc's failure counts as a sandbox ended from outside only when its
// control connection broke mid-call and a child ended abnormally.
func TestSandboxLost(t *testing.T) {
	const eof = `running container: starting container: starting root container: urpc method "containerManager.StartRoot" failed: EOF`
	killed := []childEnd{{pid: 7, ws: syscall.WaitStatus(syscall.SIGKILL)}, {pid: 6, ws: syscall.WaitStatus(syscall.SIGKILL)}}
	clean := []childEnd{{pid: 6, ws: 0}, {pid: 7, ws: 0}}
	for _, c := range []struct {
		msg    string
		ends   []childEnd
		killed bool
	}{
		{eof, killed, true},
		{`urpc method "containerManager.Start" failed: read unix @->@: connection reset by peer`, killed, true},
		{eof, clean, false}, // nothing ended abnormally: runsc's word stands
		{eof, nil, false},   // nothing known
		{`starting container: exec "nosuch": no such file or directory`, killed, false}, // runsc's teardown
		{"failed: EOF", killed, false}, // not a control call
	} {
		err := sandboxLost("c", c.msg, c.ends)
		var ke *SandboxKilledError
		if got := err != nil; got != c.killed || (got && (!errors.Is(err, ErrExitUnknown) || !errors.As(err, &ke) || ke.Pid != 7)) {
			t.Errorf("%q, ends %v: %v, want killed=%v (pid 7)", c.msg, c.ends, err, c.killed)
		}
	}
}
