package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// DefaultConfig is the configuration file read when GVISORFSM_OCI_CONFIG names none.
const DefaultConfig = "/etc/gvisorfsm/oci.json"

// config is the runsc-specific part, which runc's command line has no words for: from
// the configuration file, overridden by the front-end's own global flags.
type config struct {
	Runsc    string `json:"runsc"`     // runsc binary; default runtime.ResolvePath's choice
	Platform string `json:"platform"`  // default: probed once per root and cached
	Network  string `json:"network"`   // none (default), sandbox or host
	TraceDir string `json:"trace_dir"` // where a deleted container's trace is kept; default: removed with it
}

// loadConfig reads path ("" for GVISORFSM_OCI_CONFIG, else DefaultConfig; a missing
// default file is no configuration).
func loadConfig(path string) (config, error) {
	var c config
	explicit := path != ""
	if path == "" {
		path = os.Getenv("GVISORFSM_OCI_CONFIG")
		explicit = path != ""
	}
	if path == "" {
		path = DefaultConfig
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

func (c config) network() (runtime.Network, error) {
	switch runtime.Network(c.Network) {
	case "", runtime.NetworkNone:
		return runtime.NetworkNone, nil
	case runtime.NetworkSandbox, runtime.NetworkHost:
		return runtime.Network(c.Network), nil
	}
	return "", fmt.Errorf("network %q: want none, sandbox or host", c.Network)
}

// platform is the platform to pass runsc: the configured one, else the one cached under
// the root, else the first that starts a sandbox here, probed now (once: podman calls
// `state` often, and each call is a new process) and cached. Callers hold create.lock
// when they may probe.
func (c config) platform(ctx context.Context, s store) (string, error) {
	if c.Platform != "" {
		return c.Platform, nil
	}
	cache := filepath.Join(s.root, "platform")
	if data, err := os.ReadFile(cache); err == nil && strings.TrimSpace(string(data)) != "" {
		return strings.TrimSpace(string(data)), nil
	}
	opts := []runtime.Option{runtime.WithoutSubreaper()}
	if c.Runsc != "" {
		opts = append(opts, runtime.WithPath(c.Runsc))
	}
	r, err := runtime.New(ctx, opts...)
	if err != nil {
		return "", fmt.Errorf("choosing a platform: %w", err)
	}
	p := r.Platform()
	if err := r.Close(ctx); err != nil {
		return "", err
	}
	tmp := cache + ".tmp"
	if err := os.WriteFile(tmp, []byte(p+"\n"), 0o600); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, cache)
}
