package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// makeWorkDir creates the private state directory: 0700, owned by us, no symlinks.
func (r *Runtime) makeWorkDir() error {
	if r.cfg.stateDir != "" {
		abs, err := filepath.Abs(r.cfg.stateDir)
		if err != nil {
			return err
		}
		parent := filepath.Dir(abs)
		if real, err := filepath.EvalSymlinks(parent); err == nil {
			parent = real
		}
		// Checked before anything is made in it (see below).
		if err := checkDirs(parent); err != nil {
			return fmt.Errorf("runtime state directory's parent: %w", err)
		}
		w, err := ownStateDir(r.cfg.stateDir)
		if err != nil {
			return err
		}
		r.work = w
	} else {
		parent, err := filepath.Abs(os.TempDir())
		if err != nil {
			return err
		}
		if real, err := filepath.EvalSymlinks(parent); err == nil {
			parent = real
		}
		if r.work, err = os.MkdirTemp(parent, workPrefix); err != nil {
			return fmt.Errorf("runtime state directory: %w", quoteErr(err))
		}
	}
	// As for runsc's directories: whoever may rename entries on the way could move the
	// live state away and plant a directory that Close then removes as root.
	if err := checkDirs(filepath.Dir(r.work)); err != nil {
		if r.cfg.stateDir == "" {
			os.Remove(r.work)
		}
		return fmt.Errorf("runtime state directory's parent: %w", err)
	}
	w := r.work
	if err := writeOwner(w); err != nil {
		return err
	}
	dirs := []string{"root", "log", "io", "cgroups"}
	r.root = filepath.Join(w, "root")
	if r.cfg.sharedRoot != "" {
		dirs = dirs[1:]
		var err error
		if r.root, err = sharedRoot(r.cfg.sharedRoot); err != nil {
			return err
		}
	}
	for _, d := range dirs {
		if err := os.Mkdir(filepath.Join(w, d), 0o700); err != nil {
			return fmt.Errorf("runtime state directory: %w", quoteErr(err))
		}
	}
	for _, d := range []string{w, r.root} {
		fi, err := os.Lstat(d)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if !fi.IsDir() || fi.Mode().Perm() != 0o700 || int(st.Uid) != os.Geteuid() {
			return &TrustError{Path: d, Reason: fmt.Sprintf("state directory is not a 0700 directory owned by uid %d", os.Geteuid())}
		}
	}
	return nil
}

// ownStateDir makes dir, WithStateDir's directory, the runtime's own: it is created, or
// must be an empty directory of the caller's, which is made 0700 (the runtime removes it
// on Close).
func ownStateDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(real, filepath.Base(abs))
	}
	err = os.Mkdir(abs, 0o700)
	if errors.Is(err, fs.ErrExist) {
		// The caller's empty directory (such as t.TempDir()) is taken over and made
		// private; a symlink is not followed.
		fi, lerr := os.Lstat(abs)
		ents, rerr := os.ReadDir(abs)
		switch {
		case lerr != nil || rerr != nil || !fi.IsDir() || len(ents) > 0:
			err = fmt.Errorf("%q exists and is not an empty directory (the runtime keeps it to itself and removes it on Close)", abs)
		case int(fi.Sys().(*syscall.Stat_t).Uid) != os.Geteuid():
			err = &TrustError{Path: abs, Reason: fmt.Sprintf("state directory not owned by uid %d", os.Geteuid())}
		default:
			err = os.Chmod(abs, 0o700)
		}
	}
	if err != nil {
		return "", fmt.Errorf("runtime state directory: %w", quoteErr(err))
	}
	return abs, nil
}
