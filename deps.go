//go:build tools

// This file pins the module's dependencies while the packages that use them are
// being written; it is never built.
package gvisorfsm

import (
	_ "github.com/anishathalye/porcupine"
	_ "github.com/containerd/go-runc"
	_ "github.com/looplab/fsm"
	_ "github.com/opencontainers/runtime-spec/specs-go"
	_ "github.com/opencontainers/runtime-tools/generate"
	_ "pgregory.net/rapid"
)
