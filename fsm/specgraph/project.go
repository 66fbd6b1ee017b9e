package specgraph

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

// The spec's variables the projections read.
const (
	// VarRuntime holds the runtime's fsm.State as a TLA+ string.
	VarRuntime = "rt"
	// VarContainers maps each container ID to its fsm.State.
	VarContainers = "cs"
	// VarResult is the result of the step that led to a state: "ok",
	// "failed" (runsc ran and failed) or "refused" (the wrapper refused it).
	VarResult = "res"
)

// Stutter is the spec's action that only keeps a finished system running
// (so that TLC's deadlock check stays on); it is not an fsm event.
const Stutter = "Terminated"

var (
	actionLabel = regexp.MustCompile(`^(\w+)(?:\((.*)\))?$`)
	funcPair    = regexp.MustCompile(`(\w+) :> "(\w+)"`)
)

type projected struct {
	from, to fsm.State
	event    fsm.Event
}

// ProjectRuntime returns the runtime machine the graph implies: one
// transition per distinct (rt before, action, rt after) of a successful step
// of a runtime action. It fails when a step breaks the spec's shape: an
// action that is neither an fsm event nor Stutter, a failed or refused step
// that changed rt or cs, a runtime step that moved a container, or one
// (state, event) with two targets.
func ProjectRuntime(edges []Edge) ([]fsm.Transition, error) {
	rt, _, err := Project(edges)
	return rt, err
}

// ProjectContainer returns the machine of container id the graph implies:
// one transition per distinct (cs[id] before, action, cs[id] after) of a
// successful step of a container action on id. It fails as ProjectRuntime
// does, also when a container step moves the runtime or another container,
// and when id never appears.
func ProjectContainer(edges []Edge, id string) ([]fsm.Transition, error) {
	_, cs, err := Project(edges)
	if err != nil {
		return nil, err
	}
	t, ok := cs[id]
	if !ok {
		return nil, fmt.Errorf("specgraph: no step of container %q", id)
	}
	return t, nil
}

// ContainerIDs returns the container IDs of the graph's states, sorted.
func ContainerIDs(edges []Edge) ([]string, error) {
	if len(edges) == 0 {
		return nil, fmt.Errorf("specgraph: no edges")
	}
	cs, err := containers(edges[0].From)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(cs)), nil
}

// Project returns both projections of the graph at once: the runtime
// machine and one machine per container ID, as ProjectRuntime and
// ProjectContainer describe them.
func Project(edges []Edge) (runtime []fsm.Transition, perContainer map[string][]fsm.Transition, err error) {
	runtimeEvents := map[fsm.Event]bool{}
	for _, e := range fsm.RuntimeEvents() {
		runtimeEvents[e] = true
	}
	containerEvents := map[fsm.Event]bool{}
	for _, e := range fsm.ContainerEvents() {
		containerEvents[e] = true
	}
	rtSeen := map[projected]bool{}
	csSeen := map[string]map[projected]bool{}
	cache := map[string]map[string]fsm.State{} // cs text -> parsed: states repeat
	for _, e := range edges {
		s, err := readStep(e, cache)
		if err != nil {
			return nil, nil, err
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("specgraph: step %s (%s -> %s): %s", e.Action, s.rtFrom, s.rtTo, fmt.Sprintf(format, args...))
		}
		event := fsm.Event(s.name)
		switch {
		case s.name == Stutter:
			if !maps.Equal(e.From, e.To) {
				return nil, nil, fail("%s changed the state", Stutter)
			}
			continue
		case !runtimeEvents[event] && !containerEvents[event]:
			return nil, nil, fail("action %q is not an fsm event", s.name)
		}
		switch s.result {
		case "ok":
		case "failed", "refused":
			if s.rtFrom != s.rtTo || !maps.Equal(s.csFrom, s.csTo) {
				return nil, nil, fail("a %s step changed the state", s.result)
			}
			continue
		default:
			return nil, nil, fail("result %q", s.result)
		}
		if runtimeEvents[event] {
			if len(s.args) != 0 || !maps.Equal(s.csFrom, s.csTo) {
				return nil, nil, fail("a runtime step took arguments or moved a container")
			}
			rtSeen[projected{s.rtFrom, s.rtTo, event}] = true
			continue
		}
		if len(s.args) != 1 {
			return nil, nil, fail("a container step needs exactly one argument")
		}
		id := s.args[0]
		if _, ok := s.csFrom[id]; !ok {
			return nil, nil, fail("unknown container %q", id)
		}
		if s.rtFrom != s.rtTo {
			return nil, nil, fail("a container step moved the runtime")
		}
		for c := range s.csFrom {
			if c != id && s.csFrom[c] != s.csTo[c] {
				return nil, nil, fail("a step of %s moved container %s", id, c)
			}
		}
		if csSeen[id] == nil {
			csSeen[id] = map[projected]bool{}
		}
		csSeen[id][projected{s.csFrom[id], s.csTo[id], event}] = true
	}
	runtime, err = table("runtime", rtSeen)
	if err != nil {
		return nil, nil, err
	}
	perContainer = map[string][]fsm.Transition{}
	for id, seen := range csSeen {
		if perContainer[id], err = table("container "+id, seen); err != nil {
			return nil, nil, err
		}
	}
	return runtime, perContainer, nil
}

// table turns distinct projected steps into sorted transitions and refuses
// a (state, event) with two targets: the fsm would have to choose.
func table(what string, seen map[projected]bool) ([]fsm.Transition, error) {
	target := map[[2]string]fsm.State{}
	var out []fsm.Transition
	for p := range seen {
		key := [2]string{string(p.from), string(p.event)}
		if to, ok := target[key]; ok && to != p.to {
			return nil, fmt.Errorf("specgraph: %s: %s in %s leads to both %s and %s", what, p.event, p.from, to, p.to)
		}
		target[key] = p.to
		out = append(out, fsm.Transition{Event: p.event, From: p.from, To: p.to})
	}
	Sort(out)
	return out, nil
}

type step struct {
	name         string
	args         []string
	rtFrom, rtTo fsm.State
	csFrom, csTo map[string]fsm.State
	result       string
}

func readStep(e Edge, cache map[string]map[string]fsm.State) (step, error) {
	var s step
	m := actionLabel.FindStringSubmatch(e.Action)
	if m == nil {
		return s, fmt.Errorf("specgraph: action label %q", e.Action)
	}
	s.name = m[1]
	if m[2] != "" {
		for _, a := range strings.Split(m[2], ",") {
			s.args = append(s.args, strings.TrimSpace(a))
		}
	}
	var err error
	if s.rtFrom, err = stringVar(e.From, VarRuntime); err != nil {
		return s, err
	}
	if s.rtTo, err = stringVar(e.To, VarRuntime); err != nil {
		return s, err
	}
	if s.csFrom, err = cachedContainers(e.From, cache); err != nil {
		return s, err
	}
	if s.csTo, err = cachedContainers(e.To, cache); err != nil {
		return s, err
	}
	res, err := stringVar(e.To, VarResult)
	s.result = string(res)
	return s, err
}

func stringVar(st State, name string) (fsm.State, error) {
	v, ok := st[name]
	if !ok {
		return "", fmt.Errorf("specgraph: state has no variable %s", name)
	}
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", fmt.Errorf("specgraph: %s = %s is not a string", name, v)
	}
	return fsm.State(v[1 : len(v)-1]), nil
}

func cachedContainers(st State, cache map[string]map[string]fsm.State) (map[string]fsm.State, error) {
	if cs, ok := cache[st[VarContainers]]; ok {
		return cs, nil
	}
	cs, err := containers(st)
	if err == nil {
		cache[st[VarContainers]] = cs
	}
	return cs, err
}

func containers(st State) (map[string]fsm.State, error) {
	v, ok := st[VarContainers]
	if !ok {
		return nil, fmt.Errorf("specgraph: state has no variable %s", VarContainers)
	}
	pairs := funcPair.FindAllStringSubmatch(v, -1)
	if len(pairs) == 0 || len(pairs) != strings.Count(v, ":>") {
		return nil, fmt.Errorf("specgraph: %s = %s is not a function from IDs to state strings", VarContainers, v)
	}
	out := map[string]fsm.State{}
	for _, p := range pairs {
		out[p[1]] = fsm.State(p[2])
	}
	return out, nil
}

// Sort orders a table by From, then Event, then To.
func Sort(t []fsm.Transition) {
	slices.SortFunc(t, func(a, b fsm.Transition) int {
		return strings.Compare(string(a.From)+"\x00"+string(a.Event)+"\x00"+string(a.To),
			string(b.From)+"\x00"+string(b.Event)+"\x00"+string(b.To))
	})
}

// Diff compares two tables as sets: missing holds the rows of want that got
// lacks, extra the rows of got that want lacks, each sorted.
func Diff(want, got []fsm.Transition) (missing, extra []fsm.Transition) {
	inGot := map[fsm.Transition]bool{}
	for _, t := range got {
		inGot[t] = true
	}
	inWant := map[fsm.Transition]bool{}
	for _, t := range want {
		inWant[t] = true
		if !inGot[t] {
			missing = append(missing, t)
		}
	}
	for _, t := range got {
		if !inWant[t] {
			extra = append(extra, t)
		}
	}
	Sort(missing)
	Sort(extra)
	return missing, extra
}
