package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/runtime"
	"github.com/gvisorfsm/gvisorfsm/steptrace"
)

// session is one invocation's hold on one container: its lock, its record and a runtime
// on the shared runsc root with the container attached as the last invocation left it.
type session struct {
	s      store
	cfg    config
	id     string
	rec    *record
	r      *runtime.Runtime
	unlock func()
}

// settings are the configuration with the front-end's flags applied.
func settings(g *globals) (config, error) {
	c, err := loadConfig(g.config)
	if err != nil {
		return c, err
	}
	if g.runsc != "" {
		c.Runsc = g.runsc
	}
	if g.platform != "" {
		c.Platform = g.platform
	}
	if g.network != "" {
		c.Network = g.network
	}
	return c, nil
}

// openRuntime opens a runtime on the shared root for one invocation: no sandbox probe
// (the platform is known), and not a subreaper (the client must be the sandbox's
// parent) unless this process itself waits for the workload (reap). The root filesystem
// is the client's and is written as runsc writes it by default, not kept in memory:
// a runc client expects a workload's writes in its bundle's rootfs.
func openRuntime(ctx context.Context, s store, c config, platform string, reap bool) (*runtime.Runtime, error) {
	n, err := c.network()
	if err != nil {
		return nil, err
	}
	opts := []runtime.Option{runtime.WithRoot(s.runscRoot()), runtime.WithoutSandboxProbe(), runtime.WithNetwork(n), runtime.WithoutOverlay()}
	if !reap {
		opts = append(opts, runtime.WithoutSubreaper())
	}
	if platform != "" {
		opts = append(opts, runtime.WithPlatform(platform))
	}
	if c.Runsc != "" {
		opts = append(opts, runtime.WithPath(c.Runsc))
	}
	return runtime.New(ctx, opts...)
}

// errNoContainer is what errNotExist matches.
var errNoContainer = errors.New("does not exist")

// errNotExist is runc's answer for an ID it has no container of.
func errNotExist(id string) error {
	return fmt.Errorf("container %q %w", id, errNoContainer)
}

// openSession locks container id, reads its record and attaches it to a new runtime.
func openSession(ctx context.Context, s store, c config, id string) (*session, error) {
	if err := runtime.ValidateID(id); err != nil {
		return nil, err
	}
	unlock, ok, err := s.lockContainer(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNotExist(id)
	}
	rec, err := s.read(id)
	if errors.Is(err, fs.ErrNotExist) {
		unlock()
		return nil, errNotExist(id)
	}
	if err != nil {
		unlock()
		return nil, err
	}
	c.Platform, c.Network = rec.Platform, rec.Network // runsc needs the create's on every call
	r, err := openRuntime(ctx, s, c, rec.Platform, false)
	if err != nil {
		unlock()
		return nil, err
	}
	if err := r.Attach(id, rec.Lifecycle); err != nil {
		r.Release()
		unlock()
		return nil, err
	}
	return &session{s: s, cfg: c, id: id, rec: rec, r: r, unlock: unlock}, nil
}

// close records what the invocation did: the container's steps appended to its trace,
// its record rewritten, or its directory removed once it is deleted. It then releases
// the runtime, leaving the container in runsc, and the lock.
func (ss *session) close() error {
	defer ss.unlock()
	var steps []steptrace.Step
	for _, st := range ss.r.Trace() {
		if st.ID == ss.id {
			steps = append(steps, st)
		}
	}
	errs := []error{ss.s.appendTrace(ss.id, steps)}
	if a, ok := ss.r.Attachment(ss.id); ok {
		ss.rec.Lifecycle = a
		errs = append(errs, ss.s.write(ss.rec))
	} else {
		errs = append(errs, ss.s.remove(ss.id, ss.cfg.TraceDir))
	}
	errs = append(errs, ss.r.Release())
	return errors.Join(errs...)
}

// status is the OCI status of a lifecycle state.
func status(st fsm.State) string {
	switch st {
	case fsm.Created:
		return "created"
	case fsm.Running:
		return "running"
	case fsm.Paused:
		return "paused"
	}
	return "stopped"
}
