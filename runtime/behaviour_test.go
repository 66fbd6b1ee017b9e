package runtime

import (
	"errors"
	"strings"
	"testing"
)

func TestBehaviourOf(t *testing.T) {
	newFlags := []string{"root", "overlay", "overlay2", "gofer-network-namespace", "shared-root"}
	oldFlags := []string{"root", "overlay"}
	for _, c := range []struct {
		release string
		flags   []string
		want    Behaviour
	}{
		{"0.0~20221219.0", nil, Behaviour{Line: "debian", Date: "20221219", Overlay: "--overlay2=root:memory", MaxIDLen: 92, DuplicateCreateOrphans: true}},
		{"0.0~20220905", nil, Behaviour{Line: "debian", Date: "20220905", Overlay: "--overlay", MaxIDLen: 92, DuplicateCreateOrphans: true}},
		{"release-20230605.0", nil, Behaviour{Line: "release", Date: "20230605", Overlay: "--overlay2=root:memory", SocketFile: true, MaxIDLen: 91, StaleRunning: true, KillCreated: true}},
		{"release-20240101.0", nil, Behaviour{Line: "release", Date: "20240101", Overlay: "--overlay2=root:memory", SocketFile: true, MaxIDLen: 91, StaleRunning: true, KillCreated: true, Systrap: true}},
		{"release-20260905.0", nil, Behaviour{Line: "release", Date: "20260905", Overlay: "--overlay2=root:memory", GoferNetNS: true, SocketFile: true, MaxIDLen: 91, StaleRunning: true, KillCreated: true, Systrap: true}},
		{"0.0~20260905.0-1", nil, Behaviour{Line: "debian", Date: "20260905", Overlay: "--overlay2=root:memory", GoferNetNS: true, SocketFile: true, MaxIDLen: 91, StaleRunning: true, KillCreated: true, Systrap: true}},
		{"VERSION_MISSING", newFlags, Behaviour{Line: "unstamped", Overlay: "--overlay2=root:memory", GoferNetNS: true, SocketFile: true, MaxIDLen: 91, StaleRunning: true, KillCreated: true, Systrap: true}},
		{"VERSION_MISSING", oldFlags, Behaviour{Line: "unstamped", Overlay: "--overlay", SocketFile: true, MaxIDLen: 91, StaleRunning: true, KillCreated: true, Systrap: true}},
	} {
		got, err := BehaviourOf(Version{Release: c.release, Spec: "1.2.1"}, c.flags)
		if err != nil || got != c.want {
			t.Errorf("BehaviourOf(%s, %v) =\n %+v, %v\nwant\n %+v", c.release, c.flags, got, err, c.want)
		}
		if got.String() == "" || !strings.Contains(got.String(), got.Overlay) {
			t.Errorf("%s: String() = %q", c.release, got.String())
		}
	}
	// An unstamped build gives nothing to judge it by without its flags.
	if _, err := BehaviourOf(Version{Release: "VERSION_MISSING", Spec: "1.2.1"}, nil); !errors.Is(err, ErrBadVersion) {
		t.Errorf("unstamped without flags: want ErrBadVersion, got %v", err)
	}
	// A version ParseVersion would refuse is refused here too.
	var ve *VersionError
	if _, err := BehaviourOf(Version{Release: "1.0", Spec: "1.2.1"}, nil); !errors.As(err, &ve) {
		t.Errorf("garbage release: want *VersionError, got %v", err)
	}
}

// The ID limits follow from sockaddr_un's size and the socket's name on each line.
func TestMaxIDLenPerLine(t *testing.T) {
	if abstractMaxIDLen != 92 || fileMaxIDLen != 91 || MaxIDLen != max(abstractMaxIDLen, fileMaxIDLen) {
		t.Fatalf("limits: abstract %d, file %d, package %d", abstractMaxIDLen, fileMaxIDLen, MaxIDLen)
	}
}

func TestParseFlags(t *testing.T) {
	out := "  -debug\n    \tenable debug logging\n  -gofer-network-namespace value\n    \tnetwork namespace for gofers\n  -overlay2 value\n\twrap mounts\n  -root string\n"
	got := strings.Join(parseFlags(out), ",")
	if got != "debug,gofer-network-namespace,overlay2,root" {
		t.Fatalf("parseFlags = %s", got)
	}
}
