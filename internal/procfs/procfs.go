package procfs

import (
	"bytes"
	"slices"
	"strconv"
	"syscall"
)

// Stat is what /proc/<pid>/stat says of a process.
type Stat struct {
	Comm    string // the executable's name, as the kernel keeps it (at most 15 bytes)
	State   byte   // 'R', 'S', 'D', 'Z' (zombie), 'X' (dead), ...
	PPid    int    // parent; a subreaper's orphans name the subreaper
	Session int    // session ID: the pid of the process that called setsid
	Start   uint64 // start time in clock ticks since boot: with the pid, names a process
}

// ReadFile reads a /proc file whole. The files are generated on read, so their size
// is not known in advance; buf (which may be nil) is reused when it is large enough.
func ReadFile(path string, buf []byte) ([]byte, error) {
	fd, err := open(path, syscall.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	if cap(buf) < 512 {
		buf = make([]byte, 0, 512)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

func open(path string, mode int) (int, error) {
	for {
		fd, err := syscall.Open(path, mode|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// numericEntries lists the names in dir that are decimal numbers (pids or thread IDs).
func numericEntries(dir string) []int {
	fd, err := open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY)
	if err != nil {
		return nil
	}
	defer syscall.Close(fd)
	var out []int
	buf := make([]byte, 2048)
	var names []string
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return out
		}
		_, _, names = syscall.ParseDirent(buf[:n], -1, names[:0])
		for _, name := range names {
			if id, err := strconv.Atoi(name); err == nil && id > 0 {
				out = append(out, id)
			}
		}
	}
}

// Pids lists the processes that exist now.
func Pids() []int { return numericEntries("/proc") }

// ReadStat reads pid's stat; ok is false if the process no longer exists.
func ReadStat(pid int) (st Stat, ok bool) {
	var buf [512]byte
	data, err := ReadFile("/proc/"+strconv.Itoa(pid)+"/stat", buf[:0])
	if err != nil {
		return Stat{}, false
	}
	return parseStat(data)
}

// parseStat parses "pid (comm) state ppid pgrp session tty_nr tpgid flags minflt
// cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads
// itrealvalue starttime ...". comm may hold spaces and parentheses, so it runs to the
// last ')'.
func parseStat(data []byte) (Stat, bool) {
	i, j := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if i < 0 || j < i {
		return Stat{}, false
	}
	st := Stat{Comm: string(data[i+1 : j])}
	rest := data[j+1:]
	for field := 0; field <= 19; field++ {
		for len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
		end := bytes.IndexByte(rest, ' ')
		if end < 0 {
			end = len(rest)
		}
		f := bytes.TrimRight(rest[:end], "\n")
		rest = rest[end:]
		if len(f) == 0 {
			return Stat{}, false
		}
		switch field {
		case 0:
			st.State = f[0]
		case 1:
			st.PPid = atoi(f)
		case 3:
			st.Session = atoi(f)
		case 19:
			st.Start = uint64(atoi(f))
		}
	}
	return st, true
}

func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// All reads the stat of every process on the host.
func All() map[int]Stat {
	pids := Pids()
	all := make(map[int]Stat, len(pids))
	for _, pid := range pids {
		if st, ok := ReadStat(pid); ok {
			all[pid] = st
		}
	}
	return all
}

// Cmdline returns pid's arguments (nil for a zombie or a vanished process, whose
// command line reads empty).
func Cmdline(pid int) []string {
	data, err := ReadFile("/proc/"+strconv.Itoa(pid)+"/cmdline", nil)
	if err != nil || len(data) == 0 {
		return nil
	}
	var args []string
	for _, a := range bytes.Split(bytes.TrimRight(data, "\x00"), []byte{0}) {
		args = append(args, string(a))
	}
	return args
}

// Children lists pid's children; ok is false if pid no longer exists. The kernel
// lists a child under the thread that forked it, so every thread's list is read.
func Children(pid int) (kids []int, ok bool) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tids := numericEntries(dir)
	var buf [256]byte
	for _, tid := range tids {
		data, err := ReadFile(dir+strconv.Itoa(tid)+"/children", buf[:0])
		if err != nil {
			continue
		}
		for _, f := range bytes.Fields(data) {
			if c := atoi(f); c > 0 {
				kids = append(kids, c)
			}
		}
	}
	return kids, len(tids) > 0
}

// Descendants lists, from all (as All returns), every process below pid: its
// children, their children, and so on.
func Descendants(all map[int]Stat, pid int) []int {
	kids := map[int][]int{}
	for p, st := range all {
		kids[st.PPid] = append(kids[st.PPid], p)
	}
	var out []int
	queue := kids[pid]
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, p)
		queue = append(queue, kids[p]...)
	}
	return out
}

// Zombies lists, from all (as All returns), the children of ppid that have exited
// and wait to be reaped, in pid order.
func Zombies(all map[int]Stat, ppid int) []int {
	var out []int
	for pid, st := range all {
		if st.State == 'Z' && st.PPid == ppid {
			out = append(out, pid)
		}
	}
	slices.Sort(out)
	return out
}
