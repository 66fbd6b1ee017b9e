package runtime

import (
	"regexp"
	"strings"
)

// Version is what `runsc --version` reports.
type Version struct {
	// Release is the runsc release: "0.0~20221219.0" (Debian), "release-20260905.0"
	// (upstream), or "VERSION_MISSING" (unstamped builds).
	Release string
	// Spec is the OCI runtime-spec version runsc implements, e.g. "1.0.2-dev".
	Spec string
}

// Unstamped reports whether runsc was built without a version stamp.
func (v Version) Unstamped() bool { return v.Release == "VERSION_MISSING" }

// String renders the version for logs and traces.
func (v Version) String() string { return "runsc " + v.Release + " (OCI spec " + v.Spec + ")" }

var (
	versionLine = regexp.MustCompile(`^runsc version ([A-Za-z0-9][A-Za-z0-9._~+:-]*)$`)
	specLine    = regexp.MustCompile(`^spec: ([0-9]+\.[0-9]+\.[0-9]+[A-Za-z0-9.+-]*)$`)
)

// ParseVersion parses the output of `runsc --version`. The `runsc version` and `spec:`
// lines are both required; without them the output is a *VersionError.
func ParseVersion(out string) (Version, error) {
	var v Version
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		line = strings.TrimSpace(line)
		if m := versionLine.FindStringSubmatch(line); m != nil && v.Release == "" {
			v.Release = m[1]
		} else if m := specLine.FindStringSubmatch(line); m != nil && v.Spec == "" {
			v.Spec = m[1]
		}
		// Other lines are ignored so that a future runsc adding lines still parses.
	}
	if v.Release == "" || v.Spec == "" {
		return Version{}, &VersionError{Output: out}
	}
	return v, nil
}
