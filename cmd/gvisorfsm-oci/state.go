package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/runtime"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// The layout under the client's --root:
//
//	runsc/               runsc's --root, shared by every invocation (runtime.WithRoot)
//	containers/<id>/     one directory per container:
//	    state.json       its record (below), rewritten atomically after every step
//	    trace.ndjson     its steps (package steptrace), appended by every invocation
//	create.lock          serializes creates, which must see every live ID (prefixes)
//	platform             the platform probed once (when the config names none)

// record is what the front-end keeps of one container between invocations.
type record struct {
	ID string `json:"id"`
	origin
	// Lifecycle is what runtime.Attach needs: the fsm state, sandbox pid, kill flag.
	Lifecycle runtime.Attached `json:"lifecycle"`
	Platform  string           `json:"platform"` // the platform it was created on
	Network   string           `json:"network"`
}

// origin is where a container came from, when and for whom: kept in its record, and
// reported as it is by runc's `state` (stateJSON).
type origin struct {
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// store is the state under one --root.
type store struct{ root string }

func (s store) runscRoot() string           { return filepath.Join(s.root, "runsc") }
func (s store) containers() string          { return filepath.Join(s.root, "containers") }
func (s store) dir(id string) string        { return filepath.Join(s.containers(), id) }
func (s store) recordPath(id string) string { return filepath.Join(s.dir(id), "state.json") }
func (s store) tracePath(id string) string  { return filepath.Join(s.dir(id), "trace.ndjson") }

// init makes the root and its containers directory (0700: they name bundles and pids).
func (s store) init() error {
	if err := os.MkdirAll(s.containers(), 0o700); err != nil {
		return err
	}
	return os.Chmod(s.root, 0o700)
}

// lockFile takes an exclusive flock on path (created if missing) and returns its release.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// lockContainer takes container id's lock: an flock on its directory, so that the lock
// goes with the directory when the container is deleted. A directory removed while we
// waited (the container was deleted) is reported as absent (false), as is a missing one.
func (s store) lockContainer(id string) (unlock func(), ok bool, err error) {
	d := s.dir(id)
	for {
		f, err := os.Open(d)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if err := flock(f); err != nil {
			f.Close()
			return nil, false, err
		}
		// Still the directory at that path? A delete removes it under the lock.
		var held, now syscall.Stat_t
		if syscall.Fstat(int(f.Fd()), &held) == nil && syscall.Stat(d, &now) == nil && held.Ino == now.Ino && held.Dev == now.Dev {
			return func() { f.Close() }, true, nil
		}
		f.Close()
		if _, err := os.Stat(d); errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
	}
}

// read reads container id's record (its lock held, or for a look only).
func (s store) read(id string) (*record, error) {
	data, err := os.ReadFile(s.recordPath(id))
	if err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("container %s: state file %s: %w", id, s.recordPath(id), err)
	}
	return &rec, nil
}

// write replaces container id's record atomically (its lock held).
func (s store) write(rec *record) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.recordPath(rec.ID) + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.recordPath(rec.ID))
}

// ids lists the containers with a directory, sorted.
func (s store) ids() ([]string, error) {
	ents, err := os.ReadDir(s.containers())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var ids []string
	for _, e := range ents {
		if e.IsDir() {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// appendTrace appends steps to container id's trace, numbering them on from the steps
// already there (each invocation's runtime numbers its own from 1).
func (s store) appendTrace(id string, steps []steptrace.Step) error {
	if len(steps) == 0 {
		return nil
	}
	path := s.tracePath(id)
	n := int64(0)
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
		for sc.Scan() {
			n++
		}
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, st := range steps {
		n++
		st.Seq = n
		if err := steptrace.Write(w, st); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// remove removes container id's directory (its lock held), keeping its trace in
// traceDir first if one is configured.
func (s store) remove(id, traceDir string) error {
	if traceDir != "" {
		if err := os.MkdirAll(traceDir, 0o700); err != nil {
			return err
		}
		dst := filepath.Join(traceDir, fmt.Sprintf("%s-%d.ndjson", id, time.Now().UnixNano()))
		if err := os.Rename(s.tracePath(id), dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.RemoveAll(s.dir(id))
}
