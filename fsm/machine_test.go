package fsm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

// kind describes one machine for table-driven tests.
type kind struct {
	name    string
	new     func() *fsm.Machine
	table   []fsm.Transition
	states  []fsm.State
	events  []fsm.Event
	initial fsm.State
}

func kinds() []kind {
	return []kind{
		{fsm.MachineRuntime, fsm.NewRuntime, fsm.RuntimeTable(), fsm.RuntimeStates(), fsm.RuntimeEvents(), fsm.Unresolved},
		{fsm.MachineContainer, func() *fsm.Machine { return fsm.NewContainer("c1") }, fsm.ContainerTable(),
			fsm.ContainerStates(), fsm.ContainerEvents(), fsm.Absent},
	}
}

// pathTo finds events that drive a fresh machine from initial to target,
// by breadth-first search over the table.
func pathTo(table []fsm.Transition, initial, target fsm.State) ([]fsm.Event, bool) {
	prev := map[fsm.State]fsm.Transition{}
	seen := map[fsm.State]bool{initial: true}
	queue := []fsm.State{initial}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if s == target {
			var path []fsm.Event
			for s != initial {
				t := prev[s]
				path = append([]fsm.Event{t.Event}, path...)
				s = t.From
			}
			return path, true
		}
		for _, t := range table {
			if t.From == s && !seen[t.To] {
				seen[t.To] = true
				prev[t.To] = t
				queue = append(queue, t.To)
			}
		}
	}
	return nil, false
}

func TestTablesAreWellFormed(t *testing.T) {
	for _, k := range kinds() {
		t.Run(k.name, func(t *testing.T) {
			if k.states[0] != k.initial || k.new().Current() != k.initial {
				t.Errorf("initial state: list starts with %s, machine starts in %s, want %s", k.states[0], k.new().Current(), k.initial)
			}
			states := map[fsm.State]bool{}
			for _, s := range k.states {
				states[s] = true
			}
			events := map[fsm.Event]bool{}
			for _, e := range k.events {
				events[e] = true
			}
			used := map[fsm.Event]bool{}
			rows := map[string]fsm.State{}
			for _, tr := range k.table {
				if !states[tr.From] || !states[tr.To] || !events[tr.Event] {
					t.Errorf("row %s uses a state or event the machine does not list", tr)
				}
				key := string(tr.From) + "/" + string(tr.Event)
				if to, dup := rows[key]; dup {
					t.Errorf("two rows for (%s, %s): to %s and %s", tr.From, tr.Event, to, tr.To)
				}
				rows[key] = tr.To
				used[tr.Event] = true
			}
			for _, e := range k.events {
				if !used[e] {
					t.Errorf("event %s has no row", e)
				}
			}
			for _, s := range k.states {
				if _, ok := pathTo(k.table, k.initial, s); !ok {
					t.Errorf("state %s is unreachable", s)
				}
			}
		})
	}
}

// TestEveryStateEventPair drives a fresh machine into every state and fires
// every event there, both machines' events on both machines: the table's rows
// must move exactly as listed, everything else must be refused in place.
func TestEveryStateEventPair(t *testing.T) {
	var allEvents []fsm.Event
	for _, k := range kinds() {
		allEvents = append(allEvents, k.events...)
	}
	ctx := context.Background()
	for _, k := range kinds() {
		want := map[string]fsm.State{}
		for _, tr := range k.table {
			want[string(tr.From)+"/"+string(tr.Event)] = tr.To
		}
		legal := 0
		for _, s := range k.states {
			path, ok := pathTo(k.table, k.initial, s)
			if !ok {
				t.Fatalf("%s: no path to %s", k.name, s)
			}
			for _, e := range allEvents {
				t.Run(fmt.Sprintf("%s/%s/%s", k.name, s, e), func(t *testing.T) {
					m := k.new()
					for _, p := range path {
						if _, _, err := m.Fire(ctx, p); err != nil {
							t.Fatalf("driving to %s: %v", s, err)
						}
					}
					if m.Current() != s {
						t.Fatalf("driven to %s, want %s", m.Current(), s)
					}
					to, isLegal := want[string(s)+"/"+string(e)]
					if got := m.Can(e); got != isLegal {
						t.Errorf("Can(%s) in %s = %v, want %v", e, s, got, isLegal)
					}
					from, gotTo, err := m.Fire(ctx, e)
					if isLegal {
						legal++
						if err != nil || from != s || gotTo != to || m.Current() != to {
							t.Errorf("Fire(%s) in %s = (%s, %s, %v), now %s; want (%s, %s, nil)", e, s, from, gotTo, err, m.Current(), s, to)
						}
						return
					}
					var te *fsm.TransitionError
					if !errors.As(err, &te) || !errors.Is(err, fsm.ErrIllegalTransition) {
						t.Fatalf("Fire(%s) in %s: err = %v, want a *TransitionError matching ErrIllegalTransition", e, s, err)
					}
					if te.State != s || te.Event != e || te.Machine != k.name || te.ID != m.ID() {
						t.Errorf("error fields = %+v, want machine %s, id %q, state %s, event %s", *te, k.name, m.ID(), s, e)
					}
					if msg := err.Error(); !strings.Contains(msg, string(s)) || !strings.Contains(msg, string(e)) {
						t.Errorf("error %q does not name state %s and event %s", msg, s, e)
					}
					if from != s || gotTo != s || m.Current() != s {
						t.Errorf("refused Fire(%s) in %s returned (%s, %s) and left the machine in %s", e, s, from, gotTo, m.Current())
					}
				})
			}
		}
		if legal != len(k.table) {
			t.Errorf("%s: %d legal pairs fired, the table has %d rows", k.name, legal, len(k.table))
		}
	}
}

// TestFireIsAtomic: of many goroutines racing to create the same container,
// exactly one wins; the others see it Created.
func TestFireIsAtomic(t *testing.T) {
	const n = 32
	m := fsm.NewContainer("c1")
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		won     int
		refused int
	)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_ = m.Can(fsm.EventCreate)
			_ = m.Current()
			from, to, err := m.Fire(context.Background(), fsm.EventCreate)
			mu.Lock()
			defer mu.Unlock()
			var te *fsm.TransitionError
			switch {
			case err == nil && from == fsm.Absent && to == fsm.Created:
				won++
			case errors.As(err, &te) && te.State == fsm.Created:
				refused++
			default:
				t.Errorf("Fire = (%s, %s, %v)", from, to, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if won != 1 || refused != n-1 {
		t.Errorf("%d won, %d refused; want 1 and %d", won, refused, n-1)
	}
}

func TestFireIgnoresCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := fsm.NewRuntime()
	if from, to, err := m.Fire(ctx, fsm.EventResolve); err != nil || from != fsm.Unresolved || to != fsm.Resolved {
		t.Fatalf("Fire with a cancelled context = (%s, %s, %v); want the step recorded", from, to, err)
	}
}

func TestTransitionErrorMessage(t *testing.T) {
	m := fsm.NewContainer("web-1")
	_, _, err := m.Fire(context.Background(), fsm.EventPause)
	const want = `fsm: container "web-1": event Pause is not allowed in state Absent`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	_, _, err = fsm.NewRuntime().Fire(context.Background(), fsm.EventClose)
	const wantRT = `fsm: runtime: event Close is not allowed in state Unresolved`
	if err == nil || err.Error() != wantRT {
		t.Errorf("err = %v, want %s", err, wantRT)
	}
}

func TestTablesAreCopies(t *testing.T) {
	tab := fsm.ContainerTable()
	tab[0].To = "Nowhere"
	if fsm.ContainerTable()[0].To == "Nowhere" {
		t.Error("ContainerTable returned the package's own slice")
	}
}

// TestRestoreContainer restores a machine in each container state: it then permits
// exactly what the table permits from there, and a state that is not a container's
// is refused.
func TestRestoreContainer(t *testing.T) {
	for _, st := range fsm.ContainerStates() {
		m, err := fsm.RestoreContainer("c", st)
		if err != nil {
			t.Fatalf("fsm.RestoreContainer(%s): %v", st, err)
		}
		if m.Current() != st || m.ID() != "c" || m.Kind() != fsm.MachineContainer {
			t.Fatalf("fsm.RestoreContainer(%s) = %s %q %s", st, m.Current(), m.ID(), m.Kind())
		}
		for _, e := range fsm.ContainerEvents() {
			want := false
			for _, tr := range fsm.ContainerTable() {
				want = want || tr.From == st && tr.Event == e
			}
			if m.Can(e) != want {
				t.Errorf("restored in %s: Can(%s) = %v, the table says %v", st, e, m.Can(e), want)
			}
		}
	}
	for _, st := range []fsm.State{fsm.Available, "Bogus", ""} {
		if _, err := fsm.RestoreContainer("c", st); err == nil {
			t.Errorf("fsm.RestoreContainer(%q) was accepted", st)
		}
	}
}
