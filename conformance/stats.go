package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// Pair is one (state, operation) cell of the coverage matrix.
type Pair struct {
	State fsm.State
	Op    fsm.Event
}

// Stats counts what the tiers did, for the summary table. Safe for
// concurrent use; the zero value is ready.
type Stats struct {
	mu        sync.Mutex
	tiers     map[string]*TierStats
	tierOrder []string
	mutants   []MutantResult
}

// TierStats is one tier's counters.
type TierStats struct {
	Cases, Steps, RunscCalls int
	// WrapperCalls and ObserverCalls split RunscCalls where a tier counts
	// every runsc process started: by the wrapper under test (probes,
	// waiters and cleanups included) and by the harness's own observer
	// (its lists, execs and sweeps).
	WrapperCalls, ObserverCalls int
	Histories, HistoryOps       int
	Clients                     int
	Results                     map[steptrace.Result]int
	Faults                      map[Fault]int
	Coverage                    map[Pair]map[steptrace.Result]int `json:"-"`
	Tolerated                   map[string]int
	Elapsed                     time.Duration
	CheckTimes                  []time.Duration
}

// MutantResult is how one seeded bug fared.
type MutantResult struct {
	Name   string
	Killed bool
	By     string // the test that failed
	Time   time.Duration
}

// Tier returns the counters of the named tier, creating them.
func (s *Stats) Tier(name string) *TierStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tiers == nil {
		s.tiers = map[string]*TierStats{}
	}
	ts, ok := s.tiers[name]
	if !ok {
		ts = &TierStats{Results: map[steptrace.Result]int{}, Faults: map[Fault]int{}, Coverage: map[Pair]map[steptrace.Result]int{}, Tolerated: map[string]int{}}
		s.tiers[name] = ts
		s.tierOrder = append(s.tierOrder, name)
	}
	return ts
}

// Update runs f on the named tier under the lock.
func (s *Stats) Update(name string, f func(*TierStats)) {
	ts := s.Tier(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	f(ts)
}

// Snapshot returns a copy of the named tier's counters.
func (s *Stats) Snapshot(name string) TierStats {
	ts := s.Tier(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *ts
	c.Results = clone(ts.Results)
	c.Faults = clone(ts.Faults)
	c.Tolerated = clone(ts.Tolerated)
	c.Coverage = map[Pair]map[steptrace.Result]int{}
	for k, v := range ts.Coverage {
		c.Coverage[k] = clone(v)
	}
	c.CheckTimes = slices.Clone(ts.CheckTimes)
	return c
}

func clone[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// tierJSON is TierStats in a form encoding/json can carry between
// processes (coverage keys flattened).
type tierJSON struct {
	TierStats
	Cov []covJSON
}

type covJSON struct {
	State   fsm.State
	Op      fsm.Event
	Results map[steptrace.Result]int
}

// MarshalTier encodes the named tier's counters.
func (s *Stats) MarshalTier(name string) ([]byte, error) {
	ts := s.Snapshot(name)
	tj := tierJSON{TierStats: ts}
	for p, r := range ts.Coverage {
		tj.Cov = append(tj.Cov, covJSON{p.State, p.Op, r})
	}
	tj.TierStats.Coverage = nil
	return json.Marshal(tj)
}

// MergeTier adds counters encoded by MarshalTier into the named tier.
func (s *Stats) MergeTier(name string, data []byte) error {
	var tj tierJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return err
	}
	s.Update(name, func(ts *TierStats) {
		o := tj.TierStats
		ts.Cases += o.Cases
		ts.Steps += o.Steps
		ts.RunscCalls += o.RunscCalls
		ts.WrapperCalls += o.WrapperCalls
		ts.ObserverCalls += o.ObserverCalls
		ts.Histories += o.Histories
		ts.HistoryOps += o.HistoryOps
		if o.Clients > ts.Clients {
			ts.Clients = o.Clients
		}
		for k, v := range o.Results {
			ts.Results[k] += v
		}
		for k, v := range o.Faults {
			ts.Faults[k] += v
		}
		for k, v := range o.Tolerated {
			ts.Tolerated[k] += v
		}
		ts.CheckTimes = append(ts.CheckTimes, o.CheckTimes...)
		for _, c := range tj.Cov {
			p := Pair{c.State, c.Op}
			if ts.Coverage[p] == nil {
				ts.Coverage[p] = map[steptrace.Result]int{}
			}
			for r, n := range c.Results {
				ts.Coverage[p][r] += n
			}
		}
	})
	return nil
}

// AddMutant records a mutant's fate.
func (s *Stats) AddMutant(m MutantResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mutants = append(s.mutants, m)
}

// Record counts one operation of a tier: the state the wrapper reported
// before it, the operation, its result and the fault armed for it.
func (ts *TierStats) Record(before fsm.State, op fsm.Event, r steptrace.Result, f Fault) {
	ts.Steps++
	ts.Results[r]++
	if f != NoFault {
		ts.Faults[f]++
	}
	p := Pair{before, op}
	if ts.Coverage[p] == nil {
		ts.Coverage[p] = map[steptrace.Result]int{}
	}
	ts.Coverage[p][r]++
}

// Missing returns the (state, operation) pairs of the container machine the
// tier never exercised. Absent and Deleted count for every operation; the
// refused ones included.
func (ts *TierStats) Missing() []Pair {
	var out []Pair
	for _, s := range []fsm.State{fsm.Absent, fsm.Created, fsm.Running, fsm.Paused, fsm.Stopped, fsm.Deleted} {
		for _, op := range ContainerOps {
			if len(ts.Coverage[Pair{s, op}]) == 0 {
				out = append(out, Pair{s, op})
			}
		}
	}
	return out
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1 // nearest rank
	if i < 0 {
		i = 0
	}
	return s[i]
}

// WriteSummary prints one table over every tier that ran.
func (s *Stats) WriteSummary(w io.Writer) {
	s.mu.Lock()
	names := slices.Clone(s.tierOrder)
	mutants := slices.Clone(s.mutants)
	s.mu.Unlock()
	if len(names) == 0 {
		return
	}
	fmt.Fprintln(w, "=== conformance summary")
	fmt.Fprintf(w, "%-14s %7s %6s %8s %6s %7s %7s %8s %9s %9s %8s %9s\n",
		"tier", "cases", "steps", "mean", "runsc", "hist", "ops/h", "clients", "unknown%", "chk p50", "chk p99", "coverage")
	for _, n := range names {
		ts := s.Snapshot(n)
		mean := 0.0
		if ts.Cases > 0 {
			mean = float64(ts.Steps) / float64(ts.Cases)
		}
		opsPer := 0.0
		if ts.Histories > 0 {
			opsPer = float64(ts.HistoryOps) / float64(ts.Histories)
		}
		total := 0
		for _, c := range ts.Results {
			total += c
		}
		unk := 0.0
		if total > 0 {
			unk = 100 * float64(ts.Results[steptrace.Unknown]) / float64(total)
		}
		cov := "-"
		if len(ts.Coverage) > 0 {
			cells := 6 * len(ContainerOps)
			cov = fmt.Sprintf("%d/%d", cells-len(ts.Missing()), cells)
		}
		fmt.Fprintf(w, "%-14s %7d %6d %8.1f %6d %7d %7.1f %8d %8.2f%% %9s %8s %9s\n",
			n, ts.Cases, ts.Steps, mean, ts.RunscCalls, ts.Histories, opsPer, ts.Clients, unk,
			round(percentile(ts.CheckTimes, 0.5)), round(percentile(ts.CheckTimes, 0.99)), cov)
	}
	for _, n := range names {
		ts := s.Snapshot(n)
		if ts.WrapperCalls+ts.ObserverCalls == 0 || ts.Cases == 0 {
			continue
		}
		calls := ts.WrapperCalls + ts.ObserverCalls
		line := fmt.Sprintf("runsc[%s]: %d processes (wrapper %d, observer %d), %.1f a case",
			n, calls, ts.WrapperCalls, ts.ObserverCalls, float64(calls)/float64(ts.Cases))
		if ts.Elapsed > 0 {
			line += fmt.Sprintf(", %.1fs a case, %.2fs a call", ts.Elapsed.Seconds()/float64(ts.Cases), ts.Elapsed.Seconds()/float64(calls))
		}
		fmt.Fprintln(w, line)
	}
	for _, n := range names {
		ts := s.Snapshot(n)
		if len(ts.Faults) == 0 {
			continue
		}
		var kinds []string
		for f := range ts.Faults {
			kinds = append(kinds, string(f))
		}
		sort.Strings(kinds)
		var parts []string
		for _, k := range kinds {
			parts = append(parts, fmt.Sprintf("%s=%d", k, ts.Faults[Fault(k)]))
		}
		fmt.Fprintf(w, "faults[%s]: %s\n", n, strings.Join(parts, " "))
		var res []string
		for _, r := range Results {
			res = append(res, fmt.Sprintf("%s=%d", r, ts.Results[r]))
		}
		fmt.Fprintf(w, "results[%s]: %s\n", n, strings.Join(res, " "))
	}
	for _, n := range names {
		ts := s.Snapshot(n)
		for name, c := range ts.Tolerated {
			fmt.Fprintf(w, "!!! KNOWN DIVERGENCE [%s] tolerated %d times: %s\n", n, c, name)
		}
	}
	if len(mutants) > 0 {
		killed := 0
		for _, m := range mutants {
			if m.Killed {
				killed++
			}
			fmt.Fprintf(w, "mutant %-28s killed=%-5v %8s %s\n", m.Name, m.Killed, round(m.Time), m.By)
		}
		fmt.Fprintf(w, "mutation score: %d/%d\n", killed, len(mutants))
	} else {
		fmt.Fprintln(w, "mutation score: - (make mutants has not run on this machine)")
	}
}

func round(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	default:
		return d.Round(100 * time.Microsecond).String()
	}
}
