package runtime

import (
	"crypto/rand"
	"encoding/hex"
)

// NewID returns a fresh container ID: 32 random hex digits. All IDs it returns have the
// same length, so none is a prefix of another and they can live side by side (runsc
// resolves IDs by prefix: `task-1` and `task-10` cannot), and 128 random bits make a
// repeat negligible. An ID of the caller's own choosing can still clash with one; the
// runtime refuses that with ErrAmbiguousID.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics rather)
	return hex.EncodeToString(b[:])
}
