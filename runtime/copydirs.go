package runtime

import (
	"os"
	"path/filepath"
	"sync"
)

// copyDirsKept is how many emptied copy directories a runtime keeps for reuse.
const copyDirsKept = 8

// copyDirs hands out the directories, in the runtime's state directory, that hold its
// copies of bundles' config.json (Bundle.hostnamed), and keeps a few emptied ones for
// the next container: making and removing a directory costs more than writing the file
// in it (about 0.25 ms a run on ext4, against 0.1 ms for the file). Close removes
// what is kept with the rest of the state directory.
type copyDirs struct {
	mu   sync.Mutex
	free []string
}

// get returns an empty directory under parent.
func (cd *copyDirs) get(parent string) (string, error) {
	cd.mu.Lock()
	if n := len(cd.free); n > 0 {
		d := cd.free[n-1]
		cd.free = cd.free[:n-1]
		cd.mu.Unlock()
		return d, nil
	}
	cd.mu.Unlock()
	return os.MkdirTemp(parent, "bundle-")
}

// put takes back d, removing the config.json it held, and keeps d for reuse unless
// copyDirsKept are kept already (or the file will not go).
func (cd *copyDirs) put(d string) {
	if err := os.Remove(filepath.Join(d, "config.json")); err != nil && !os.IsNotExist(err) {
		os.RemoveAll(d)
		return
	}
	cd.mu.Lock()
	if len(cd.free) < copyDirsKept {
		cd.free = append(cd.free, d)
		cd.mu.Unlock()
		return
	}
	cd.mu.Unlock()
	if os.Remove(d) != nil {
		os.RemoveAll(d)
	}
}
