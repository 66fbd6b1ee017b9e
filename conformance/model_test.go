package conformance

import (
	"slices"
	"testing"
)

var containerStates = []State{Absent, Created, Running, Paused, Stopped, Deleted}

var runtimeStates = []State{Unresolved, Resolved, Available, Unavailable, Closing, Closed, Done, Failed}

func TestModelRefusesEverythingOffTheTable(t *testing.T) {
	for _, s := range containerStates {
		for _, e := range ContainerOps {
			c := Container{State: s}
			out := c.Outcomes(e, true)
			_, row := lookup(containerRules, s, e)
			if s == Deleted && (e == EventCreate || e == EventRun) {
				row = true // a reused ID is a new machine
			}
			if row {
				if len(out[ResultOK]) == 0 || len(out[ResultRefused]) != 0 {
					t.Errorf("%s %s: outcomes %v, want ok and no refusal", s, e, out)
				}
				continue
			}
			if len(out) != 1 || len(out[ResultRefused]) != 1 || out[ResultRefused][0] != c {
				t.Errorf("%s %s: outcomes %v, want only refused, unchanged", s, e, out)
			}
		}
	}
}

func TestModelRefusesContainerOpsUnlessAvailable(t *testing.T) {
	for _, p := range runtimeStates {
		m := Model{Phase: p}
		out := m.Outcomes("c1", EventCreate)
		if p == Available {
			if !slices.Equal(out[ResultOK], []State{Created}) {
				t.Errorf("runtime %s: Create outcomes %v", p, out)
			}
			continue
		}
		if len(out) != 1 || len(out[ResultRefused]) != 1 {
			t.Errorf("runtime %s: Create outcomes %v, want only refused", p, out)
		}
	}
}

func mustStep(t *testing.T, m Model, id string, e Event, r Result, obs State) Model {
	t.Helper()
	n, err := m.Step(id, e, r, obs)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestModelExitCodeKnownOnlyWithAWaiter(t *testing.T) {
	m := AvailableModel()
	m = mustStep(t, m, "a", EventCreate, ResultOK, "")
	m = mustStep(t, m, "a", EventStart, ResultOK, "")
	// Start arms the waiter, but arming may fail on its own.
	if p := m.Possible("a"); !slices.Equal(p, []Container{{State: Running, WaitArmed: true}, {State: Running}}) {
		t.Fatalf("after Start: %v, want Running with or without a waiter", p)
	}
	m = mustStep(t, m, "a", EventWait, ResultOK, "")
	m1 := mustStep(t, m, "a", EventExit, ResultOK, "")
	if p := m1.Possible("a"); len(p) != 1 || p[0] != (Container{State: Stopped, WaitArmed: true, ExitKnown: true}) {
		t.Errorf("after Exit: %v, want Stopped with the exit code known", p)
	}
	m2 := mustStep(t, m, "a", EventSandboxDied, ResultOK, "")
	if p := m2.Possible("a"); len(p) != 1 || p[0] != (Container{State: Stopped}) {
		t.Errorf("after SandboxDied: %v, want Stopped, exit code unknown", p)
	}
	if _, err := m1.Step("a", EventExit, ResultOK, ""); err == nil {
		t.Error("Exit from Stopped was allowed")
	}
}

func TestModelUnknownKeepsBothAndSettles(t *testing.T) {
	m := AvailableModel()
	m = mustStep(t, m, "a", EventCreate, ResultUnknown, "")
	if got := m.States("a"); !slices.Equal(got, []State{Absent, Created}) {
		t.Fatalf("after unknown Create: %v", got)
	}
	// Start is allowed from one of the possibilities; the other refuses it.
	if _, err := m.Step("a", EventStart, ResultOK, ""); err != nil {
		t.Errorf("ok Start after unknown Create: %v", err)
	}
	if _, err := m.Step("a", EventStart, ResultRefused, ""); err != nil {
		t.Errorf("refused Start after unknown Create: %v", err)
	}
	s, err := m.Settle("a", Created)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.States("a"); !slices.Equal(got, []State{Created}) {
		t.Errorf("settled: %v", got)
	}
	if _, err := s.Step("a", EventStart, ResultRefused, ""); err == nil {
		t.Error("refused Start of a Created container allowed after settling")
	}
	if _, err := m.Settle("a", Running); err == nil {
		t.Error("settled an unknown Create to Running")
	}
	// The receiver is a value: none of this changed it.
	if got := m.States("a"); !slices.Equal(got, []State{Absent, Created}) {
		t.Errorf("model changed under Step/Settle: %v", got)
	}
}

func TestModelUnknownObservedMustBeAnOutcome(t *testing.T) {
	m := AvailableModel()
	m = mustStep(t, m, "a", EventCreate, ResultOK, "")
	if _, err := m.Step("a", EventStart, ResultUnknown, Paused); err == nil {
		t.Error("unknown Start reported Paused and the model took it")
	}
	n := mustStep(t, m, "a", EventStart, ResultUnknown, Running)
	if got := n.States("a"); !slices.Equal(got, []State{Running}) {
		t.Errorf("unknown Start observed Running: %v", got)
	}
}

func TestModelReusesDeletedIDs(t *testing.T) {
	m := AvailableModel()
	m = mustStep(t, m, "a", EventRun, ResultOK, "")
	m = mustStep(t, m, "a", EventCreate, ResultOK, "")
	if got := m.Possible("a"); len(got) != 1 || got[0] != (Container{State: Created}) {
		t.Errorf("Create after Run: %v", got)
	}
	if _, err := m.Step("a", EventDelete, ResultOK, ""); err == nil {
		t.Error("Delete of a Created container allowed (runsc allows it; the spec does not)")
	}
}

func TestModelCloseDoneNeedsEveryContainerDeleted(t *testing.T) {
	m := AvailableModel()
	m = mustStep(t, m, "a", EventCreate, ResultOK, "")
	m, err := m.StepRuntime(EventClose, ResultOK, Closing)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Step("b", EventCreate, ResultRefused, ""); err != nil {
		t.Errorf("Create while Closing: %v", err)
	}
	if _, err := m.StepRuntime(EventCloseDone, ResultOK, Closed); err == nil {
		t.Error("CloseDone with a live container")
	}
	m = mustStep(t, m, "a", EventForceDelete, ResultOK, "")
	if _, err := m.StepRuntime(EventCloseDone, ResultOK, Closed); err != nil {
		t.Error(err)
	}
}

func TestModelKillLeadsToExitLater(t *testing.T) {
	m := AvailableModel()
	m = mustStep(t, m, "a", EventCreate, ResultOK, "")
	m = mustStep(t, m, "a", EventStart, ResultOK, "")
	if got := m.States("a"); !slices.Equal(got, []State{Running}) {
		t.Fatalf("before Kill: %v", got)
	}
	m = mustStep(t, m, "a", EventKill, ResultOK, "")
	if got := m.States("a"); !slices.Equal(got, []State{Running, Stopped}) {
		t.Fatalf("after Kill: %v, want Running or Stopped", got)
	}
	// A Pause would hold the stop back: refused whichever way the kill went.
	if _, err := m.Step("a", EventPause, ResultRefused, ""); err != nil {
		t.Error(err)
	}
	if _, err := m.Step("a", EventPause, ResultOK, ""); err == nil {
		t.Error("Pause after an accepted Kill succeeded")
	}
	m = mustStep(t, m, "a", EventExit, ResultOK, "")
	if got := m.States("a"); !slices.Equal(got, []State{Stopped}) {
		t.Errorf("after Exit: %v", got)
	}
}

func TestModelSpontaneousSandboxDeath(t *testing.T) {
	m := AvailableModel()
	m = mustStep(t, m, "a", EventCreate, ResultOK, "")
	m = m.Spontaneous("a", EventSandboxDied)
	if got := m.States("a"); !slices.Equal(got, []State{Created, Stopped}) {
		t.Fatalf("after an outside kill: %v", got)
	}
	if _, err := m.Settle("a", Stopped); err != nil {
		t.Error(err)
	}
	if got := AvailableModel().Spontaneous("b", EventSandboxDied).States("b"); !slices.Equal(got, []State{Absent}) {
		t.Errorf("outside kill of a missing container: %v", got)
	}
}

func TestModelDoomedPausedContainer(t *testing.T) {
	m := AvailableModel()
	m = mustStep(t, m, "a", EventCreate, ResultOK, "")
	m = mustStep(t, m, "a", EventStart, ResultOK, "")
	m = mustStep(t, m, "a", EventPause, ResultOK, "")
	m = m.Doom("a")
	if !m.Uncertain("a") {
		t.Error("a doomed container is not uncertain")
	}
	// runsc goes on saying paused: settling there keeps the doom.
	s, err := m.Settle("a", Paused)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.States("a"); !slices.Equal(got, []State{Paused, Stopped}) {
		t.Errorf("after settling on Paused: %v, want the death still possible", got)
	}
	if _, err := s.Step("a", EventResume, ResultFailed, Paused); err != nil {
		t.Error(err)
	}
	if _, err := s.Step("a", EventSandboxDied, ResultOK, Stopped); err != nil {
		t.Error(err)
	}
}
