package runtime

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The record a create writes lists exactly the directories runsc will make, and a
// collection removes only those that are empty and inside a mounted hierarchy.
func TestCgroupRecordCollected(t *testing.T) {
	base := t.TempDir()
	v1cpu, v1mem := filepath.Join(base, "cpu"), filepath.Join(base, "memory")
	for _, m := range []string{v1cpu, v1mem} {
		if err := os.Mkdir(m, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The host's: "shared" exists in cpu before the create, and stays.
	if err := os.Mkdir(filepath.Join(v1cpu, "shared"), 0o755); err != nil {
		t.Fatal(err)
	}
	records := t.TempDir()
	record := filepath.Join(records, "c1")
	cs := cgroupsBefore([]string{v1cpu, v1mem}, "/shared/c1", record)
	want := []string{
		filepath.Join(v1cpu, "shared", "c1"),
		filepath.Join(v1mem, "shared", "c1"), filepath.Join(v1mem, "shared"),
	}
	if got := cs.ours(); !slices.Equal(got, want) {
		t.Fatalf("ours() = %v, want %v", got, want)
	}
	// What runsc makes; memory's c1 still holds something (a busy cgroup).
	for _, d := range want {
		os.MkdirAll(d, 0o755)
	}
	busy := filepath.Join(v1mem, "shared", "c1", "sub")
	os.Mkdir(busy, 0o755)
	// A record planted with directories outside the hierarchies, or not clean.
	outside := filepath.Join(base, "not-a-cgroup")
	os.Mkdir(outside, 0o755)
	os.WriteFile(filepath.Join(records, "planted"), []byte(outside+"\x00"+v1cpu+"/shared/../x\x00"), 0o600)
	os.Mkdir(filepath.Join(base, "x"), 0o755)

	collectCgroups([]string{v1cpu, v1mem}, records)
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }
	if exists(filepath.Join(v1cpu, "shared", "c1")) {
		t.Error("cpu/shared/c1, made by the create and empty, was not removed")
	}
	if !exists(filepath.Join(v1cpu, "shared")) {
		t.Error("cpu/shared, the host's, was removed")
	}
	if !exists(busy) || !exists(filepath.Join(v1mem, "shared")) {
		t.Error("memory/shared/c1 holds a cgroup: it and its parent must stay")
	}
	if !exists(outside) || !exists(filepath.Join(base, "x")) {
		t.Error("a record's directory outside the hierarchies was removed")
	}

	// A plain remove takes what became empty, and the record with it.
	os.Remove(busy)
	cs.remove()
	if exists(filepath.Join(v1mem, "shared")) || exists(record) {
		t.Error("remove left memory/shared or the record")
	}
	// A systemd-style path is systemd's to clean: nothing recorded.
	if cs := cgroupsBefore([]string{v1cpu}, "system.slice:gvisor:c2", filepath.Join(records, "c2")); len(cs.ours()) != 0 || exists(filepath.Join(records, "c2")) {
		t.Error("a systemd-style cgroup path was recorded")
	}
}
