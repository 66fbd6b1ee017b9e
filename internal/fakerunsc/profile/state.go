package profile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// State is what the fake keeps for one container, in a state file under its --root
// (StateFile). Tests read and rewrite it to see and disturb what the fake sees.
type State struct {
	ID        string `json:"id"`
	Status    string `json:"status"` // created, running, paused or stopped, as runsc says
	Pid       int    `json:"pid"`    // the sandbox process; -1 once stopped
	Bundle    string `json:"bundle"`
	Exit      int    `json:"exit"`      // the workload's exit status, once ExitKnown
	ExitKnown bool   `json:"exitKnown"` // false for a sandbox that died without one
	// FastExit: the workload exits at once with this status (`true`, `false`,
	// or a shell's `exit N`), reported when it is started.
	FastExit *int `json:"fastExit,omitempty"`
	// Wedged: a pause of the created container panicked half way, as runsc's
	// does; the container can no longer be resumed.
	Wedged bool `json:"wedged,omitempty"`
}

// StateFile is where the fake keeps container id's state under root: runsc's own
// name for it, `<id>_sandbox:<id>.state`.
func StateFile(root, id string) string {
	return filepath.Join(root, id+"_sandbox:"+id+".state")
}

// ReadState reads the state file at path. A container whose sandbox has died reads
// as stopped, as the fake sees it.
func ReadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	if s.Status != "stopped" && s.Pid > 0 && syscall.Kill(s.Pid, 0) != nil {
		s.Status, s.Pid = "stopped", -1
	}
	return &s, nil
}

// WriteState replaces s's state file under root, atomically: a fake reading it
// at the same time sees the old state or the new one.
func WriteState(root string, s *State) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	path := StateFile(root, s.ID)
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
