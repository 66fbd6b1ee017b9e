package tla

import (
	"encoding/json"
	"fmt"
	"io"
)

// stepInfo is what TLC's JSON counterexample says of the action taking a step.
type stepInfo struct {
	name, module string
	sp           span
	params       []string
	args         []Value
}

// cexStep is a step of a counterexample as TLC's CounterExample (TLCExt) lists it:
// from the state at index from to the one at index to (0-based), taken by the
// action of state act.
type cexStep struct {
	from, to int
	act      State
}

// cexSteps lists the steps of res's counterexample: one into each state after the
// first, then for a temporal violation the step that closes the lasso, back to the
// state the cycle returns to or, for stuttering, from the last state to itself (TLC
// names it by the last state's action).
func cexSteps(res *Result) []cexStep {
	var steps []cexStep
	for i := 1; i < len(res.Trace); i++ {
		steps = append(steps, cexStep{i - 1, i, res.Trace[i]})
	}
	if res.back != nil {
		n := len(res.Trace)
		to := n - 1
		if res.LoopBack > 0 {
			to = res.LoopBack - 1
		}
		steps = append(steps, cexStep{n - 1, to, *res.back})
	}
	return steps
}

// writeTraceJSON writes a counterexample as TLC's -dumpTrace json does:
// {"action": [[[i, state], action, [j, state]], ...], "state": [[i, state], ...]},
// states as objects of variable values, sets and sequences as arrays, records and
// functions as objects (keys printed as TLC prints values), model values as their
// names. An action has a name and a location, and when it has parameters, their
// names and values (context).
func writeTraceJSON(w io.Writer, res *Result) error {
	type located struct {
		BeginLine   int    `json:"beginLine"`
		BeginColumn int    `json:"beginColumn"`
		EndLine     int    `json:"endLine"`
		EndColumn   int    `json:"endColumn"`
		Module      string `json:"module"`
	}
	type action struct {
		Name       string         `json:"name"`
		Location   located        `json:"location"`
		Context    map[string]any `json:"context,omitempty"`
		Parameters []string       `json:"parameters,omitempty"`
	}
	tr := res.Trace
	state := func(i int) []any {
		vars := map[string]any{}
		for k, name := range tr[i].Vars {
			vars[name] = jsonValue(tr[i].Values[k])
		}
		return []any{i + 1, vars}
	}
	out := struct {
		Action [][]any `json:"action"`
		State  [][]any `json:"state"`
	}{Action: [][]any{}, State: [][]any{}}
	for i := range tr {
		out.State = append(out.State, state(i))
	}
	for _, s := range cexSteps(res) {
		a := action{Name: s.act.Action}
		if st := s.act.step; st != nil {
			a.Name = st.name
			a.Location = located{st.sp.from.Line, st.sp.from.Col, st.sp.to.Line, st.sp.to.Col, st.module}
			if len(st.params) > 0 {
				a.Context = map[string]any{}
				a.Parameters = append(a.Parameters, st.params...)
				for k, p := range st.params {
					if k < len(st.args) {
						a.Context[p] = jsonValue(st.args[k])
					}
				}
			}
		}
		out.Action = append(out.Action, []any{state(s.from), a, state(s.to)})
	}
	return json.NewEncoder(w).Encode(out)
}

// WriteTraceTLA writes the counterexample of a failed check as the TLA+ module
// TLC's -dumpTrace tla writes: module defines CounterExample, the record TLCExt's
// CounterExample would be in the behaviour: [state |-> {<<i, s>>, ...}, action |->
// {<<<<i, s>>, a, <<j, t>>>>, ...}], each state s a record of the variables' values
// and each action a a record of its name, location and, when it has parameters,
// their names and values. It writes nothing when there is no counterexample. As in
// TLC's module, model values appear as their bare names.
func (r *Result) WriteTraceTLA(w io.Writer, module string) error {
	if len(r.Trace) == 0 {
		return nil
	}
	state := func(i int) Value {
		s := r.Trace[i]
		return &tupleV{Elems: []Value{intV(i + 1), newRecord(s.Vars, s.Values)}}
	}
	var states, actions []Value
	for i := range r.Trace {
		states = append(states, state(i))
	}
	for _, s := range cexSteps(r) {
		var a Value = newRecord([]string{"name"}, []Value{strV(s.act.Action)})
		if st := s.act.step; st != nil {
			sp := st.sp
			loc := newRecord([]string{"beginLine", "beginColumn", "endLine", "endColumn", "module"},
				[]Value{intV(sp.from.Line), intV(sp.from.Col), intV(sp.to.Line), intV(sp.to.Col), strV(st.module)})
			names, vals := []string{"name", "location"}, []Value{strV(st.name), loc}
			if len(st.params) > 0 && len(st.args) >= len(st.params) {
				params := make([]Value, len(st.params))
				for k, p := range st.params {
					params[k] = strV(p)
				}
				names = append(names, "context", "parameters")
				vals = append(vals, newRecord(st.params, st.args[:len(st.params)]), &tupleV{Elems: params})
			}
			a = newRecord(names, vals)
		}
		actions = append(actions, &tupleV{Elems: []Value{state(s.from), a, state(s.to)}})
	}
	ce := newRecord([]string{"action", "state"}, []Value{newSet(actions), newSet(states)})
	_, err := fmt.Fprintf(w, "---- MODULE %s ----\nLOCAL INSTANCE TLC\n\nCounterExample == \n\t%s\n\n====\n", module, fmtValue(ce))
	return err
}

// jsonValue converts a value for writeTraceJSON; it is also the form ValidateTrace
// reads.
func jsonValue(v Value) any {
	switch x := v.(type) {
	case boolV:
		return bool(x)
	case intV:
		return int64(x)
	case strV:
		return string(x)
	case *modelV:
		return x.Name
	case *tupleV:
		return jsonList(x.Elems)
	case *setV:
		return jsonList(x.Elems)
	case *recordV:
		m := map[string]any{}
		for i, n := range x.Names {
			m[n] = jsonValue(x.Vals[i])
		}
		return m
	case *fcnV:
		m := map[string]any{}
		for i, d := range x.Dom {
			m[keyText(d)] = jsonValue(x.Vals[i])
		}
		return m
	}
	return fmtValue(v)
}

func jsonList(vs []Value) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = jsonValue(v)
	}
	return out
}
