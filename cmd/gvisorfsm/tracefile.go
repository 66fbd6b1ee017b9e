package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// pathCause is the cause of a failure on a path (an *fs.PathError's Err) for a
// message that names the path itself, quoted: the error's own message would print it
// raw, control characters and all.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// openTraceFile opens the --trace file for writing from its start. It never follows a
// symlink, creates a new file 0600, and replaces only a regular file of the caller's
// with a single link: as root, writing through what another user planted (a symlink or
// hard link in a sticky directory, a FIFO, a device) would overwrite or block on
// something that is not the caller's.
func openTraceFile(path string) (*os.File, error) {
	refuse := func(why string) error {
		return fmt.Errorf("--trace %q: %s; refusing to write to it", path, why)
	}
	before, err := os.Lstat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("--trace %q: %w", path, pathCause(err))
	}
	if err == nil {
		if why := notOurs(before); why != "" {
			return nil, refuse(why)
		}
	}
	// O_NONBLOCK: a FIFO swapped in meanwhile must not block the open.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, refuse("a symbolic link")
		}
		return nil, fmt.Errorf("--trace %q: %w", path, pathCause(err))
	}
	fi, err := f.Stat()
	if err == nil {
		if why := notOurs(fi); why != "" {
			err = refuse(why)
		} else if before != nil && !os.SameFile(before, fi) {
			err = refuse("replaced while being opened")
		}
	}
	if err == nil {
		err = f.Truncate(0)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// notOurs says why fi is not a file --trace may replace, or "".
func notOurs(fi os.FileInfo) string {
	st := fi.Sys().(*syscall.Stat_t)
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return "a symbolic link"
	case !fi.Mode().IsRegular():
		return "not a regular file (" + fi.Mode().Type().String() + ")"
	case int(st.Uid) != os.Geteuid():
		return fmt.Sprintf("owned by uid %d, not by the caller", st.Uid)
	case st.Nlink != 1:
		return fmt.Sprintf("a file with %d links", st.Nlink)
	}
	return ""
}
