package runtime

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// A root holding stacked bind mounts (as concurrent first starts leave null-netns) and a
// mount point whose name needs mountinfo's escapes is still removed whole.
func TestRemoveTreeUnmountsFirst(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIPPING: mounting needs root")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "work", "root")
	src := filepath.Join(dir, "src")
	for _, d := range []string{root, src} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	points := []string{filepath.Join(root, "null-netns"), filepath.Join(root, "with space\tand tab")}
	for _, p := range points {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(src, "f"), nil, 0o600)
		for range 3 {
			if err := unix.Mount(filepath.Join(src, "f"), p, "", unix.MS_BIND, ""); err != nil {
				t.Fatalf("bind mount: %v", err)
			}
		}
	}
	t.Cleanup(func() { unmountBelow(dir) })
	if err := os.RemoveAll(filepath.Join(dir, "work")); err == nil {
		t.Fatal("RemoveAll removed a tree with mount points: the test proves nothing")
	}
	if err := removeTree(filepath.Join(dir, "work")); err != nil {
		t.Fatalf("removeTree: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "work")); !os.IsNotExist(err) {
		t.Fatalf("tree still there: %v", err)
	}
	if left, _ := mountsBelow(dir); len(left) != 0 {
		t.Fatalf("mounts left: %q", left)
	}
}
