package runtime

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
)

// controlFree fails t if msg holds a control character (NUL, newline, ESC, ...).
func controlFree(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	if i := strings.IndexFunc(err.Error(), unicode.IsControl); i >= 0 {
		t.Errorf("%s: raw control character %q in the error: %q", what, err.Error()[i], err.Error())
	}
}

// TestRealErrorsQuoteControlCharacters: no path, ID or command of the caller's reaches
// an error message raw, whichever step or check refuses it, runsc's own message
// included: control characters (NUL, newline, escape sequences) are quoted.
func TestRealErrorsQuoteControlCharacters(t *testing.T) {
	r, _ := newReal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := t.TempDir()
	for _, name := range []string{"new\nline", "esc\x1b[31mred", "nul\x00byte", "tab\tand\rcr", "bell\a"} {
		p := filepath.Join(base, name)
		_, err := OpenBinary(p)
		controlFree(t, "OpenBinary", err)
		_, err = NewWithPath(ctx, p, WithoutSandboxProbe())
		controlFree(t, "NewWithPath", err)
		_, err = newOnLine(ctx, WithoutSandboxProbe(), WithStateDir(filepath.Join(p, "state")))
		controlFree(t, "New with WithStateDir", err)
		_, err = LoadBundle(p)
		controlFree(t, "LoadBundle", err)
		_, err = BuildBundle(p, BundleSpec{Args: []string{"true"}, Rootfs: filepath.Join(p, "rootfs")})
		controlFree(t, "BuildBundle", err)
		_, err = r.Run(ctx, NewID(), p, nil)
		controlFree(t, "Run of a missing bundle", err)
		controlFree(t, "Create of a missing bundle", r.Create(ctx, NewID(), p, nil))
		controlFree(t, "ValidateID", ValidateID(name))
		_, err = r.Run(ctx, name, busyboxBundle(t, "true"), nil)
		controlFree(t, "Run with a bad ID", err)
		// runsc repeats the command it could not find in its own message.
		_, err = r.Run(ctx, NewID(), busyboxBundle(t, "/bin/"+strings.ReplaceAll(name, "\x00", "")), nil)
		controlFree(t, "Run of a missing command", err)
	}
}
