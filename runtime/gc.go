package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
)

// A state directory names the process that owns it in ownerFile ("pid starttime"), so
// that the leftovers of a runtime that died without Close (SIGKILL) can be told from a
// live runtime's state and collected.
const ownerFile = "owner"

// workPrefix begins the name of every runtime's state directory.
const workPrefix = "gvisorfsm-"

func ownerRecord(pid int) (string, bool) {
	st, ok := procfs.ReadStat(pid)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d %d\n", pid, st.Start), true
}

// writeOwner records this process as the owner of the state directory w.
func writeOwner(w string) error {
	rec, ok := ownerRecord(os.Getpid())
	if !ok {
		return fmt.Errorf("runtime state directory: cannot read this process's start time")
	}
	f, err := os.OpenFile(filepath.Join(w, ownerFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("runtime state directory: %w", quoteErr(err))
	}
	_, err = f.WriteString(rec)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ownerGone reports whether the state directory w belongs to us (euid, 0700, no
// symlink) and names an owner that is no longer running. A directory without an owner
// record (one being made right now) is never taken.
func ownerGone(w string) bool {
	fi, err := os.Lstat(w)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 || int(fi.Sys().(*syscall.Stat_t).Uid) != os.Geteuid() {
		return false
	}
	f, err := os.OpenFile(filepath.Join(w, ownerFile), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	var buf [64]byte
	n, _ := f.Read(buf[:])
	var pid int
	var start uint64
	if _, err := fmt.Sscanf(string(buf[:n]), "%d %d", &pid, &start); err != nil || pid <= 0 {
		return false
	}
	rec, alive := ownerRecord(pid)
	return !alive || rec != string(buf[:n])
}

// collectLeftovers removes the state directories in parent whose owner process is gone:
// it kills their sandboxes (processes naming their --root), has runsc force-delete what
// it still lists there, removes the cgroups it recorded, and removes the directory. A live runtime's state is never
// touched. It returns the directories it collected.
func (r *Runtime) collectLeftovers(ctx context.Context, parent string) []string {
	ents, err := os.ReadDir(parent)
	if err != nil {
		return nil
	}
	var done []string
	for _, e := range ents {
		w := filepath.Join(parent, e.Name())
		if !strings.HasPrefix(e.Name(), workPrefix) || w == r.work || !ownerGone(w) {
			continue
		}
		root := filepath.Join(w, "root")
		r.reaper.adoptOrphans(root) // those reparented to us, if we are a subreaper
		for _, pid := range processesUsingRoot(root) {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				waitDead(pid)
			}
		}
		if o, err := r.execRunsc(ctx, call{sub: "list", root: root, args: []string{"--format", "json"}}); err == nil && o.exit == 0 {
			var left []ContainerState
			if json.Unmarshal(o.stdout, &left) == nil {
				for _, s := range left {
					r.execRunsc(ctx, call{sub: "delete", id: s.ID, root: root, args: []string{"--force", s.ID}})
				}
			}
		}
		// After the delete: runsc removes the cgroups of the containers it still
		// knows, but not of a sandbox that died with its owner.
		collectCgroups(r.cgroupMounts(), filepath.Join(w, "cgroups"))
		if removeTree(w) == nil {
			done = append(done, w)
		}
	}
	if len(done) > 0 {
		r.reaper.reapStrays()
	}
	return done
}
