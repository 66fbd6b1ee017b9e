package specgraph

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// State is one state of the spec: each variable's value as TLA+ text, the
// way TLC prints it (strings quoted, functions as `(c1 :> "Created" @@ ...)`).
type State map[string]string

// Edge is one step of the spec's state graph. Action is the name of the spec
// action that took it, followed by its arguments when it has any, as TLC
// labels it: "Resolve", "Start(c1)".
type Edge struct {
	From, To State
	Action   string
}

var (
	dotNode = regexp.MustCompile(`^(-?\d+) \[label="((?:[^"\\]|\\.)*)"`)
	dotEdge = regexp.MustCompile(`^(-?\d+) -> (-?\d+) \[label="((?:[^"\\]|\\.)*)"`)
	conj    = regexp.MustCompile(`(?m)^/\\ `)
)

// ParseDot reads a state graph TLC wrote with `-dump dot,actionlabels FILE`.
// Every edge must have an action label and both its ends must be labelled
// nodes.
func ParseDot(r io.Reader) ([]Edge, error) {
	type rawEdge struct{ from, to, action string }
	nodes := map[string]State{}
	var raw []rawEdge
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024) // a state label is one long line
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if m := dotEdge.FindStringSubmatch(text); m != nil {
			raw = append(raw, rawEdge{m[1], m[2], unescape(m[3])})
			continue
		}
		if m := dotNode.FindStringSubmatch(text); m != nil {
			st, err := parseState(unescape(m[2]))
			if err != nil {
				return nil, fmt.Errorf("specgraph: line %d: %w", line, err)
			}
			nodes[m[1]] = st
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("specgraph: %w", err)
	}
	edges := make([]Edge, 0, len(raw))
	for _, e := range raw {
		from, ok1 := nodes[e.from]
		to, ok2 := nodes[e.to]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("specgraph: edge %s -> %s: unknown node", e.from, e.to)
		}
		if e.action == "" {
			return nil, fmt.Errorf("specgraph: edge %s -> %s has no action label (dump with dot,actionlabels)", e.from, e.to)
		}
		edges = append(edges, Edge{From: from, To: to, Action: e.action})
	}
	if len(edges) == 0 {
		return nil, fmt.Errorf("specgraph: no edges")
	}
	return edges, nil
}

// unescape undoes dot string quoting: \" \\ and \n.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseState splits TLC's state text, "/\ x = 1\n/\ y = 2" (or "x = 1" for a
// spec with one variable), into variables. A value may span lines.
func parseState(text string) (State, error) {
	var parts []string
	if strings.HasPrefix(text, `/\ `) {
		parts = conj.Split(text, -1)[1:]
	} else {
		parts = []string{text}
	}
	st := State{}
	for _, p := range parts {
		name, value, ok := strings.Cut(p, " = ")
		if !ok {
			return nil, fmt.Errorf("state text %q: no `name = value`", p)
		}
		st[strings.TrimSpace(name)] = strings.Join(strings.Fields(value), " ")
	}
	return st, nil
}
