package main

import (
	"regexp"
	"strconv"
	"testing"
)

// validID and exitCode stand in for the regular expressions runsc and the fake
// used: they must accept exactly what those accept.
func TestIDAndExitParsing(t *testing.T) {
	idRe := regexp.MustCompile(`^[\w+.-]+$`)
	exitRe := regexp.MustCompile(`^exit (\d+)$`)
	for _, s := range []string{"", "c1", "a_b+c.d-e", "bad/id", "bad id", "é", "x\n", "exit 3", "exit 03", "exit ",
		"exit", "exit 3 ", " exit 3", "exit -1", "exit 99999999999999999999", "exit x3", "sleep 30"} {
		if got, want := validID(s), idRe.MatchString(s); got != want {
			t.Errorf("validID(%q) = %v, want %v", s, got, want)
		}
		code, ok := exitCode(s)
		m := exitRe.FindStringSubmatch(s)
		if ok != (m != nil) {
			t.Errorf("exitCode(%q) ok = %v, want %v", s, ok, m != nil)
		} else if ok {
			if want, _ := strconv.Atoi(m[1]); code != want {
				t.Errorf("exitCode(%q) = %d, want %d", s, code, want)
			}
		}
	}
}
