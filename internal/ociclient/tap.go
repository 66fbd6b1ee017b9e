package ociclient

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// TAP is what a validation program prints: one TAP stream, or several one after another
// (a program that checks several configurations prints a stream for each), with their
// plans and test points. The YAML diagnostics between points are not kept.
type TAP struct {
	// Plan is the number of points the streams announced (the sum of their "1..N"
	// lines); -1 if none did.
	Plan int
	// Points are the stream's test points in order.
	Points []Point
}

// Point is one TAP test point ("ok 3 - description", "not ok 4 - ...", "ok 1 # skip why").
type Point struct {
	// N is the point's number.
	N int
	// OK is whether it passed (for a skip: true, as TAP prints it).
	OK bool
	// Skip is whether it was skipped (a "# SKIP" directive).
	Skip bool
	// Todo is whether it is marked as not yet expected to pass (a "# TODO" directive).
	Todo bool
	// Description is the point's text, without its number, dash or directive.
	Description string
}

var (
	pointLine = regexp.MustCompile(`^(not )?ok\b\s*(\d*)\s*(?:-\s*)?(.*)$`)
	planLine  = regexp.MustCompile(`^1\.\.(\d+)`)
)

// ParseTAP reads a TAP stream. Lines that are neither a plan nor a test point (the
// version line, YAML diagnostics, anything a program printed on its own) are ignored.
func ParseTAP(r io.Reader) (*TAP, error) {
	t := &TAP{Plan: -1}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if m := planLine.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			t.Plan = max(t.Plan, 0) + n
			continue
		}
		m := pointLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		p := Point{OK: m[1] == "", Description: strings.TrimSpace(m[3])}
		p.N, _ = strconv.Atoi(m[2])
		if desc, dir, ok := strings.Cut(p.Description, "#"); ok {
			switch d := strings.ToLower(strings.TrimSpace(dir)); {
			case strings.HasPrefix(d, "skip"):
				p.Skip, p.Description = true, strings.TrimSpace(strings.TrimSpace(dir)[4:])
			case strings.HasPrefix(d, "todo"):
				p.Todo, p.Description = true, strings.TrimSpace(desc)
			}
		}
		t.Points = append(t.Points, p)
	}
	return t, sc.Err()
}

// Counts are the points that passed, failed and were skipped. A failing TODO point is
// counted as skipped, as TAP harnesses do.
func (t *TAP) Counts() (pass, fail, skip int) {
	for _, p := range t.Points {
		switch {
		case p.Skip || (p.Todo && !p.OK):
			skip++
		case p.OK:
			pass++
		default:
			fail++
		}
	}
	return pass, fail, skip
}

// Complete is whether the streams announced plans and printed that many points.
func (t *TAP) Complete() bool { return t.Plan >= 0 && len(t.Points) == t.Plan }

// Failed are the points that failed (not skipped, not TODO).
func (t *TAP) Failed() []Point {
	var f []Point
	for _, p := range t.Points {
		if !p.OK && !p.Skip && !p.Todo {
			f = append(f, p)
		}
	}
	return f
}
