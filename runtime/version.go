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
func (v Version) Unstamped() bool { return v.Release == unstamped }

// Date is the release's date as YYYYMMDD, or "" for an unstamped build.
func (v Version) Date() string {
	if m := releaseRE.FindStringSubmatch(v.Release); m != nil {
		return m[1] + m[2]
	}
	return ""
}

// String renders the version for logs and traces.
func (v Version) String() string { return "runsc " + v.Release + " (OCI spec " + v.Spec + ")" }

const unstamped = "VERSION_MISSING"

var (
	versionLine = regexp.MustCompile(`^runsc version (\S+)$`)
	specLine    = regexp.MustCompile(`^spec: ([0-9]+\.[0-9]+\.[0-9]+[A-Za-z0-9.+-]*)$`)
	// The release forms runsc prints: upstream "release-YYYYMMDD.N" and Debian's
	// "0.0~YYYYMMDD[.N]", each perhaps with a packager's suffix ("-1", "+ds1", "~rc1").
	releaseRE = regexp.MustCompile(`^(?:release-|0\.0~)((?:19|20)[0-9]{2})((?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))(?:\.[0-9]+)?(?:[-+~][A-Za-z0-9.+~-]*)?$`)
)

// ParseVersion parses the output of `runsc --version`. The `runsc version` and `spec:`
// lines are both required, and the release must be one runsc prints
// (release-YYYYMMDD.N, 0.0~YYYYMMDD.N or VERSION_MISSING); anything else is a
// *VersionError.
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
	if v.Release == "" || v.Spec == "" || (v.Release != unstamped && !releaseRE.MatchString(v.Release)) {
		return Version{}, &VersionError{Output: out}
	}
	return v, nil
}
