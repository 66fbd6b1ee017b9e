package tla

import (
	"encoding/json"
	"io"
)

// stepInfo is what TLC's JSON counterexample says of the action taking a step.
type stepInfo struct {
	name, module string
	sp           span
	params       []string
	args         []Value
}

// writeTraceJSON writes a counterexample as TLC's -dumpTrace json does:
// {"action": [[[i, state], action, [i+1, state]], ...], "state": [[i, state], ...]},
// states as objects of variable values, sets and sequences as arrays, records and
// functions as objects (keys printed as TLC prints values), model values as their
// names.
func writeTraceJSON(w io.Writer, tr []State) error {
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
		Context    map[string]any `json:"context"`
		Parameters []string       `json:"parameters"`
	}
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
		if i == 0 {
			continue
		}
		a := action{Name: tr[i].Action, Context: map[string]any{}, Parameters: []string{}}
		if st := tr[i].step; st != nil {
			a.Name = st.name
			a.Location = located{st.sp.from.Line, st.sp.from.Col, st.sp.to.Line, st.sp.to.Col, st.module}
			a.Parameters = append(a.Parameters, st.params...)
			for k, p := range st.params {
				if k < len(st.args) {
					a.Context[p] = jsonValue(st.args[k])
				}
			}
		}
		out.Action = append(out.Action, []any{state(i - 1), a, state(i)})
	}
	return json.NewEncoder(w).Encode(out)
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
