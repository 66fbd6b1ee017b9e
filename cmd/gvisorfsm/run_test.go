package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/runtime"
)

// fakeOpen opens "runtimes" that work on the platforms in works (nil runtimes: the
// tests look only at which platforms were tried) and fail with fail's error otherwise.
type fakeOpen struct {
	works map[string]bool
	fail  func(platform string) error
	tried []string
}

func (f *fakeOpen) open(_ context.Context, p string) (*runtime.Runtime, error) {
	f.tried = append(f.tried, p)
	if f.works[p] {
		return nil, nil
	}
	if f.fail != nil {
		if err := f.fail(p); err != nil {
			return nil, err
		}
	}
	return nil, &runtime.PlatformError{Platform: p, Reason: "sandbox did not run",
		Err: &runtime.RunscError{Op: "run", ExitCode: 128, Msg: "no " + p + " here"}}
}

func TestOpenRuntimePlatformChoice(t *testing.T) {
	notFound := func(string) error { return fmt.Errorf("%w (tried /usr/bin/runsc)", runtime.ErrNotFound) }
	for _, tc := range []struct {
		name      string
		requested string
		works     []string
		fail      func(string) error
		tried     []string
		chosen    string
		errIs     error
		retries   int
	}{
		{name: "explicit works", requested: "ptrace", works: []string{"ptrace"}, tried: []string{"ptrace"}, chosen: "ptrace"},
		{name: "explicit fails, never replaced", requested: "kvm", works: []string{"", "ptrace"},
			tried: []string{"kvm"}, errIs: runtime.ErrPlatform},
		{name: "default works", works: []string{"", "ptrace"}, tried: []string{""}, chosen: "runsc's default"},
		{name: "default fails, first working platform", works: []string{"ptrace", "kvm"},
			tried: []string{"", "systrap", "kvm"}, chosen: "kvm", retries: 2},
		{name: "nothing works", tried: append([]string{""}, runtime.Platforms...), errIs: runtime.ErrPlatform,
			retries: len(runtime.Platforms)},
		{name: "runsc missing: no platform would help", fail: notFound, tried: []string{""}, errIs: runtime.ErrNotFound},
		{name: "non-platform failure stops the search", works: []string{"ptrace"},
			fail: func(p string) error {
				if p == "systrap" {
					return notFound(p)
				}
				return nil
			},
			tried: []string{"", "systrap"}, errIs: runtime.ErrNotFound, retries: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeOpen{works: map[string]bool{}, fail: tc.fail}
			for _, p := range tc.works {
				f.works[p] = true
			}
			var buf bytes.Buffer
			_, chosen, err := openRuntime(context.Background(), f.open, tc.requested, &traceSink{w: &buf}, orDiscard(nil))
			if strings.Join(f.tried, ",") != strings.Join(tc.tried, ",") {
				t.Errorf("tried %q, want %q", f.tried, tc.tried)
			}
			if tc.errIs != nil {
				if !errors.Is(err, tc.errIs) {
					t.Errorf("error %v, want one matching %v", err, tc.errIs)
				}
			} else if err != nil || chosen != tc.chosen {
				t.Errorf("chose %q (error %v), want %q", chosen, err, tc.chosen)
			}
			if n := strings.Count(buf.String(), `"op":"Retry"`); n != tc.retries {
				t.Errorf("%d Retry steps in the trace, want %d:\n%s", n, tc.retries, buf.String())
			}
		})
	}
}

func TestOpenRuntimeErrorsSayWhy(t *testing.T) {
	f := &fakeOpen{}
	_, _, err := openRuntime(context.Background(), f.open, "", nil, orDiscard(nil))
	for _, p := range append([]string{""}, runtime.Platforms...) {
		if !strings.Contains(err.Error(), "no "+p+" here") {
			t.Errorf("error %q does not carry runsc's reason for %q", err, p)
		}
	}
	_, _, err = openRuntime(context.Background(), f.open, "kvm", nil, orDiscard(nil))
	if err == nil || !strings.Contains(err.Error(), "no kvm here") {
		t.Errorf("error %v does not carry runsc's reason", err)
	}
}

func TestOpenRuntimeStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeOpen{fail: func(string) error { cancel(); return nil }}
	_, _, err := openRuntime(ctx, f.open, "", nil, orDiscard(nil))
	if err == nil || len(f.tried) != 1 {
		t.Errorf("after cancellation tried %q (error %v), want only the default", f.tried, err)
	}
}
