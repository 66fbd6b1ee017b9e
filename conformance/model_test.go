package conformance

import (
	"slices"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

func TestModelRefusesEverythingOffTheTable(t *testing.T) {
	for _, s := range fsm.ContainerStates() {
		for _, e := range ContainerOps {
			c := Container{State: s}
			out := c.Outcomes(e, true)
			_, row := lookup(containerTable, s, e)
			if s == fsm.Deleted && (e == fsm.EventCreate || e == fsm.EventRun) {
				row = true // a reused ID is a new machine
			}
			if row {
				if len(out[steptrace.OK]) == 0 || len(out[steptrace.Refused]) != 0 {
					t.Errorf("%s %s: outcomes %v, want ok and no refusal", s, e, out)
				}
				continue
			}
			if len(out) != 1 || len(out[steptrace.Refused]) != 1 || out[steptrace.Refused][0] != c {
				t.Errorf("%s %s: outcomes %v, want only refused, unchanged", s, e, out)
			}
		}
	}
}

func TestModelRefusesContainerOpsUnlessAvailable(t *testing.T) {
	for _, p := range fsm.RuntimeStates() {
		m := Model{Phase: p}
		out := m.Outcomes("c1", fsm.EventCreate)
		if p == fsm.Available {
			if !slices.Equal(out[steptrace.OK], []fsm.State{fsm.Created}) {
				t.Errorf("runtime %s: Create outcomes %v", p, out)
			}
			continue
		}
		if len(out) != 1 || len(out[steptrace.Refused]) != 1 {
			t.Errorf("runtime %s: Create outcomes %v, want only refused", p, out)
		}
	}
}

func mustStep(t *testing.T, m Model, id string, e fsm.Event, r steptrace.Result, obs fsm.State) Model {
	t.Helper()
	n, err := m.Step(id, e, r, obs)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// modelAfter is an available model in which container id has taken each of events,
// each ok.
func modelAfter(t *testing.T, id string, events ...fsm.Event) Model {
	t.Helper()
	m := AvailableModel()
	for _, e := range events {
		m = mustStep(t, m, id, e, steptrace.OK, "")
	}
	return m
}

func TestModelExitCodeKnownOnlyWithAWaiter(t *testing.T) {
	m := modelAfter(t, "a", fsm.EventCreate, fsm.EventStart)
	// Start arms the waiter, but arming may fail on its own.
	if p := m.Possible("a"); !slices.Equal(p, []Container{{State: fsm.Running, WaitArmed: true}, {State: fsm.Running}}) {
		t.Fatalf("after Start: %v, want Running with or without a waiter", p)
	}
	m = mustStep(t, m, "a", fsm.EventWait, steptrace.OK, "")
	m1 := mustStep(t, m, "a", fsm.EventExit, steptrace.OK, "")
	if p := m1.Possible("a"); len(p) != 1 || p[0] != (Container{State: fsm.Stopped, WaitArmed: true, ExitKnown: true}) {
		t.Errorf("after Exit: %v, want Stopped with the exit code known", p)
	}
	m2 := mustStep(t, m, "a", fsm.EventSandboxDied, steptrace.OK, "")
	if p := m2.Possible("a"); len(p) != 1 || p[0] != (Container{State: fsm.Stopped}) {
		t.Errorf("after SandboxDied: %v, want Stopped, exit code unknown", p)
	}
	if _, err := m1.Step("a", fsm.EventExit, steptrace.OK, ""); err == nil {
		t.Error("Exit from Stopped was allowed")
	}
}

func TestModelUnknownKeepsBothAndSettles(t *testing.T) {
	m := AvailableModel()
	m = mustStep(t, m, "a", fsm.EventCreate, steptrace.Unknown, "")
	if got := m.States("a"); !slices.Equal(got, []fsm.State{fsm.Absent, fsm.Created}) {
		t.Fatalf("after unknown Create: %v", got)
	}
	// Start is allowed from one of the possibilities; the other refuses it.
	if _, err := m.Step("a", fsm.EventStart, steptrace.OK, ""); err != nil {
		t.Errorf("ok Start after unknown Create: %v", err)
	}
	if _, err := m.Step("a", fsm.EventStart, steptrace.Refused, ""); err != nil {
		t.Errorf("refused Start after unknown Create: %v", err)
	}
	s, err := m.Settle("a", fsm.Created)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.States("a"); !slices.Equal(got, []fsm.State{fsm.Created}) {
		t.Errorf("settled: %v", got)
	}
	if _, err := s.Step("a", fsm.EventStart, steptrace.Refused, ""); err == nil {
		t.Error("refused Start of a Created container allowed after settling")
	}
	if _, err := m.Settle("a", fsm.Running); err == nil {
		t.Error("settled an unknown Create to Running")
	}
	// The receiver is a value: none of this changed it.
	if got := m.States("a"); !slices.Equal(got, []fsm.State{fsm.Absent, fsm.Created}) {
		t.Errorf("model changed under Step/Settle: %v", got)
	}
}

func TestModelUnknownObservedMustBeAnOutcome(t *testing.T) {
	m := modelAfter(t, "a", fsm.EventCreate)
	if _, err := m.Step("a", fsm.EventStart, steptrace.Unknown, fsm.Paused); err == nil {
		t.Error("unknown Start reported Paused and the model took it")
	}
	n := mustStep(t, m, "a", fsm.EventStart, steptrace.Unknown, fsm.Running)
	if got := n.States("a"); !slices.Equal(got, []fsm.State{fsm.Running}) {
		t.Errorf("unknown Start observed Running: %v", got)
	}
}

func TestModelReusesDeletedIDs(t *testing.T) {
	m := modelAfter(t, "a", fsm.EventRun, fsm.EventCreate)
	if got := m.Possible("a"); len(got) != 1 || got[0] != (Container{State: fsm.Created}) {
		t.Errorf("Create after Run: %v", got)
	}
	if _, err := m.Step("a", fsm.EventDelete, steptrace.OK, ""); err == nil {
		t.Error("Delete of a Created container allowed (runsc allows it; the spec does not)")
	}
}

func TestModelCloseDoneNeedsEveryContainerDeleted(t *testing.T) {
	m := modelAfter(t, "a", fsm.EventCreate)
	m, err := m.StepRuntime(fsm.EventClose, steptrace.OK, fsm.Closing)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Step("b", fsm.EventCreate, steptrace.Refused, ""); err != nil {
		t.Errorf("Create while Closing: %v", err)
	}
	if _, err := m.StepRuntime(fsm.EventCloseDone, steptrace.OK, fsm.Closed); err == nil {
		t.Error("CloseDone with a live container")
	}
	m = mustStep(t, m, "a", fsm.EventForceDelete, steptrace.OK, "")
	if _, err := m.StepRuntime(fsm.EventCloseDone, steptrace.OK, fsm.Closed); err != nil {
		t.Error(err)
	}
}

func TestModelKillLeadsToExitLater(t *testing.T) {
	m := modelAfter(t, "a", fsm.EventCreate, fsm.EventStart)
	if got := m.States("a"); !slices.Equal(got, []fsm.State{fsm.Running}) {
		t.Fatalf("before Kill: %v", got)
	}
	m = mustStep(t, m, "a", fsm.EventKill, steptrace.OK, "")
	if got := m.States("a"); !slices.Equal(got, []fsm.State{fsm.Running, fsm.Stopped}) {
		t.Fatalf("after Kill: %v, want Running or Stopped", got)
	}
	// A Pause would hold the stop back: refused whichever way the kill went.
	if _, err := m.Step("a", fsm.EventPause, steptrace.Refused, ""); err != nil {
		t.Error(err)
	}
	if _, err := m.Step("a", fsm.EventPause, steptrace.OK, ""); err == nil {
		t.Error("Pause after an accepted Kill succeeded")
	}
	m = mustStep(t, m, "a", fsm.EventExit, steptrace.OK, "")
	if got := m.States("a"); !slices.Equal(got, []fsm.State{fsm.Stopped}) {
		t.Errorf("after Exit: %v", got)
	}
}

func TestModelSpontaneousSandboxDeath(t *testing.T) {
	m := modelAfter(t, "a", fsm.EventCreate)
	m = m.Spontaneous("a", fsm.EventSandboxDied)
	if got := m.States("a"); !slices.Equal(got, []fsm.State{fsm.Created, fsm.Stopped}) {
		t.Fatalf("after an outside kill: %v", got)
	}
	if _, err := m.Settle("a", fsm.Stopped); err != nil {
		t.Error(err)
	}
	if got := AvailableModel().Spontaneous("b", fsm.EventSandboxDied).States("b"); !slices.Equal(got, []fsm.State{fsm.Absent}) {
		t.Errorf("outside kill of a missing container: %v", got)
	}
}

func TestModelDoomedPausedContainer(t *testing.T) {
	m := modelAfter(t, "a", fsm.EventCreate, fsm.EventStart, fsm.EventPause)
	m = m.Doom("a")
	if !m.Uncertain("a") {
		t.Error("a doomed container is not uncertain")
	}
	// runsc goes on saying paused: settling there keeps the doom.
	s, err := m.Settle("a", fsm.Paused)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.States("a"); !slices.Equal(got, []fsm.State{fsm.Paused, fsm.Stopped}) {
		t.Errorf("after settling on Paused: %v, want the death still possible", got)
	}
	if _, err := s.Step("a", fsm.EventResume, steptrace.Failed, fsm.Paused); err != nil {
		t.Error(err)
	}
	if _, err := s.Step("a", fsm.EventSandboxDied, steptrace.OK, fsm.Stopped); err != nil {
		t.Error(err)
	}
}
