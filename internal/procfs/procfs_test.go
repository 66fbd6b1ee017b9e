package procfs

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	line := "4242 (a (b) c) Z 7 4242 99 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 123456 0 0\n"
	st, ok := parseStat([]byte(line))
	if !ok || st.Comm != "a (b) c" || st.State != 'Z' || st.PPid != 7 || st.Session != 99 || st.Start != 123456 {
		t.Fatalf("parseStat = %+v, %v", st, ok)
	}
	for _, bad := range []string{"", "12 no parens", "1 (x) R 2 3", "1 x) R"} {
		if st, ok := parseStat([]byte(bad)); ok {
			t.Errorf("parseStat(%q) = %+v, want not ok", bad, st)
		}
	}
}

func TestReadFileGrowsPastBuffer(t *testing.T) {
	want, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip(err)
	}
	got, err := ReadFile("/proc/self/maps", make([]byte, 0, 16))
	// maps changes between reads; its first line (the executable) does not.
	if err != nil || len(got) < 512 || strings.SplitN(string(got), "\n", 2)[0] != strings.SplitN(string(want), "\n", 2)[0] {
		t.Fatalf("ReadFile: %d bytes, %v", len(got), err)
	}
	if _, err := ReadFile("/proc/0/stat", nil); err == nil {
		t.Fatal("ReadFile of a process that cannot exist succeeded")
	}
}

// A child and its child are seen with their parents, session, command line and
// start time; once the child exits unreaped it is a zombie with an empty command
// line; once reaped it is gone.
func TestProcessTree(t *testing.T) {
	self := os.Getpid()
	st, ok := ReadStat(self)
	if !ok || st.State == 'Z' || st.PPid != os.Getppid() || st.Start == 0 {
		t.Fatalf("ReadStat(self) = %+v, %v", st, ok)
	}
	cmd := exec.Command("sh", "-c", "sleep 60 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sh := cmd.Process.Pid
	defer cmd.Process.Kill()
	var sleep int
	for i := 0; i < 1000 && sleep == 0; i++ {
		if kids, ok := Children(sh); ok && len(kids) == 1 {
			sleep = kids[0]
		} else {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if sleep == 0 {
		t.Fatal("Children never listed sh's sleep")
	}
	// Listed from the fork on: its command line is sleep's once it has executed it.
	for i := 0; !slices.Equal(Cmdline(sleep), []string{"sleep", "60"}); i++ {
		if i == 1000 {
			t.Fatalf("Cmdline(sleep) = %q", Cmdline(sleep))
		}
		time.Sleep(5 * time.Millisecond)
	}
	all := All()
	if all[sh].PPid != self || all[sh].Session != sh || all[sleep].PPid != sh || all[sleep].Session != sh {
		t.Errorf("All: sh %+v, sleep %+v (our pid %d)", all[sh], all[sleep], self)
	}
	if d := Descendants(all, self); !slices.Contains(d, sh) || !slices.Contains(d, sleep) {
		t.Errorf("Descendants(self) = %v, want %d and %d among them", d, sh, sleep)
	}
	if !slices.Contains(Pids(), sleep) {
		t.Error("Pids lacks the sleep")
	}
	if err := syscall.Kill(sleep, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Kill()
	for i := 0; ; i++ {
		if st, ok := ReadStat(sh); ok && st.State == 'Z' {
			break
		}
		if i == 1000 {
			t.Fatal("sh never became a zombie")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if args := Cmdline(sh); args != nil {
		t.Errorf("zombie's Cmdline = %q, want nil", args)
	}
	cmd.Wait()
	if _, ok := ReadStat(sh); ok {
		t.Error("ReadStat of a reaped process succeeded")
	}
	if kids, ok := Children(sh); ok || kids != nil {
		t.Errorf("Children of a reaped process = %v, %v", kids, ok)
	}
}

func BenchmarkAll(b *testing.B) {
	for b.Loop() {
		All()
	}
}

func BenchmarkAllOSReadFile(b *testing.B) {
	for b.Loop() {
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			os.ReadFile("/proc/" + e.Name() + "/stat")
		}
	}
}

func TestZombies(t *testing.T) {
	all := map[int]Stat{
		10: {State: 'Z', PPid: 1}, 11: {State: 'Z', PPid: 1}, 12: {State: 'S', PPid: 1},
		13: {State: 'Z', PPid: 2}, 9: {State: 'Z', PPid: 1},
	}
	if got := Zombies(all, 1); !slices.Equal(got, []int{9, 10, 11}) {
		t.Fatalf("Zombies(all, 1) = %v", got)
	}
	if got := Zombies(all, 3); len(got) != 0 {
		t.Fatalf("Zombies(all, 3) = %v", got)
	}
}
