package forkevents

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

// chainEnv makes the test binary a link of a chain of processes (see TestMain).
const chainEnv = "FORKEVENTS_CHAIN"

// TestMain lets the test binary act as a chain of processes: with FORKEVENTS_CHAIN=n
// it prints its pid, starts a copy of itself with n-1, and exits at once without
// waiting for it, so every link but the first is orphaned while its children run.
func TestMain(m *testing.M) {
	if v := os.Getenv(chainEnv); v != "" {
		n, _ := strconv.Atoi(v)
		fmt.Println(os.Getpid())
		if n > 0 {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), chainEnv+"="+strconv.Itoa(n-1))
			cmd.Stdout = os.Stdout
			if err := cmd.Start(); err != nil {
				os.Exit(3)
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// listen subscribes, or skips where the connector is not ours to use (it fails
// instead under CI, which runs as root).
func listen(t *testing.T) *Watch {
	t.Helper()
	w, err := Listen()
	if errors.Is(err, ErrUnsupported) && os.Getenv("CI") != "true" {
		t.Skipf("SKIP (needs root): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// found collects the pids a Watch reports.
type found struct {
	mu   sync.Mutex
	pids []int
	lost int
}

func (f *found) add(pid int) { f.mu.Lock(); f.pids = append(f.pids, pid); f.mu.Unlock() }
func (f *found) miss()       { f.mu.Lock(); f.lost++; f.mu.Unlock() }

func TestFollowSeesShortLivedOrphans(t *testing.T) {
	w := listen(t)
	defer w.Stop()
	// A process that is no descendant of the chain, started during the watch.
	other := exec.Command("/bin/true")

	chain := exec.Command(os.Args[0])
	chain.Env = append(os.Environ(), chainEnv+"=4")
	out, err := chain.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := chain.Start(); err != nil {
		t.Fatal(err)
	}
	var f found
	w.Follow(chain.Process.Pid, f.add, f.miss)
	if err := other.Run(); err != nil {
		t.Fatal(err)
	}
	var printed []int
	sc := bufio.NewScanner(out) // ends once every link, orphans included, has exited
	for sc.Scan() {
		pid, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("chain printed %q", sc.Text())
		}
		printed = append(printed, pid)
	}
	if err := chain.Wait(); err != nil {
		t.Fatal(err)
	}
	w.Stop()
	if len(printed) != 5 || printed[0] != chain.Process.Pid {
		t.Fatalf("chain printed %v, want 5 pids starting with %d", printed, chain.Process.Pid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lost > 0 {
		t.Fatalf("%d overruns on a quiet socket", f.lost)
	}
	for _, pid := range printed[1:] {
		if !slices.Contains(f.pids, pid) {
			t.Errorf("descendant %d not reported (reported %v)", pid, f.pids)
		}
	}
	if slices.Contains(f.pids, other.Process.Pid) || slices.Contains(f.pids, chain.Process.Pid) {
		t.Errorf("reported %v: includes the followed process %d or the unrelated %d", f.pids, chain.Process.Pid, other.Process.Pid)
	}
}

// TestFollowIgnoresForgedEvents sends the watch a fork event from a user socket:
// it must not be believed, or any local process could have its pid claimed.
func TestFollowIgnoresForgedEvents(t *testing.T) {
	w := listen(t)
	defer w.Stop()
	sa, err := syscall.Getsockname(w.fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrNetlink).Pid
	s, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.NETLINK_CONNECTOR)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(s)
	const followed, forged = 1 << 22, 1<<22 + 1 // beyond the default pid_max: no real fork
	msg := forkMessage(followed, forged)
	var f found
	w.Follow(followed, f.add, f.miss)
	if err := syscall.Sendto(s, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK, Pid: port}); err != nil {
		t.Fatal(err)
	}
	w.Stop()
	if len(f.pids) != 0 {
		t.Fatalf("forged event reported %v", f.pids)
	}
	// The same bytes parse as a fork: the sender, not the format, is what was refused.
	var got []int
	parseForks(msg, func(p, c, ct int) { got = append(got, p, c, ct) })
	if !slices.Equal(got, []int{followed, forged, forged}) {
		t.Fatalf("parseForks(forged) = %v", got)
	}
}

// forkMessage is a netlink datagram holding one fork event.
func forkMessage(parent, child int) []byte {
	ne := binary.NativeEndian
	m := make([]byte, forkMsgLen)
	ne.PutUint32(m[0:], uint32(len(m)))
	ne.PutUint32(m[nlmsgHdrLen:], cnIdxProc)
	ne.PutUint32(m[nlmsgHdrLen+4:], cnValProc)
	ne.PutUint16(m[nlmsgHdrLen+16:], uint16(forkMsgLen-evOff))
	ne.PutUint32(m[evOff:], procEventFork)
	for i, v := range []int{parent, parent, child, child} {
		ne.PutUint32(m[forkDataOff+4*i:], uint32(v))
	}
	return m
}

func TestParseForks(t *testing.T) {
	two := append(forkMessage(10, 11), forkMessage(11, 12)...)
	var got []int
	parseForks(two, func(p, c, ct int) { got = append(got, p, c) })
	if !slices.Equal(got, []int{10, 11, 11, 12}) {
		t.Fatalf("two events: %v", got)
	}
	exit := forkMessage(10, 11)
	binary.NativeEndian.PutUint32(exit[evOff:], 0x80000000) // PROC_EVENT_EXIT
	for name, b := range map[string][]byte{
		"truncated":  forkMessage(10, 11)[:forkMsgLen-1],
		"short len":  append([]byte{4, 0, 0, 0}, forkMessage(10, 11)[4:]...),
		"exit event": exit,
		"empty":      nil,
	} {
		parseForks(b, func(p, c, ct int) { t.Errorf("%s: parsed fork %d->%d", name, p, c) })
	}
}

func TestStopWithoutFollow(t *testing.T) {
	w := listen(t)
	w.Stop()
	w.Stop()
}

// TestOnExitTellsSignalFromExitCode: the end of each followed process is reported
// with the wait status the kernel recorded, so a process killed by a signal is told
// from one that exited with 128+signal, whoever its parent is.
func TestOnExitTellsSignalFromExitCode(t *testing.T) {
	w := listen(t)
	defer w.Stop()
	// Two children of a shell: one exits 137, one is killed by SIGKILL, one by
	// SIGTERM from outside.
	sh := exec.Command("/bin/sh", "-c", `sh -c 'exit 137' & a=$!; sh -c 'kill -9 $$' & b=$!; sleep 30 & c=$!; kill -TERM $c; wait; echo $a $b $c`)
	out, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ends := map[int]syscall.WaitStatus{}
	parents := map[int]int{}
	w.OnExit(func(pid, parent int, ws syscall.WaitStatus) {
		mu.Lock()
		ends[pid], parents[pid] = ws, parent
		mu.Unlock()
	})
	var f found
	w.Follow(sh.Process.Pid, f.add, f.miss)
	var a, b, c int
	if _, err := fmt.Fscan(out, &a, &b, &c); err != nil {
		t.Fatal(err)
	}
	if err := sh.Wait(); err != nil {
		t.Fatal(err)
	}
	w.Stop()
	mu.Lock()
	defer mu.Unlock()
	if ws, ok := ends[a]; !ok || ws.Signaled() || ws.ExitStatus() != 137 {
		t.Errorf("exit 137: reported %v (%v)", ws, ok)
	}
	if ws, ok := ends[b]; !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("killed by SIGKILL: reported %v (%v)", ws, ok)
	}
	if ws, ok := ends[c]; !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("killed by SIGTERM: reported %v (%v)", ws, ok)
	}
	for _, p := range []int{a, b, c} {
		if parents[p] != sh.Process.Pid {
			t.Errorf("pid %d: parent %d, want %d", p, parents[p], sh.Process.Pid)
		}
	}
	if ws, ok := ends[sh.Process.Pid]; !ok || ws.Signaled() || ws.ExitStatus() != 0 {
		t.Errorf("the followed process: reported %v (%v)", ws, ok)
	}
}
